import type { MetricConfig, ScoreConfig } from './config-schema';
import { formatNumberForHubSpot } from './format';
import type { Driver, MetricBreakdown, ScoreChange, ScoreResult } from './result-types';
import type { Measurement } from './sources';

const MAX_DRIVERS = 3;
const MAX_CAUSES = 3;
/** Moves smaller than this many points are not named as drivers or causes. */
const MIN_POINTS_NAMED = 0.5;

/** Describes a metric's value in plain words, e.g. "3 open tickets (2 high priority)". */
export function describeMeasurement(
  metric: MetricConfig,
  measurement: Measurement,
  config: ScoreConfig,
): string {
  const { source, label } = metric;
  const raw = measurement.raw;
  if (raw === null) {
    if (source.type === 'last_contact' && measurement.missing?.reason === 'no_value') {
      return `No contact on record (target ${config.contactFrequencyDays} days)`;
    }
    return `${label}: ${measurement.missing?.detail ?? 'no data'}`;
  }
  const value = formatForText(raw);
  if (metric.driverTemplate !== undefined)
    return metric.driverTemplate.replaceAll('{value}', value);

  const facts = measurement.facts;
  switch (source.type) {
    case 'number_property':
    case 'ratio':
      return `${label} ${value}`;
    case 'date_property':
      return raw >= 0 ? `${label} ${days(raw)} ago` : `${label} in ${days(-raw)}`;
    case 'enumeration_property':
    case 'bool_property':
      return `${label}: ${facts.option ?? value}`;
    case 'open_tickets':
      return describeOpenTickets(raw, facts.highPriority ?? 0, source);
    case 'tickets_opened': {
      const count = raw === 0 ? 'No' : value;
      return `${count} ${plural(raw, 'ticket')} opened in the last ${source.days} days`;
    }
    case 'feedback':
    case 'feedback_property':
      return describeFeedback(raw, source.surveyType, source.aggregate, facts.samples ?? 1);
    case 'last_contact':
      return describeLastContact(raw, config.contactFrequencyDays);
    case 'change': {
      const unit = source.mode === 'percent' ? '%' : '';
      if (raw === 0) return `${label} unchanged over ${source.days} days`;
      const way = raw > 0 ? 'up' : 'down';
      return `${label} ${way} ${formatForText(Math.abs(raw))}${unit} in ${source.days} days`;
    }
  }
}

/** Picks the metrics that move the score furthest from a neutral 50, strongest first. */
export function selectDrivers(breakdown: MetricBreakdown[]): Driver[] {
  return breakdown
    .filter((entry) => entry.effectiveWeight > 0)
    .map((entry) => ({
      metricId: entry.metricId,
      text: entry.description,
      impact: entry.pointsEarned - entry.effectiveWeight / 2,
    }))
    .filter((driver) => Math.abs(driver.impact) >= MIN_POINTS_NAMED)
    .sort((a, b) => Math.abs(b.impact) - Math.abs(a.impact) || compareIds(a.metricId, b.metricId))
    .slice(0, MAX_DRIVERS);
}

/** Compares a result with the previous one and names the metrics whose points moved most. */
export function describeChange(
  current: Pick<ScoreResult, 'score' | 'breakdown' | 'configVersion'>,
  previous: Pick<ScoreResult, 'score' | 'breakdown' | 'configVersion'>,
): ScoreChange {
  const previousById = new Map(previous.breakdown.map((entry) => [entry.metricId, entry]));
  const currentById = new Map(current.breakdown.map((entry) => [entry.metricId, entry]));
  const ids = [...new Set([...currentById.keys(), ...previousById.keys()])];

  const moves = ids
    .map((id) => {
      const now = currentById.get(id);
      const before = previousById.get(id);
      return { id, now, before, points: (now?.pointsEarned ?? 0) - (before?.pointsEarned ?? 0) };
    })
    .filter((move) => Math.abs(move.points) >= MIN_POINTS_NAMED)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || compareIds(a.id, b.id))
    .slice(0, MAX_CAUSES);

  const causes = moves.map(({ id, now, before, points }) => {
    const label = now?.label ?? before?.label ?? id;
    const from = before?.description ?? 'not scored';
    const to = now?.description ?? 'not scored';
    const sign = points > 0 ? '+' : '-';
    return `${label}: ${from} → ${to} (${sign}${formatNumberForHubSpot(Math.abs(points), 1)} points)`;
  });
  if (current.configVersion !== previous.configVersion) {
    causes.unshift(
      `Score config changed from version ${previous.configVersion} to ${current.configVersion}`,
    );
  }
  return { delta: current.score - previous.score, causes };
}

function describeOpenTickets(
  count: number,
  highPriority: number,
  source: Extract<MetricConfig['source'], { type: 'open_tickets' }>,
): string {
  const kind =
    source.priorities === undefined
      ? ''
      : ` ${source.priorities.map((priority) => priority.toLowerCase()).join('/')} priority`;
  const age = source.minAgeDays === undefined ? '' : ` older than ${source.minAgeDays} days`;
  if (count === 0) return `No open${kind} tickets${age}`;

  const text = `${formatForText(count)} open${kind} ${plural(count, 'ticket')}${age}`;
  return source.priorities === undefined && highPriority > 0
    ? `${text} (${highPriority} high priority)`
    : text;
}

function describeFeedback(
  value: number,
  surveyType: string,
  aggregate: 'latest' | 'mean',
  samples: number,
): string {
  const text = formatForText(value);
  if (aggregate === 'mean') {
    return `${surveyType} ${text} on average (${samples} ${plural(samples, 'answer')})`;
  }
  if (surveyType.toUpperCase() !== 'NPS') return `${surveyType} ${text}`;
  return `NPS ${text} (${npsGroup(value)})`;
}

/** NPS calls responses 0-6 detractors, 7-8 passives and 9-10 promoters. */
function npsGroup(value: number): string {
  if (value < 7) return 'detractor';
  if (value < 9) return 'passive';
  return 'promoter';
}

function describeLastContact(daysSince: number, target: number): string {
  if (daysSince > target) return `No contact for ${days(daysSince)} (target ${target})`;
  if (daysSince === 0) return `Contacted today (target ${target})`;
  return `Last contact ${days(daysSince)} ago (target ${target})`;
}

/** Up to 1 decimal for values of 1 or more, up to 2 below 1 (so 0.04 does not show as 0). */
function formatForText(value: number): string {
  return formatNumberForHubSpot(value, Math.abs(value) >= 1 ? 1 : 2);
}

function days(count: number): string {
  return `${formatForText(count)} ${plural(count, 'day')}`;
}

function plural(count: number, noun: string): string {
  return count === 1 ? noun : `${noun}s`;
}

function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
