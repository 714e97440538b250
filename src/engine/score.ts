import type { MetricConfig, ScoreConfig } from './config-schema';
import { describeChange, describeMeasurement, selectDrivers } from './drivers';
import { normalise } from './normalise';
import type { ReferenceDistributions } from './reference';
import type { MetricBreakdown, MissingData, ScoreResult } from './result-types';
import type { CompanySnapshot, UnparseableValue } from './snapshot';
import { measureSource, type Measurement } from './sources';
import { classifyScore } from './status';

export interface ScoreOptions {
  /** The company's previous result: used for the change, its causes and status hysteresis. */
  previous?: ScoreResult;
  /** Reference distributions for percentile metrics, from the workspace's last full scoring. */
  reference?: ReferenceDistributions;
}

const NEUTRAL_POINTS = 50;

/** Points computed from one metric before weights are applied. */
interface MetricPoints {
  metric: MetricConfig;
  measurement: Measurement;
  normalised: number | null;
  missing: MissingData | null;
}

/**
 * Scores one company with a config at `asOf`. The engine reads no clock and does no I/O, so the
 * same inputs always give the same result, and a past `asOf` backtests.
 *
 * Each metric's raw value is normalised to 0-100 points. A missing value follows the metric's
 * policy: `ignore` drops the metric and spreads its weight over the others in proportion to
 * their weights, `neutral` gives 50 points and `worst` 0. The score is the weighted sum, rounded
 * half up only at the end.
 */
export function scoreCompany(
  snapshot: CompanySnapshot,
  config: ScoreConfig,
  asOf: Date,
  options: ScoreOptions = {},
): ScoreResult {
  if (Number.isNaN(asOf.getTime())) throw new RangeError('asOf must be a valid Date');
  const unparseable: UnparseableValue[] = [];
  const perMetric = config.metrics.map((metric) =>
    pointsForMetric(metric, snapshot, asOf, unparseable, options.reference, config),
  );

  const countedWeight = sumWeights(perMetric.filter((entry) => entry.normalised !== null));
  // NOTE: when every metric is missing and ignored, the score falls back to a neutral 50 and its
  // status follows the thresholds. `noData` and a coverage of 0 mark such a score as a guess.
  const noData = countedWeight === 0;
  const breakdown = perMetric.map((entry) => toBreakdown(entry, countedWeight, noData, config));

  const rawScore = noData ? NEUTRAL_POINTS : sumPointsInIdOrder(breakdown);
  const score = roundScore(rawScore);
  const status = classifyScore(score, config.status, options.previous?.status);

  const totalWeight = sumWeights(perMetric);
  const withData = sumWeights(perMetric.filter((entry) => entry.missing === null));
  const driverDetails = selectDrivers(breakdown);

  const result: ScoreResult = {
    companyId: snapshot.id,
    workspace: config.workspace,
    configVersion: config.version,
    asOf: asOf.toISOString(),
    score,
    rawScore,
    status,
    breakdown,
    coverage: (100 * withData) / totalWeight,
    noData,
    drivers: noData ? ['No data for any metric'] : driverDetails.map((driver) => driver.text),
    driverDetails,
    unparseable,
  };
  if (options.previous !== undefined) result.change = describeChange(result, options.previous);
  return result;
}

function pointsForMetric(
  metric: MetricConfig,
  snapshot: CompanySnapshot,
  asOf: Date,
  unparseable: UnparseableValue[],
  reference: ReferenceDistributions | undefined,
  config: ScoreConfig,
): MetricPoints {
  const context = { snapshot, asOf, metricId: metric.id, unparseable };
  let measurement = measureSource(metric.source, context);

  if (measurement.raw !== null) {
    const distribution = referenceFor(metric, reference, config);
    const points = normalise(metric.normalisation, metric.direction, measurement.raw, distribution);
    if (points !== undefined) return { metric, measurement, normalised: points, missing: null };
    measurement = {
      ...measurement,
      missing: { reason: 'no_reference', detail: noReferenceDetail(reference, config) },
    };
  }

  const reason = measurement.missing ?? { reason: 'no_value' as const, detail: 'no data' };
  const missing: MissingData = { ...reason, policy: metric.missing };
  const normalised = { ignore: null, neutral: NEUTRAL_POINTS, worst: 0 }[metric.missing];
  return { metric, measurement, normalised, missing };
}

function toBreakdown(
  entry: MetricPoints,
  countedWeight: number,
  noData: boolean,
  config: ScoreConfig,
): MetricBreakdown {
  const { metric, measurement, normalised, missing } = entry;
  const effectiveWeight = noData || normalised === null ? 0 : (100 * metric.weight) / countedWeight;
  const pointsEarned = normalised === null ? 0 : (normalised * effectiveWeight) / 100;
  assertFinite(pointsEarned, metric.id);
  return {
    metricId: metric.id,
    label: metric.label,
    raw: measurement.raw,
    normalised,
    weight: metric.weight,
    effectiveWeight,
    pointsEarned,
    pointsLost: effectiveWeight - pointsEarned,
    missing,
    description: describeMeasurement(metric, measurement, config),
  };
}

function referenceFor(
  metric: MetricConfig,
  reference: ReferenceDistributions | undefined,
  config: ScoreConfig,
): readonly number[] | undefined {
  if (metric.normalisation.type !== 'percentile' || reference === undefined) return undefined;
  // A distribution from another config version may measure the metric differently.
  if (reference.workspace !== config.workspace || reference.configVersion !== config.version) {
    return undefined;
  }
  return reference.metrics[metric.id];
}

function noReferenceDetail(
  reference: ReferenceDistributions | undefined,
  config: ScoreConfig,
): string {
  if (reference === undefined) return 'no reference distribution was given';
  if (reference.workspace !== config.workspace || reference.configVersion !== config.version) {
    return (
      `the reference distribution is for ${reference.workspace} version ` +
      `${reference.configVersion}, not ${config.workspace} version ${config.version}`
    );
  }
  return 'the reference distribution has no values for this metric';
}

/** Sums in metric-id order, like the points, so that reordering the config changes nothing. */
function sumWeights(entries: { metric: MetricConfig }[]): number {
  const sorted = [...entries].sort((a, b) => compareIds(a.metric.id, b.metric.id));
  return sorted.reduce((total, entry) => total + entry.metric.weight, 0);
}

function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Sums in metric-id order so that reordering the config cannot change the last bit. */
function sumPointsInIdOrder(breakdown: MetricBreakdown[]): number {
  const sorted = [...breakdown].sort((a, b) => compareIds(a.metricId, b.metricId));
  const total = sorted.reduce((sum, entry) => sum + entry.pointsEarned, 0);
  return Math.min(100, Math.max(0, total));
}

/**
 * Rounds half up after snapping to 9 decimals, so float residue such as 69.49999999999999 for
 * a hand-computed 69.5 rounds as the exact arithmetic would.
 */
export function roundScore(rawScore: number): number {
  const snapped = Math.round(rawScore * 1e9) / 1e9;
  return Math.min(100, Math.max(0, Math.round(snapped)));
}

function assertFinite(value: number, metricId: string): void {
  if (!Number.isFinite(value)) {
    throw new Error(`engine bug: metric "${metricId}" produced ${value} points`);
  }
}
