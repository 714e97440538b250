import type { Direction, Normalisation } from './config-schema';

/**
 * Maps a metric's raw value to 0-100 points. Returns undefined only for the percentile
 * normalisation without a reference distribution. The config check guarantees that worst and
 * best differ and agree with the direction, and that bands ascend, so every result is finite
 * and monotone in the metric's direction.
 */
export function normalise(
  normalisation: Normalisation,
  direction: Direction,
  raw: number,
  reference: readonly number[] | undefined,
): number | undefined {
  switch (normalisation.type) {
    case 'linear':
      return linearPoints(raw, normalisation.worst, normalisation.best);
    case 'log_linear':
      return logLinearPoints(raw, normalisation.worst, normalisation.best);
    case 'bands':
      return bandPoints(raw, normalisation.bands);
    case 'percentile':
      if (reference === undefined || reference.length === 0) return undefined;
      return percentilePoints(raw, reference, direction);
  }
}

/** 0 points at `worst`, 100 at `best`, straight in between and clamped outside. */
export function linearPoints(raw: number, worst: number, best: number): number {
  return 100 * clampUnit((raw - worst) / (best - worst));
}

/**
 * Linear in ln(1 + value) between `worst` and `best`, for skewed counts where the first few
 * events matter more than the hundredth. Values below 0 count as 0.
 */
export function logLinearPoints(raw: number, worst: number, best: number): number {
  const scale = (value: number) => Math.log1p(Math.max(value, 0));
  return 100 * clampUnit((scale(raw) - scale(worst)) / (scale(best) - scale(worst)));
}

/**
 * Returns the points of the last band whose `from` is at or below the value. A value below the
 * first band's `from` gets the first band's points.
 */
export function bandPoints(
  raw: number,
  bands: readonly { from: number; points: number }[],
): number {
  let points = bands[0]?.points ?? 0;
  for (const band of bands) {
    if (raw >= band.from) points = band.points;
  }
  return points;
}

/**
 * Returns the value's percentile rank in the reference distribution (sorted ascending): the
 * share of reference values below it plus half the share equal to it. For lower_is_better the
 * rank is reversed.
 */
export function percentilePoints(
  raw: number,
  sortedReference: readonly number[],
  direction: Direction,
): number {
  const below = lowerBound(sortedReference, raw);
  const atOrBelow = upperBound(sortedReference, raw);
  const rank = (100 * (below + (atOrBelow - below) / 2)) / sortedReference.length;
  return direction === 'higher_is_better' ? rank : 100 - rank;
}

function clampUnit(value: number): number {
  if (value <= 0) return 0;
  if (value >= 1) return 1;
  return value;
}

/** Index of the first element not less than `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? Infinity) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Index of the first element greater than `value`. */
function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? Infinity) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
