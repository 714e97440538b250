import type { Normalisation } from './config-schema';
import { normalise } from './normalise';

const NPS_BANDS: Normalisation = {
  type: 'bands',
  bands: [
    { from: 0, points: 0 },
    { from: 5, points: 30 },
    { from: 7, points: 70 },
    { from: 9, points: 100 },
  ],
};

const REFERENCE = [1, 2, 2, 3, 10];

const cases: [string, Normalisation, 'higher_is_better' | 'lower_is_better', number, number][] = [
  ['linear midpoint', { type: 'linear', worst: 0, best: 10 }, 'higher_is_better', 5, 50],
  ['linear below worst', { type: 'linear', worst: 0, best: 10 }, 'higher_is_better', -3, 0],
  ['linear above best', { type: 'linear', worst: 0, best: 10 }, 'higher_is_better', 12, 100],
  // (45 - 90) / (30 - 90) = 0.75
  ['linear reversed', { type: 'linear', worst: 90, best: 30 }, 'lower_is_better', 45, 75],
  ['linear reversed at best', { type: 'linear', worst: 90, best: 30 }, 'lower_is_better', 10, 100],
  [
    'linear reversed past worst',
    { type: 'linear', worst: 90, best: 30 },
    'lower_is_better',
    120,
    0,
  ],
  // ln(1 + 1) / ln(1 + 4) = 0.693147 / 1.609438
  [
    'log-linear one event',
    { type: 'log_linear', worst: 0, best: 4 },
    'higher_is_better',
    1,
    43.06765581,
  ],
  ['log-linear zero', { type: 'log_linear', worst: 0, best: 4 }, 'higher_is_better', 0, 0],
  ['log-linear negative', { type: 'log_linear', worst: 0, best: 4 }, 'higher_is_better', -2, 0],
  ['log-linear at best', { type: 'log_linear', worst: 0, best: 4 }, 'higher_is_better', 4, 100],
  ['log-linear above best', { type: 'log_linear', worst: 0, best: 4 }, 'higher_is_better', 9, 100],
  // 1 - ln(2) / ln(11) = 1 - 0.693147 / 2.397895
  [
    'log-linear reversed',
    { type: 'log_linear', worst: 10, best: 0 },
    'lower_is_better',
    1,
    71.09351737,
  ],
  ['bands below the first', NPS_BANDS, 'higher_is_better', -1, 0],
  ['bands in the first', NPS_BANDS, 'higher_is_better', 4, 0],
  ['bands at a threshold', NPS_BANDS, 'higher_is_better', 5, 30],
  ['bands just under a threshold', NPS_BANDS, 'higher_is_better', 6.9, 30],
  ['bands at 7', NPS_BANDS, 'higher_is_better', 7, 70],
  ['bands past the last', NPS_BANDS, 'higher_is_better', 10, 100],
  // One value below 2 and two equal: (1 + 2 / 2) / 5 = 40%.
  ['percentile with ties', { type: 'percentile' }, 'higher_is_better', 2, 40],
  ['percentile below all', { type: 'percentile' }, 'higher_is_better', 0, 0],
  // (4 + 1 / 2) / 5 = 90%
  ['percentile at the top value', { type: 'percentile' }, 'higher_is_better', 10, 90],
  ['percentile above all', { type: 'percentile' }, 'higher_is_better', 11, 100],
  ['percentile between values', { type: 'percentile' }, 'higher_is_better', 2.5, 60],
  ['percentile reversed', { type: 'percentile' }, 'lower_is_better', 2, 60],
];

describe('normalise', () => {
  it.each(cases)('%s', (_name, normalisation, direction, raw, expected) => {
    expect(normalise(normalisation, direction, raw, REFERENCE)).toBeCloseTo(expected, 6);
  });

  it('returns undefined for percentile without a reference', () => {
    expect(normalise({ type: 'percentile' }, 'higher_is_better', 3, undefined)).toBeUndefined();
    expect(normalise({ type: 'percentile' }, 'higher_is_better', 3, [])).toBeUndefined();
  });

  it('stays finite for extreme raw values', () => {
    const linear: Normalisation = { type: 'linear', worst: -1e15, best: 1e15 };
    expect(normalise(linear, 'higher_is_better', Number.MAX_VALUE, undefined)).toBe(100);
    expect(normalise(linear, 'higher_is_better', -Number.MAX_VALUE, undefined)).toBe(0);
  });
});
