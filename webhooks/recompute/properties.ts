import { EXPANSION_SIGNAL_KINDS, formatNumberForHubSpot } from '../../src/engine';
import type { ScorePoint } from './store';
import { scoreAsOf } from './store';

/** Status values as HubSpot stores them: the internal values of the `cs_health_status` options. */
export const HEALTH_STATUSES = ['healthy', 'needs_attention', 'at_risk'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Option labels HubSpot shows, mapped back to internal values in case a label reaches a write. */
const STATUS_BY_LABEL: Record<string, HealthStatus> = {
  healthy: 'healthy',
  'needs attention': 'needs_attention',
  needs_attention: 'needs_attention',
  'at risk': 'at_risk',
  at_risk: 'at_risk',
};

/**
 * The company properties the app writes. Their names are the contract with customers'
 * workflows and reports, so they never change.
 */
export const WRITTEN_PROPERTIES = {
  score: 'cs_health_score',
  status: 'cs_health_status',
  previousStatus: 'cs_health_previous_status',
  statusChangedAt: 'cs_health_status_changed_at',
  change7d: 'cs_health_score_change_7d',
  change30d: 'cs_health_score_change_30d',
  drivers: 'cs_health_drivers',
  coverage: 'cs_health_coverage',
  workspace: 'cs_health_workspace',
  configVersion: 'cs_health_config_version',
  computedAt: 'cs_health_computed_at',
  expansionSignals: 'cs_expansion_signals',
  expansionSignalAt: 'cs_expansion_signal_at',
} as const;

export const ALL_WRITTEN_PROPERTIES: string[] = Object.values(WRITTEN_PROPERTIES);

/** Written properties compared by numeric value or by instant, not as text. */
const NUMBER_PROPERTIES = new Set<string>([
  WRITTEN_PROPERTIES.score,
  WRITTEN_PROPERTIES.change7d,
  WRITTEN_PROPERTIES.change30d,
  WRITTEN_PROPERTIES.coverage,
]);
const DATETIME_PROPERTIES = new Set<string>([
  WRITTEN_PROPERTIES.statusChangedAt,
  WRITTEN_PROPERTIES.computedAt,
  WRITTEN_PROPERTIES.expansionSignalAt,
]);
/** Multiple-checkbox properties, compared as sets because HubSpot may return any order. */
const MULTI_CHECKBOX_PROPERTIES = new Set<string>([WRITTEN_PROPERTIES.expansionSignals]);

/** At most this many drivers go into `cs_health_drivers`, one per line. */
export const MAX_DRIVER_LINES = 5;

const DAY_MS = 86_400_000;

/** Returns the internal status value for a status or its label, or undefined when unknown. */
export function toStatusValue(status: string | null | undefined): HealthStatus | undefined {
  if (!status) return undefined;
  return STATUS_BY_LABEL[status.trim().toLowerCase()];
}

/** Joins drivers into the multi-line text property: one plain-text driver per line, at most five. */
export function formatDrivers(drivers: string[]): string {
  return drivers
    .map((driver) => driver.replace(/\s+/g, ' ').trim())
    .filter((driver) => driver.length > 0)
    .slice(0, MAX_DRIVER_LINES)
    .join('\n');
}

/** Formats a score change for HubSpot, or `""` (clear) when the history does not reach back. */
export function formatScoreChange(
  history: ScorePoint[],
  score: number,
  now: Date,
  days: number,
): string {
  const before = scoreAsOf(history, now.getTime() - days * DAY_MS);
  return before === undefined ? '' : formatNumberForHubSpot(score - before, 0);
}

/**
 * True when a value read from HubSpot shows the same thing as a value about to be written.
 * Numbers compare by value ("72" and "72.0") and datetimes by instant (ISO text or epoch ms),
 * because HubSpot may return either form.
 */
export function sameValue(
  property: string,
  current: string | null | undefined,
  next: string,
): boolean {
  const have = current ?? '';
  if (have === next) return true;
  if (have === '' || next === '') return false;
  if (NUMBER_PROPERTIES.has(property)) return Number(have) === Number(next);
  if (DATETIME_PROPERTIES.has(property)) return parseInstant(have) === parseInstant(next);
  if (MULTI_CHECKBOX_PROPERTIES.has(property)) return sameOptions(have, next);
  return false;
}

/** Splits a HubSpot multiple-checkbox value (internal values joined with `;`) into its values. */
export function splitMultiCheckbox(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .split(';')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

/** Joins values into a HubSpot multiple-checkbox value without repeats, or `""` for none. */
export function formatMultiCheckbox(values: string[]): string {
  return [...new Set(values)].join(';');
}

/** True when two multiple-checkbox values contain the same options, in any order. */
export function sameOptions(a: string | null | undefined, b: string | null | undefined): boolean {
  const left = [...new Set(splitMultiCheckbox(a))].sort();
  const right = [...new Set(splitMultiCheckbox(b))].sort();
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

function parseInstant(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Date.parse(text);
}

/** Returns the properties of `next` whose value differs from `current`. */
export function changedProperties(
  current: Record<string, string | null | undefined>,
  next: Record<string, string>,
): Record<string, string> {
  const changed: Record<string, string> = {};
  for (const [name, value] of Object.entries(next)) {
    if (!sameValue(name, current[name], value)) changed[name] = value;
  }
  return changed;
}

/** A value left out of a write because HubSpot would reject it. */
export interface RejectedValue {
  property: string;
  value: string;
  reason: string;
}

const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;
const STATUS_PROPERTIES = new Set<string>([
  WRITTEN_PROPERTIES.status,
  WRITTEN_PROPERTIES.previousStatus,
]);

/**
 * Checks every value against what HubSpot accepts for its property type: numbers as plain
 * decimals, statuses as option values, datetimes as ISO text, `""` to clear. A value that fails
 * is left out of the write and returned, so one bad value never rejects the whole batch.
 */
export function validateForHubSpot(properties: Record<string, string>): {
  valid: Record<string, string>;
  rejected: RejectedValue[];
} {
  const valid: Record<string, string> = {};
  const rejected: RejectedValue[] = [];
  for (const [property, value] of Object.entries(properties)) {
    const reason = invalidReason(property, value);
    if (reason) rejected.push({ property, value, reason });
    else valid[property] = value;
  }
  return { valid, rejected };
}

function invalidReason(property: string, value: string): string | undefined {
  if (value === '') return undefined;
  if (NUMBER_PROPERTIES.has(property) && !PLAIN_DECIMAL.test(value)) {
    return 'not a plain decimal number';
  }
  if (STATUS_PROPERTIES.has(property) && !(HEALTH_STATUSES as readonly string[]).includes(value)) {
    return `not one of the option values ${HEALTH_STATUSES.join(', ')}`;
  }
  if (DATETIME_PROPERTIES.has(property) && Number.isNaN(Date.parse(value))) {
    return 'not an ISO datetime';
  }
  if (MULTI_CHECKBOX_PROPERTIES.has(property)) {
    const unknown = splitMultiCheckbox(value).filter(
      (option) => !(EXPANSION_SIGNAL_KINDS as readonly string[]).includes(option),
    );
    if (unknown.length > 0) {
      return `contains values that are not options (${unknown.join(', ')}); the options are ${EXPANSION_SIGNAL_KINDS.join(', ')}`;
    }
  }
  return undefined;
}
