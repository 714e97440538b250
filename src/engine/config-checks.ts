import type { z } from 'zod';

/**
 * Cross-field rules of the score config: metric count, unique ids, the weight sum, bounds that
 * agree with each metric's direction, and status thresholds. They run even when single fields
 * failed (so that one response lists every problem), which is why they read the config as
 * unknown data and skip a rule whose inputs are not valid.
 */

export const MAX_METRICS = 10;
/** Weights may miss 100 by this much, so that thirds such as 33.3 + 33.3 + 33.4 pass. */
export const WEIGHT_SUM_TOLERANCE = 0.1;

type Ctx = z.core.$RefinementCtx<unknown>;
type Path = (string | number)[];

interface LooseMetric {
  index: number;
  id: string | undefined;
  weight: unknown;
  direction: unknown;
  source: Record<string, unknown> | undefined;
  normalisation: Record<string, unknown> | undefined;
}

export function checkConfigConsistency(value: unknown, ctx: Ctx): void {
  if (!isRecord(value)) return;
  const add = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });

  if (Array.isArray(value.metrics)) {
    const metrics = value.metrics.map(toLooseMetric);
    checkMetricCount(metrics.length, add);
    checkUniqueIds(metrics, add);
    checkWeightSum(metrics, add);
    for (const metric of metrics) {
      checkBounds(metric, add);
      checkTicketAges(metric, add);
    }
  }
  if (isRecord(value.status)) checkStatus(value.status, add);
}

/** Formats a number the way a person would write it: no float residue, no exponent. */
export function formatConfigNumber(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}

/** Names a metric in a message by its id when it has one, else by its position. */
export function metricName(id: string | undefined, index: number): string {
  return id === undefined ? `metrics[${index}]` : `metric "${id}"`;
}

function toLooseMetric(raw: unknown, index: number): LooseMetric {
  const metric = isRecord(raw) ? raw : {};
  return {
    index,
    id: typeof metric.id === 'string' ? metric.id : undefined,
    weight: metric.weight,
    direction: metric.direction,
    source: isRecord(metric.source) ? metric.source : undefined,
    normalisation: isRecord(metric.normalisation) ? metric.normalisation : undefined,
  };
}

function checkMetricCount(count: number, add: (path: Path, message: string) => void): void {
  if (count >= 1 && count <= MAX_METRICS) return;
  add(['metrics'], `a config needs 1 to ${MAX_METRICS} metrics; this one has ${count}`);
}

function checkUniqueIds(metrics: LooseMetric[], add: (path: Path, message: string) => void): void {
  const seen = new Map<string, number>();
  for (const metric of metrics) {
    if (metric.id === undefined) continue;
    const first = seen.get(metric.id);
    if (first === undefined) {
      seen.set(metric.id, metric.index);
      continue;
    }
    add(
      ['metrics', metric.index, 'id'],
      `id "${metric.id}" is also used by metrics[${first}]; metric ids must be unique`,
    );
  }
}

function checkWeightSum(metrics: LooseMetric[], add: (path: Path, message: string) => void): void {
  if (metrics.length === 0) return;
  const weights: number[] = [];
  for (const metric of metrics) {
    // A missing or invalid weight already has its own message; a sum without it would mislead.
    if (typeof metric.weight !== 'number' || !Number.isFinite(metric.weight)) return;
    weights.push(metric.weight);
  }
  const sum = weights.reduce((total, weight) => total + weight, 0);
  if (Math.abs(sum - 100) <= WEIGHT_SUM_TOLERANCE + 1e-9) return;

  const terms = metrics
    .map((metric, position) => {
      const name = metric.id ?? `metrics[${metric.index}]`;
      return `${name} ${formatConfigNumber(weights[position] ?? 0)}`;
    })
    .join(' + ');
  add([], `weights sum to ${formatConfigNumber(sum)} (${terms}); they must sum to 100`);
}

