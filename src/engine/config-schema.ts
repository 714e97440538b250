import { z } from 'zod';
import { checkConfigConsistency, MAX_METRICS, WEIGHT_SUM_TOLERANCE } from './config-checks';

export { MAX_METRICS, WEIGHT_SUM_TOLERANCE };

/**
 * The score config: which metrics make up a workspace's health score, how each is measured and
 * normalised to 0-100, how much it weighs, and where the status thresholds sit. Stored as JSON;
 * `schemaVersion` is the format version, `version` the config's own version in the store.
 */

export const METRICS_WARNING_ABOVE = 5;
/** Bounds beyond this magnitude are rejected, so `best - worst` stays finite. */
const MAX_BOUND = 1e15;

export const TICKET_PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'URGENT'] as const;

export const SOURCE_TYPES = [
  'number_property',
  'date_property',
  'enumeration_property',
  'bool_property',
  'open_tickets',
  'tickets_opened',
  'feedback',
  'feedback_property',
  'last_contact',
  'ratio',
  'change',
] as const;

/** Workspace names: 1-64 lowercase letters, digits, "-" or "_", starting with a letter or digit. */
export const WORKSPACE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const NORMALISATION_TYPES = ['linear', 'log_linear', 'bands', 'percentile'] as const;

const propertyName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, {
  error: 'must be a HubSpot internal property name (letters, digits, underscores)',
});

const bound = z
  .number({ error: 'must be a number' })
  .min(-MAX_BOUND, { error: `must be at least -${MAX_BOUND}` })
  .max(MAX_BOUND, { error: `must be at most ${MAX_BOUND}` });

const points = z
  .number({ error: 'must be a number' })
  .min(0, { error: 'points must be from 0 to 100' })
  .max(100, { error: 'points must be from 0 to 100' });

const windowDays = z
  .number({ error: 'must be a number of days' })
  .int({ error: 'must be a whole number of days' })
  .min(1, { error: 'must be from 1 to 3650 days' })
  .max(3650, { error: 'must be from 1 to 3650 days' });

const ageDays = z
  .number({ error: 'must be a number of days' })
  .min(0, { error: 'must be from 0 to 3650 days' })
  .max(3650, { error: 'must be from 0 to 3650 days' });

const priorities = z
  .array(z.enum(TICKET_PRIORITIES, { error: `must be one of ${TICKET_PRIORITIES.join(', ')}` }))
  .min(1, { error: 'list at least one priority, or leave the filter out' });

const surveyType = z.string().trim().min(1).max(40).default('NPS');
const aggregate = z.enum(['latest', 'mean'], { error: 'must be "latest" or "mean"' });

export const sourceSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('number_property'), property: propertyName }),
    z.strictObject({ type: z.literal('date_property'), property: propertyName }),
    z.strictObject({
      type: z.literal('enumeration_property'),
      property: propertyName,
      points: z
        .record(z.string().min(1), points)
        .refine((map) => Object.keys(map).length > 0, { error: 'map at least one option' }),
    }),
    z.strictObject({ type: z.literal('bool_property'), property: propertyName }),
    z.strictObject({
      type: z.literal('open_tickets'),
      priorities: priorities.optional(),
      minAgeDays: ageDays.optional(),
      maxAgeDays: ageDays.optional(),
    }),
    z.strictObject({
      type: z.literal('tickets_opened'),
      days: windowDays,
      priorities: priorities.optional(),
    }),
    z.strictObject({
      type: z.literal('feedback'),
      surveyType,
      aggregate,
      windowDays: windowDays.optional(),
    }),
    z.strictObject({
      type: z.literal('feedback_property'),
      property: propertyName,
      surveyType,
      aggregate,
      windowDays: windowDays.optional(),
    }),
    z.strictObject({
      type: z.literal('last_contact'),
      property: propertyName.default('notes_last_contacted'),
    }),
    z.strictObject({
      type: z.literal('ratio'),
      numerator: propertyName,
      denominator: propertyName,
    }),
    z.strictObject({
      type: z.literal('change'),
      property: propertyName,
      days: windowDays,
      mode: z
        .enum(['absolute', 'percent'], { error: 'must be "absolute" or "percent"' })
        .default('absolute'),
    }),
  ],
  { error: `must be one of ${SOURCE_TYPES.join(', ')}` },
);

export const normalisationSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('linear'), worst: bound, best: bound }),
    z.strictObject({
      type: z.literal('log_linear'),
      worst: bound.min(0, { error: 'log_linear bounds must be 0 or more' }),
      best: bound.min(0, { error: 'log_linear bounds must be 0 or more' }),
    }),
    z.strictObject({
      type: z.literal('bands'),
      bands: z
        .array(z.strictObject({ from: bound, points }))
        .min(1, { error: 'list at least one band' })
        .max(20, { error: 'list at most 20 bands' }),
    }),
    z.strictObject({ type: z.literal('percentile') }),
  ],
  { error: `must be one of ${NORMALISATION_TYPES.join(', ')}` },
);

