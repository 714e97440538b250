import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import {
  DEFAULT_SCORE_CONFIG,
  parseScoreConfig,
  scoreCompany,
  ScoreConfigError,
  type CompanySnapshot,
  type ScoreConfig,
} from '../../../src/engine';
import { ConfigStore } from '../../../src/store/configs';
import { applyJsonMutation, jsonMutationPlan, type JsonMutationPlan } from './mutate';
import { clip, type FuzzTarget, type Verdict } from './runner';
import type { FuzzStack } from './stack';

/**
 * Score configs: the default config broken in one place, random JSON, values JSON cannot carry
 * (NaN, Infinity) and valid variants, fed to `parseScoreConfig` and `ConfigStore.put`. A rejected
 * config must raise `ScoreConfigError` listing its problems and store nothing. An accepted one
 * must keep the documented rules and score sample companies to a 0-100 score.
 */

const PORTAL = 7_770_001;
const WORKSPACE = 'default';
const DEFAULT_JSON = JSON.parse(JSON.stringify(DEFAULT_SCORE_CONFIG)) as Record<string, unknown>;

type ConfigCase =
  | { kind: 'mutated'; plan: JsonMutationPlan }
  | { kind: 'random'; value: unknown }
  | { kind: 'nonJson'; plan: JsonMutationPlan; value: number | undefined }
  | { kind: 'valid'; weights: number[]; healthy: number; atRisk: number; order: number[] };

/** Weights that sum to 100 for the default config's four metrics. */
const validWeights = fc
  .tuple(
    fc.integer({ min: 1, max: 97 }),
    fc.integer({ min: 1, max: 97 }),
    fc.integer({ min: 1, max: 97 }),
  )
  .filter(([a, b, c]) => a + b + c < 100)
  .map(([a, b, c]) => [a, b, c, 100 - a - b - c]);

const configCase: fc.Arbitrary<ConfigCase> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant('mutated' as const), plan: jsonMutationPlan(70_000) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('random' as const),
      value: fc.jsonValue({ maxDepth: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('nonJson' as const),
      plan: jsonMutationPlan(10),
      value: fc.constantFrom(
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        undefined,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('valid' as const),
      weights: validWeights,
      healthy: fc.integer({ min: 51, max: 100 }),
      atRisk: fc.integer({ min: 0, max: 50 }),
      order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
    }),
  },
);

function buildInput(input: ConfigCase): unknown {
  switch (input.kind) {
    case 'mutated':
      return applyJsonMutation(DEFAULT_JSON, input.plan).value;
    case 'random':
      return input.value;
    case 'nonJson': {
      // Same path choice as a mutation, with a value only a JavaScript caller can pass.
      const sentinel = '\u0000fuzz-sentinel';
      const placed = applyJsonMutation(DEFAULT_JSON, {
        kind: 'set',
        at: input.plan.at,
        value: sentinel,
      });
      return JSON.parse(JSON.stringify(placed.value), (_key, value: unknown) =>
        value === sentinel ? input.value : value,
      );
    }
    case 'valid': {
      const metrics = (DEFAULT_JSON.metrics as Record<string, unknown>[]).map((metric, index) => ({
        ...metric,
        weight: input.weights[index],
      }));
      return {
        ...DEFAULT_JSON,
        status: { healthyAtOrAbove: input.healthy, atRiskBelow: input.atRisk, hysteresis: 0 },
        metrics: input.order.map((index) => metrics[index]),
      };
    }
  }
}

function describeCase(input: ConfigCase): string {
  switch (input.kind) {
    case 'mutated':
      return `default config, ${applyJsonMutation(DEFAULT_JSON, input.plan).mutation}`;
    case 'random':
      return `random JSON ${clip(JSON.stringify(input.value) ?? 'undefined', 120)}`;
    case 'nonJson':
      return `default config with ${String(input.value)} at position ${input.plan.at.toFixed(3)}`;
    case 'valid':
      return `valid: weights ${input.weights.join('/')}, healthy ${input.healthy}, at risk ${input.atRisk}`;
  }
}

