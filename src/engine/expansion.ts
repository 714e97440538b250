import type { ScoreConfig } from './config-schema';
import { formatDateForHubSpot } from './format';
import type { ScoreResult } from './result-types';
import { DAY_MS, historyUntil, propertyValueAt, type CompanySnapshot } from './snapshot';
import { parseHubSpotDate, parseHubSpotNumber } from './values';

/** The expansion signals, in the order they are reported and written. */
export const EXPANSION_SIGNAL_KINDS = [
  'seat_limit',
  'premium_features',
  'renewal_high_health',
  'team_growth',
] as const;
export type ExpansionSignalKind = (typeof EXPANSION_SIGNAL_KINDS)[number];

/** The option labels HubSpot shows for the signals of `cs_expansion_signals`. */
export const EXPANSION_SIGNAL_LABELS: Record<ExpansionSignalKind, string> = {
  seat_limit: 'Near seat limit',
  premium_features: 'Uses premium features',
  renewal_high_health: 'Renewal with high health',
  team_growth: 'Team growth',
};

/** One active expansion signal. */
export interface ExpansionSignal {
  kind: ExpansionSignalKind;
  /** Plain words for the account executive, e.g. `Uses 46 of 50 licensed seats (92%)`. */
  reason: string;
}

/**
 * Detects the expansion signals that are on for a company at `asOf`. Every value is read as it
 * was at `asOf` (the newest history entry at or before it, or the current value without
 * history), so a backtest reads no later data. A value that is missing or cannot be parsed turns
 * its signal off. `result` is the company's score at the same `asOf`, for the renewal signal.
 */
export function detectExpansionSignals(
  snapshot: CompanySnapshot,
  result: Pick<ScoreResult, 'status' | 'score'>,
  config: Pick<ScoreConfig, 'expansion'>,
  asOf: Date,
): ExpansionSignal[] {
  const { expansion } = config;
  const signals: ExpansionSignal[] = [];
  const add = (kind: ExpansionSignalKind, reason: string | undefined): void => {
    if (reason !== undefined) signals.push({ kind, reason });
  };
  if (expansion.seatLimit.enabled) add('seat_limit', seatLimitReason(snapshot, config, asOf));
  if (expansion.premiumFeatures.enabled) {
    add('premium_features', premiumFeaturesReason(snapshot, config, asOf));
  }
  if (expansion.renewalHighHealth.enabled) {
    add('renewal_high_health', renewalReason(snapshot, result, config, asOf));
  }
  if (expansion.teamGrowth.enabled) add('team_growth', teamGrowthReason(snapshot, config, asOf));
  return signals;
}

/** Ignores history entries with unreadable timestamps, because the signals report no unparseable values. */
const skipTimestamp = (): void => {};

function numberAt(snapshot: CompanySnapshot, property: string, asOf: Date): number | undefined {
  const parsed = parseHubSpotNumber(propertyValueAt(snapshot, property, asOf, skipTimestamp));
  return parsed.ok ? parsed.value : undefined;
}

function seatLimitReason(
  snapshot: CompanySnapshot,
  { expansion }: Pick<ScoreConfig, 'expansion'>,
  asOf: Date,
): string | undefined {
  const rule = expansion.seatLimit;
  const used = numberAt(snapshot, rule.seatsUsedProperty, asOf);
  const licensed = numberAt(snapshot, rule.licensedSeatsProperty, asOf);
  if (used === undefined || licensed === undefined || licensed <= 0) return undefined;
  const utilisation = used / licensed;
  if (utilisation < rule.minUtilisation) return undefined;
  return (
    `Uses ${formatCount(used)} of ${formatCount(licensed)} licensed seats ` +
    `(${formatCount(utilisation * 100)}%)`
  );
}

function premiumFeaturesReason(
  snapshot: CompanySnapshot,
  { expansion }: Pick<ScoreConfig, 'expansion'>,
  asOf: Date,
): string | undefined {
  const rule = expansion.premiumFeatures;
  const features = numberAt(snapshot, rule.property, asOf);
  if (features === undefined || features < rule.minFeatures) return undefined;
  return `Uses ${formatCount(features)} premium ${features === 1 ? 'feature' : 'features'}`;
}

function renewalReason(
  snapshot: CompanySnapshot,
  result: Pick<ScoreResult, 'status' | 'score'>,
  { expansion }: Pick<ScoreConfig, 'expansion'>,
  asOf: Date,
): string | undefined {
  const rule = expansion.renewalHighHealth;
  if (result.status !== 'healthy') return undefined;
  const renewal = parseHubSpotDate(propertyValueAt(snapshot, rule.property, asOf, skipTimestamp));
  if (!renewal.ok) return undefined;
  // Calendar days in UTC, the day HubSpot stores a date property on, so a renewal dated today
  // is 0 days away at any hour of that day.
  const daysUntil = utcDay(renewal.value) - utcDay(asOf);
  if (daysUntil < 0 || daysUntil > rule.withinDays) return undefined;
  const when = daysUntil === 0 ? 'today' : `in ${daysUntil} ${daysUntil === 1 ? 'day' : 'days'}`;
  return (
    `Renews on ${formatDateForHubSpot(renewal.value)} (${when}) ` +
    `with a Healthy score of ${result.score}`
  );
}

function teamGrowthReason(
  snapshot: CompanySnapshot,
  { expansion }: Pick<ScoreConfig, 'expansion'>,
  asOf: Date,
): string | undefined {
  const rule = expansion.teamGrowth;
  const history = historyUntil(snapshot, rule.property, asOf, skipTimestamp);
  if (history === undefined) return undefined;
  const earlierAt = asOf.getTime() - rule.days * DAY_MS;
  const nowRaw = history[0]?.value;
  const earlierRaw = history.find((point) => point.at.getTime() <= earlierAt)?.value;
  const now = parseHubSpotNumber(nowRaw);
  const earlier = parseHubSpotNumber(earlierRaw);
  if (!now.ok || !earlier.ok || earlier.value <= 0) return undefined;
  const growthPercent = (100 * (now.value - earlier.value)) / earlier.value;
  if (growthPercent < rule.minGrowthPercent) return undefined;
  return (
    `Team grew ${formatCount(growthPercent)}% in ${rule.days} days ` +
    `(${rule.property} from ${formatCount(earlier.value)} to ${formatCount(now.value)})`
  );
}

function utcDay(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

/** Formats a count or percentage with at most one decimal, e.g. `92` or `12.5`. */
function formatCount(value: number): string {
  return String(Math.round(value * 10) / 10);
}