export const metricSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, {
    error: 'must be 1-40 lowercase letters, digits or underscores, starting with a letter',
  }),
  label: z.string().trim().min(1, { error: 'must not be empty' }).max(80),
  weight: z
    .number({ error: 'must be a number' })
    .gt(0, { error: 'must be above 0 and at most 100' })
    .max(100, { error: 'must be above 0 and at most 100' }),
  direction: z.enum(['higher_is_better', 'lower_is_better'], {
    error: 'must be "higher_is_better" or "lower_is_better"',
  }),
  source: sourceSchema,
  normalisation: normalisationSchema,
  missing: z.enum(['ignore', 'neutral', 'worst'], {
    error: 'must be "ignore", "neutral" or "worst"',
  }),
  /** Optional wording for the driver text; `{value}` is replaced by the metric's raw value. */
  driverTemplate: z.string().trim().min(1).max(200).optional(),
});

export const statusSchema = z.strictObject({
  healthyAtOrAbove: z
    .number({ error: 'must be a number' })
    .min(0, { error: 'must be from 0 to 100' })
    .max(100, { error: 'must be from 0 to 100' }),
  atRiskBelow: z
    .number({ error: 'must be a number' })
    .min(0, { error: 'must be from 0 to 100' })
    .max(100, { error: 'must be from 0 to 100' }),
  hysteresis: z
    .number({ error: 'must be a number of points' })
    .min(0, { error: 'must be 0 or more points' })
    .max(50, { error: 'must be at most 50 points' })
    .default(0),
});

const enabled = z.boolean({ error: 'must be true or false' }).default(true);

/**
 * Expansion signals: when an account may be ready to buy more, and who hears about it. Every
 * field has a default, so `"expansion": {}` and a config without the section both turn on all
 * four signals with the default thresholds and the sandbox's property names.
 */
export const expansionSchema = z.strictObject({
  /** The company property naming the account executive who gets the expansion task. */
  ownerProperty: propertyName.default('account_executive_owner_id'),
  seatLimit: z
    .strictObject({
      enabled,
      seatsUsedProperty: propertyName.default('seats_used'),
      licensedSeatsProperty: propertyName.default('licensed_seats'),
      /** Seats used divided by licensed seats at or above which the signal is on. */
      minUtilisation: z
        .number({ error: 'must be a number' })
        .gt(0, { error: 'must be above 0 and at most 10' })
        .max(10, { error: 'must be above 0 and at most 10' })
        .default(0.9),
    })
    .prefault({}),
  premiumFeatures: z
    .strictObject({
      enabled,
      property: propertyName.default('premium_features_used'),
      /** Premium features in use at or above which the signal is on. */
      minFeatures: z
        .number({ error: 'must be a number' })
        .min(1, { error: 'must be from 1 to 1000' })
        .max(1000, { error: 'must be from 1 to 1000' })
        .default(2),
    })
    .prefault({}),
  renewalHighHealth: z
    .strictObject({
      enabled,
      property: propertyName.default('contract_renewal_date'),
      /** The signal is on while the renewal is at most this many days ahead and the account is Healthy. */
      withinDays: windowDays.default(90),
    })
    .prefault({}),
  teamGrowth: z
    .strictObject({
      enabled,
      property: propertyName.default('seats_used'),
      /** Growth in percent of the value `days` earlier, at or above which the signal is on. */
      minGrowthPercent: z
        .number({ error: 'must be a number' })
        .gt(0, { error: 'must be above 0 and at most 10000 percent' })
        .max(10_000, { error: 'must be above 0 and at most 10000 percent' })
        .default(20),
      days: windowDays.default(30),
    })
    .prefault({}),
});

export const scoreConfigSchema = z
  .strictObject(
    {
      schemaVersion: z.literal(1, { error: 'must be 1' }).default(1),
      workspace: z
        .string()
        .regex(WORKSPACE_NAME_PATTERN, {
          error: 'must be 1-64 lowercase letters, digits, "-" or "_"',
        })
        .default('default'),
      version: z.number().int().min(1).default(1),
      label: z.string().trim().max(120).optional(),
      contactFrequencyDays: z
        .number({ error: 'must be a number of days' })
        .int({ error: 'must be a whole number of days' })
        .min(1, { error: 'must be from 1 to 365 days' })
        .max(365, { error: 'must be from 1 to 365 days' })
        .default(30),
      // The company property naming the CSM who gets the At-risk task.
      taskOwnerProperty: z
        .string()
        .regex(/^[a-z0-9_]{1,100}$/, {
          error: 'must be a HubSpot property name (lowercase letters, digits, "_")',
        })
        .default('hubspot_owner_id'),
      status: statusSchema,
      expansion: expansionSchema.prefault({}),
      metrics: z.array(metricSchema, { error: 'must be a list of metrics' }),
    },
    { error: 'a score config must be a JSON object' },
  )
  // `when` runs the cross-field checks even when a field failed, so one response lists every
  // problem; the checks therefore read the value defensively.
  .superRefine((config, ctx) => checkConfigConsistency(config, ctx), { when: () => true });

export type ScoreConfig = z.output<typeof scoreConfigSchema>;
export type ScoreConfigInput = z.input<typeof scoreConfigSchema>;
export type MetricConfig = ScoreConfig['metrics'][number];
export type MetricSource = MetricConfig['source'];
export type Normalisation = MetricConfig['normalisation'];
export type Direction = MetricConfig['direction'];
export type MissingPolicy = MetricConfig['missing'];
export type StatusConfig = ScoreConfig['status'];
export type ExpansionConfig = ScoreConfig['expansion'];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