/** Companies to score with every accepted config: empty, typical, and full of odd values. */
const SAMPLE_COMPANIES: CompanySnapshot[] = [
  { id: '1', properties: {}, propertyHistory: {}, tickets: [], feedback: [] },
  {
    id: '2',
    properties: {
      usage_events_7d: '120',
      licensed_seats: '25',
      notes_last_contacted: '2026-11-20T10:00:00.000Z',
      mrr: '1200',
      plan_tier: 'pro',
      auto_renew: 'true',
      contract_renewal_date: '2027-03-01',
    },
    propertyHistory: {
      usage_events_7d: [
        { value: '120', timestamp: '2026-11-30T00:00:00.000Z' },
        { value: '200', timestamp: '2026-11-01T00:00:00.000Z' },
      ],
    },
    tickets: [
      {
        id: '11',
        properties: {
          createdate: '2026-11-25T00:00:00.000Z',
          hs_ticket_priority: 'HIGH',
          hs_pipeline_stage: '1',
        },
        stageClosed: false,
      },
    ],
    feedback: [
      {
        id: '21',
        properties: {
          hs_survey_type: 'NPS',
          hs_value: '9',
          hs_submission_timestamp: '2026-10-01T00:00:00.000Z',
        },
      },
    ],
  },
  {
    id: '3',
    properties: {
      usage_events_7d: '1e400',
      licensed_seats: '0',
      notes_last_contacted: 'not a date',
      mrr: '-0',
      plan_tier: '',
      auto_renew: 'maybe',
    },
    propertyHistory: { usage_events_7d: [{ value: 'NaN', timestamp: 'yesterday' }] },
    tickets: [
      { id: '12', properties: { createdate: '', hs_ticket_priority: 'NONE' }, stageClosed: true },
    ],
    feedback: [{ id: '22', properties: { hs_survey_type: 'NPS', hs_value: '11' } }],
  },
];
const AS_OF = new Date('2026-12-01T12:00:00.000Z');

function everyNumberFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(everyNumberFinite);
  if (value !== null && typeof value === 'object')
    return Object.values(value).every(everyNumberFinite);
  return true;
}

/**
 * The rules a stored config must keep, as the score config reference states them. Checked here
 * on the parser's output so that a rule the parser misses shows up as accepted invalid input.
 */
export function configRuleBroken(config: ScoreConfig): string | undefined {
  if (!everyNumberFinite(config)) return 'a number is not finite';
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(config.workspace)) return `workspace ${config.workspace}`;
  const days = config.contactFrequencyDays;
  if (!Number.isInteger(days) || days < 1 || days > 365) return `contactFrequencyDays ${days}`;
  const { healthyAtOrAbove: healthy, atRiskBelow: atRisk } = config.status;
  if (!(atRisk >= 0 && healthy <= 100 && atRisk < healthy))
    return `status thresholds at risk ${atRisk}, healthy ${healthy}`;
  const metrics = config.metrics;
  if (metrics.length < 1 || metrics.length > 10) return `${metrics.length} metrics`;
  const ids = new Set(metrics.map((metric) => metric.id));
  if (ids.size !== metrics.length) return 'metric ids repeat';
  let sum = 0;
  for (const metric of metrics) {
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(metric.id)) return `metric id ${metric.id}`;
    if (!(metric.weight > 0 && metric.weight <= 100))
      return `metric ${metric.id} weight ${metric.weight}`;
    sum += metric.weight;
    const normalisation = metric.normalisation;
    if (normalisation.type === 'linear' || normalisation.type === 'log_linear') {
      const higher = metric.direction === 'higher_is_better';
      if (
        normalisation.best === normalisation.worst ||
        higher !== normalisation.best > normalisation.worst
      )
        return `metric ${metric.id} bounds do not fit its direction`;
    }
  }
  if (Math.abs(sum - 100) > 0.1 + 1e-9) return `weights sum to ${sum}`;
  return undefined;
}

