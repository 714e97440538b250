import fc from 'fast-check';
import type { Direction, ScoreConfig } from './config-schema';
import { parseScoreConfig } from './parse-config';
import type { ReferenceDistributions } from './reference';
import type { ScoreResult } from './result-types';
import { scoreCompany } from './score';
import type { CompanySnapshot } from './snapshot';

/**
 * Property-based checks of the engine's invariants over generated configs and snapshots. The
 * generators build only valid configs (they pass parseScoreConfig), with raw HubSpot strings
 * that include blanks, garbage, exponent notation and dates in both formats.
 */

const RUNS = { numRuns: 300 };
const PROPERTIES = ['p0', 'p1', 'p2', 'p3'];

const direction = fc.constantFrom<Direction>('higher_is_better', 'lower_is_better');

/** Two distinct bounds ordered for the direction: [worst, best]. */
function bounds(dir: Direction, min: number, max: number) {
  return fc
    .tuple(fc.double({ min, max, noNaN: true }), fc.double({ min, max, noNaN: true }))
    .filter(([a, b]) => a !== b)
    .map(([a, b]) => {
      const [low, high] = a < b ? [a, b] : [b, a];
      return dir === 'higher_is_better' ? { worst: low, best: high } : { worst: high, best: low };
    });
}

function normalisation(dir: Direction) {
  const bands = fc
    .uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 5 })
    .chain((froms) =>
      fc
        .array(fc.integer({ min: 0, max: 100 }), {
          minLength: froms.length,
          maxLength: froms.length,
        })
        .map((points) => {
          const ascendingPoints = [...points].sort((a, b) => a - b);
          const ordered = dir === 'higher_is_better' ? ascendingPoints : ascendingPoints.reverse();
          const sortedFroms = [...froms].sort((a, b) => a - b);
          return sortedFroms.map((from, index) => ({ from, points: ordered[index] ?? 0 }));
        }),
    );
  return fc.oneof(
    bounds(dir, -1000, 1000).map((b) => ({ type: 'linear', ...b })),
    bounds(dir, 0, 1000).map((b) => ({ type: 'log_linear', ...b })),
    bands.map((list) => ({ type: 'bands', bands: list })),
    fc.constant({ type: 'percentile' }),
  );
}

const anySource = fc.oneof(
  fc.constantFrom(...PROPERTIES).map((property) => ({ type: 'number_property', property })),
  fc.constantFrom(...PROPERTIES).map((property) => ({ type: 'date_property', property })),
  fc.constantFrom(...PROPERTIES).map((property) => ({
    type: 'enumeration_property',
    property,
    points: { a: 10, b: 90 },
  })),
  fc.constantFrom(...PROPERTIES).map((property) => ({ type: 'bool_property', property })),
  fc.constant({ type: 'open_tickets' }),
  fc.constant({ type: 'open_tickets', priorities: ['HIGH'], minAgeDays: 1, maxAgeDays: 60 }),
  fc.integer({ min: 1, max: 400 }).map((days) => ({ type: 'tickets_opened', days })),
  fc.constantFrom('latest', 'mean').map((aggregate) => ({
    type: 'feedback',
    surveyType: 'NPS',
    aggregate,
    windowDays: 365,
  })),
  fc.constantFrom('latest', 'mean').map((aggregate) => ({
    type: 'feedback_property',
    property: 'p3',
    surveyType: 'NPS',
    aggregate,
    windowDays: 90,
  })),
  fc.constant({ type: 'last_contact', property: 'p2' }),
  fc.constant({ type: 'ratio', numerator: 'p0', denominator: 'p1' }),
  fc.constantFrom('absolute', 'percent').map((mode) => ({
    type: 'change',
    property: 'p0',
    days: 30,
    mode,
  })),
);

/** Positive weights that sum to 100 within the allowed tolerance. */
function weights(count: number) {
  return fc
    .array(fc.integer({ min: 1, max: 100 }), { minLength: count, maxLength: count })
    .map((raw) => {
      const total = raw.reduce((sum, value) => sum + value, 0);
      return raw.map((value) => Math.round((1e6 * value) / total) / 1e4);
    });
}