function checkBounds(metric: LooseMetric, add: (path: Path, message: string) => void): void {
  const normalisation = metric.normalisation;
  const direction = metric.direction;
  if (normalisation === undefined) return;
  if (direction !== 'higher_is_better' && direction !== 'lower_is_better') return;
  const path: Path = ['metrics', metric.index, 'normalisation'];

  if (normalisation.type === 'linear' || normalisation.type === 'log_linear') {
    const { worst, best } = normalisation;
    if (typeof worst !== 'number' || typeof best !== 'number') return;
    if (worst === best) {
      add(path, `worst and best are both ${formatConfigNumber(worst)}; they must differ`);
      return;
    }
    const higher = direction === 'higher_is_better';
    if (higher === best > worst) return;
    const needed = higher ? 'best must be above worst' : 'best must be below worst';
    add(
      path,
      `worst ${formatConfigNumber(worst)} and best ${formatConfigNumber(best)} do not fit ` +
        `${direction}: ${needed}`,
    );
    return;
  }

  if (normalisation.type === 'bands' && Array.isArray(normalisation.bands)) {
    checkBands(normalisation.bands, direction, path, add);
  }
}

function checkBands(
  bands: unknown[],
  direction: 'higher_is_better' | 'lower_is_better',
  path: Path,
  add: (path: Path, message: string) => void,
): void {
  const parsed: { from: number; points: number }[] = [];
  for (const band of bands) {
    if (!isRecord(band) || typeof band.from !== 'number' || typeof band.points !== 'number') return;
    parsed.push({ from: band.from, points: band.points });
  }
  for (let index = 1; index < parsed.length; index += 1) {
    const previous = parsed[index - 1];
    const current = parsed[index];
    if (previous === undefined || current === undefined) continue;
    if (current.from <= previous.from) {
      add(
        [...path, 'bands', index, 'from'],
        `from ${formatConfigNumber(current.from)} must be above the previous band's ` +
          `${formatConfigNumber(previous.from)}; list bands in ascending order`,
      );
      return;
    }
    const falls = current.points < previous.points;
    const rises = current.points > previous.points;
    if ((direction === 'higher_is_better' && falls) || (direction === 'lower_is_better' && rises)) {
      const expected = direction === 'higher_is_better' ? 'rise' : 'fall';
      add(
        [...path, 'bands', index, 'points'],
        `points go from ${formatConfigNumber(previous.points)} to ` +
          `${formatConfigNumber(current.points)}, but for ${direction} points must ${expected} ` +
          'or stay equal as values grow',
      );
      return;
    }
  }
}

function checkTicketAges(metric: LooseMetric, add: (path: Path, message: string) => void): void {
  const source = metric.source;
  if (source?.type !== 'open_tickets') return;
  const { minAgeDays, maxAgeDays } = source;
  if (typeof minAgeDays !== 'number' || typeof maxAgeDays !== 'number') return;
  if (minAgeDays <= maxAgeDays) return;
  add(
    ['metrics', metric.index, 'source'],
    `minAgeDays ${formatConfigNumber(minAgeDays)} is above maxAgeDays ` +
      `${formatConfigNumber(maxAgeDays)}`,
  );
}

function checkStatus(
  status: Record<string, unknown>,
  add: (path: Path, message: string) => void,
): void {
  const { healthyAtOrAbove: healthy, atRiskBelow: atRisk, hysteresis } = status;
  if (typeof healthy !== 'number' || typeof atRisk !== 'number') return;
  if (healthy <= atRisk) {
    add(
      ['status'],
      `healthyAtOrAbove ${formatConfigNumber(healthy)} must be above atRiskBelow ` +
        `${formatConfigNumber(atRisk)}`,
    );
    return;
  }
  if (typeof hysteresis === 'number' && hysteresis >= healthy - atRisk) {
    add(
      ['status', 'hysteresis'],
      `${formatConfigNumber(hysteresis)} points must be less than the ` +
        `${formatConfigNumber(healthy - atRisk)}-point gap between atRiskBelow and healthyAtOrAbove`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