/** Scores the sample companies; returns the first problem with a result. */
function scoringProblem(config: ScoreConfig): string | undefined {
  for (const company of SAMPLE_COMPANIES) {
    let result;
    try {
      result = scoreCompany(company, config, AS_OF);
    } catch (error) {
      return `scoring company ${company.id} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    if (!Number.isInteger(result.score) || result.score < 0 || result.score > 100)
      return `company ${company.id} scored ${result.score}`;
    if (!['healthy', 'needs_attention', 'at_risk'].includes(result.status))
      return `company ${company.id} got status ${String(result.status)}`;
    if (!Number.isFinite(result.coverage) || result.coverage < 0 || result.coverage > 100)
      return `company ${company.id} got coverage ${result.coverage}`;
  }
  return undefined;
}

export function scoreConfigTarget(stack: FuzzStack, hangMs: number): FuzzTarget<ConfigCase> {
  const store = new ConfigStore(stack.redis, stack.prefix);
  const versionsKey = `${stack.prefix}:configs:${PORTAL}:${WORKSPACE}:versions`;
  return {
    name: 'score-config',
    description:
      'parseScoreConfig and ConfigStore.put with the default config broken in one place, random ' +
      'JSON, NaN and Infinity, and valid variants; accepted configs checked against the rules and scored',
    arbitrary: configCase,
    describe: describeCase,
    async run(input): Promise<Verdict> {
      const value = buildInput(input);
      const started = performance.now();
      let parsed: ReturnType<typeof parseScoreConfig> | undefined;
      let failure: unknown;
      try {
        parsed = parseScoreConfig(value);
      } catch (error) {
        failure = error;
      }
      const elapsed = performance.now() - started;
      if (elapsed > hangMs)
        return { kind: 'hang', reason: `parseScoreConfig took ${Math.round(elapsed)} ms` };

      const storedBefore = await stack.redis.zcard(versionsKey);
      if (!parsed) {
        if (!(failure instanceof ScoreConfigError)) {
          return {
            kind: 'crash',
            cause: 'undocumentedError',
            reason: `parseScoreConfig threw ${failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure)}`,
          };
        }
        if (
          failure.problems.length === 0 ||
          failure.problems.some((problem) => problem.trim() === '')
        )
          return {
            kind: 'mismatch',
            reason: `ScoreConfigError with an empty problem list: ${failure.message}`,
          };
        try {
          await store.put(PORTAL, WORKSPACE, value);
          return {
            kind: 'acceptedInvalid',
            reason: `ConfigStore.put stored a config the parser rejects: ${failure.problems[0]}`,
          };
        } catch (error) {
          if (!(error instanceof ScoreConfigError))
            return {
              kind: 'crash',
              cause: 'undocumentedError',
              reason: `ConfigStore.put threw ${String(error)}`,
            };
        }
        if ((await stack.redis.zcard(versionsKey)) !== storedBefore)
          return {
            kind: 'acceptedInvalid',
            reason: 'a rejected config changed the stored versions',
          };
        if (input.kind === 'valid')
          return {
            kind: 'mismatch',
            reason: `a valid config was rejected: ${failure.problems.join('; ')}`,
          };
        return { kind: 'rejected' };
      }

      const broken = configRuleBroken(parsed.config) ?? scoringProblem(parsed.config);
      if (broken) return { kind: 'acceptedInvalid', reason: `accepted config: ${broken}` };
      try {
        parseScoreConfig(JSON.parse(JSON.stringify(parsed.config)));
      } catch (error) {
        return {
          kind: 'mismatch',
          reason: `the parser's own output does not parse again: ${String(error)}`,
        };
      }
      const saved = await store.put(PORTAL, WORKSPACE, value);
      const readBack = await store.get(PORTAL, WORKSPACE);
      if (!isDeepStrictEqual(readBack, saved.config))
        return { kind: 'mismatch', reason: 'the stored config reads back different' };
      return { kind: 'accepted' };
    },
  };
}