function configArb(source: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<ScoreConfig> {
  return fc
    .integer({ min: 1, max: 10 })
    .chain((count) =>
      fc.tuple(
        weights(count),
        fc.array(
          direction.chain((dir) =>
            fc.record({
              direction: fc.constant(dir),
              source,
              normalisation: normalisation(dir),
              missing: fc.constantFrom('ignore', 'neutral', 'worst'),
            }),
          ),
          { minLength: count, maxLength: count },
        ),
        fc.integer({ min: 0, max: 5 }),
      ),
    )
    .map(([weightList, metrics, hysteresis]) => {
      const { config } = parseScoreConfig({
        status: { healthyAtOrAbove: 70, atRiskBelow: 40, hysteresis },
        metrics: metrics.map((metric, index) => ({
          id: `m${index}`,
          label: `Metric ${index}`,
          weight: weightList[index],
          ...metric,
        })),
      });
      return config;
    });
}

/** Raw HubSpot strings: numbers in every notation, dates, blanks and garbage. */
const hubspotString: fc.Arbitrary<string | null> = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.string({ maxLength: 12 }),
  fc.double({ noNaN: false }).map(String),
  fc.integer({ min: -100, max: 10000 }).map(String),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((value) => value.toExponential()),
  fc
    .date({ min: new Date('2020-01-01'), max: new Date('2026-01-01'), noInvalidDate: true })
    .map((date) => date.toISOString()),
  fc
    .date({ min: new Date('2020-01-01'), max: new Date('2026-01-01'), noInvalidDate: true })
    .map((date) => String(date.getTime())),
  fc.constantFrom('true', 'false', 'a', 'b', 'NaN', 'Infinity', '1e999', 'NPS', 'HIGH'),
);

const recordProperties = (names: string[]) =>
  fc.record(Object.fromEntries(names.map((name) => [name, hubspotString])), {
    requiredKeys: [],
  }) as fc.Arbitrary<Record<string, string | null>>;

const snapshotArb: fc.Arbitrary<CompanySnapshot> = fc.record({
  id: fc.constant('42'),
  properties: recordProperties(PROPERTIES),
  propertyHistory: fc.record(
    {
      p0: fc.array(fc.record({ value: fc.string(), timestamp: fc.string() }), { maxLength: 3 }),
      p3: fc.array(
        fc.record({
          value: hubspotString.map((value) => value ?? ''),
          timestamp: hubspotString.map((value) => value ?? ''),
        }),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, { value: string; timestamp: string }[]>>,
  tickets: fc.array(
    fc.record({
      id: fc.string(),
      properties: recordProperties(['createdate', 'closed_date', 'hs_ticket_priority']),
      stageClosed: fc.boolean(),
    }),
    { maxLength: 4 },
  ),
  feedback: fc.array(
    fc.record({
      id: fc.string(),
      properties: recordProperties(['hs_survey_type', 'hs_value', 'hs_submission_timestamp']),
    }),
    { maxLength: 4 },
  ),
});

const asOfArb = fc.date({
  min: new Date('2021-01-01'),
  max: new Date('2025-12-31'),
  noInvalidDate: true,
});

const referenceArb = (config: ScoreConfig): fc.Arbitrary<ReferenceDistributions | undefined> =>
  fc.option(
    fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 20 }).map((values) => ({
      workspace: config.workspace,
      configVersion: config.version,
      asOf: null,
      metrics: Object.fromEntries(
        config.metrics.map((metric) => [metric.id, [...values].sort((a, b) => a - b)]),
      ),
    })),
    { nil: undefined },
  );

function containsNaN(value: unknown): boolean {
  if (typeof value === 'number') return Number.isNaN(value);
  if (Array.isArray(value)) return value.some(containsNaN);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsNaN);
  return false;
}

function sumEffectiveWeights(result: ScoreResult): number {
  return result.breakdown.reduce((sum, entry) => sum + entry.effectiveWeight, 0);
}

const anyCase = configArb(anySource).chain((config) =>
  fc.tuple(fc.constant(config), snapshotArb, asOfArb, referenceArb(config)),
);

