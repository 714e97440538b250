import { requiredInputs, DEFAULT_SCORE_CONFIG } from '../../../src/engine';
import { lowerBound, minimumSeconds } from './bound';

describe('minimumSeconds', () => {
  it('spends one window per full budget', () => {
    expect(minimumSeconds(0, 110, 10_000)).toBe(0);
    expect(minimumSeconds(1, 110, 10_000)).toBe(0);
    expect(minimumSeconds(110, 110, 10_000)).toBe(0);
    expect(minimumSeconds(111, 110, 10_000)).toBe(10);
    expect(minimumSeconds(221, 110, 10_000)).toBe(20);
    expect(minimumSeconds(6, 5, 1_000)).toBe(1);
  });
});

describe('lowerBound', () => {
  const inputs = requiredInputs(DEFAULT_SCORE_CONFIG);
  const volume = { companies: 10_000, tickets: 7_000, contacts: 33_000, feedback: 13_000 };

  it('counts packed calls for the default config', () => {
    const bound = lowerBound(volume, inputs);
    // 100 reads + 100 writes + 10 ticket links + 70 tickets + 1 pipeline read
    // + 10 contact links + 33 feedback links + 130 feedback reads.
    expect(bound.best.general).toBe(454);
    expect(bound.best.search).toBe(50);
    expect(bound.best.generalSeconds).toBe(40);
    expect(bound.best.searchSeconds).toBe(9);
    expect(bound.best.seconds).toBe(40);
    expect(bound.minCallsPerCompany).toBeCloseTo(504 / 10_000, 6);
  });

  it('divides the time by the time scale', () => {
    expect(lowerBound(volume, inputs, 10).best.seconds).toBe(4);
  });

  it('reads companies from search without history', () => {
    const bound = lowerBound(volume, { ...inputs, historyProperties: [] });
    expect(bound.plans).toHaveLength(2);
    expect(bound.best.strategy).toBe('companies from search pages');
    expect(bound.best.general).toBe(354);
  });
});