describe('engine invariants', () => {
  it('keeps the score an integer in 0-100 and never produces NaN', () => {
    fc.assert(
      fc.property(anyCase, ([config, snapshot, asOf, reference]) => {
        const result = scoreCompany(snapshot, config, asOf, reference ? { reference } : {});
        expect(Number.isInteger(result.score)).toBe(true);
        expect(result.score).toBeGreaterThanOrEqual(0);
        expect(result.score).toBeLessThanOrEqual(100);
        expect(result.rawScore).toBeGreaterThanOrEqual(0);
        expect(result.rawScore).toBeLessThanOrEqual(100);
        expect(result.coverage).toBeGreaterThanOrEqual(0);
        expect(result.coverage).toBeLessThanOrEqual(100 + 1e-9);
        expect(containsNaN(result)).toBe(false);
        for (const entry of result.breakdown) {
          expect(Number.isFinite(entry.pointsEarned)).toBe(true);
          expect(Number.isFinite(entry.pointsLost)).toBe(true);
          if (entry.normalised !== null) expect(entry.normalised).toBeGreaterThanOrEqual(0);
          if (entry.normalised !== null) expect(entry.normalised).toBeLessThanOrEqual(100);
        }
      }),
      RUNS,
    );
  });

  it('re-spreads the weights so they sum to 100', () => {
    fc.assert(
      fc.property(anyCase, ([config, snapshot, asOf, reference]) => {
        const result = scoreCompany(snapshot, config, asOf, reference ? { reference } : {});
        if (result.noData) {
          expect(sumEffectiveWeights(result)).toBe(0);
          return;
        }
        expect(sumEffectiveWeights(result)).toBeCloseTo(100, 9);
        const earned = result.breakdown.reduce((sum, entry) => sum + entry.pointsEarned, 0);
        expect(earned).toBeCloseTo(result.rawScore, 9);
      }),
      RUNS,
    );
  });

  it('rounds the same way whatever the metric order', () => {
    fc.assert(
      fc.property(
        anyCase.chain((inputs) =>
          fc.tuple(
            fc.constant(inputs),
            fc.shuffledSubarray(inputs[0].metrics, {
              minLength: inputs[0].metrics.length,
              maxLength: inputs[0].metrics.length,
            }),
          ),
        ),
        ([[config, snapshot, asOf, reference], shuffled]) => {
          const options = reference ? { reference } : {};
          const result = scoreCompany(snapshot, config, asOf, options);
          const reordered = scoreCompany(snapshot, { ...config, metrics: shuffled }, asOf, options);
          expect(reordered.rawScore).toBe(result.rawScore);
          expect(reordered.score).toBe(result.score);
          expect(reordered.status).toBe(result.status);
          expect(Math.abs(result.score - result.rawScore)).toBeLessThanOrEqual(0.5 + 1e-9);
          expect(scoreCompany(snapshot, config, asOf, options)).toEqual(result);
        },
      ),
      RUNS,
    );
  });

  it('is monotone in each metric direction', () => {
    const numberSource = fc
      .constantFrom(...PROPERTIES)
      .map((property) => ({ type: 'number_property', property }));
    const monotoneCase = configArb(numberSource).chain((config) =>
      fc.tuple(
        fc.constant(config),
        fc.tuple(...PROPERTIES.map(() => fc.double({ min: -2000, max: 2000, noNaN: true }))),
        fc.integer({ min: 0, max: config.metrics.length - 1 }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        referenceArb(config),
      ),
    );
    fc.assert(
      fc.property(monotoneCase, ([config, values, metricIndex, increase, reference]) => {
        const metric = config.metrics[metricIndex];
        if (metric === undefined || metric.source.type !== 'number_property') return;
        const property = metric.source.property;
        const properties = Object.fromEntries(
          PROPERTIES.map((name, i) => [name, String(values[i])]),
        );
        const raised = {
          ...properties,
          [property]: String(Number(properties[property]) + increase),
        };
        // Other metrics reading the same property move too; keep only this one on it.
        const single = {
          ...config,
          metrics: config.metrics.filter(
            (other) =>
              other === metric ||
              (other.source.type === 'number_property' && other.source.property !== property),
          ),
        };
        const options = reference ? { reference } : {};
        const asOf = new Date('2024-12-01T00:00:00Z');
        const before = scoreCompany(
          { id: '1', properties, propertyHistory: {}, tickets: [], feedback: [] },
          single,
          asOf,
          options,
        );
        const after = scoreCompany(
          { id: '1', properties: raised, propertyHistory: {}, tickets: [], feedback: [] },
          single,
          asOf,
          options,
        );
        if (metric.direction === 'higher_is_better') {
          expect(after.rawScore).toBeGreaterThanOrEqual(before.rawScore - 1e-9);
        } else {
          expect(after.rawScore).toBeLessThanOrEqual(before.rawScore + 1e-9);
        }
      }),
      RUNS,
    );
  });
});
