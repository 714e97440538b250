import { scoreConfigSchema, type ScoreConfig, type ScoreConfigInput } from './config-schema';

/**
 * The config every portal starts with. It names the properties the sandbox portal seeds
 * (`usage_events_7d`, `licensed_seats`, NPS feedback submissions, tickets and
 * `notes_last_contacted`); a real portal maps its own. `docs/score-config.md` explains how the
 * bounds were chosen from the RavenStack data.
 */
const DEFAULT_INPUT: ScoreConfigInput = {
  schemaVersion: 1,
  workspace: 'default',
  version: 1,
  label: 'Default health score',
  contactFrequencyDays: 30,
  status: { healthyAtOrAbove: 70, atRiskBelow: 40, hysteresis: 0 },
  metrics: [
    {
      id: 'usage_per_seat',
      label: 'Usage per licensed seat',
      weight: 45,
      direction: 'higher_is_better',
      source: { type: 'ratio', numerator: 'usage_events_7d', denominator: 'licensed_seats' },
      // Weekly events per seat are heavily skewed, so the scale is logarithmic: 0 events earn 0
      // points, 4 or more per seat earn 100.
      normalisation: { type: 'log_linear', worst: 0, best: 4 },
      missing: 'ignore',
      driverTemplate: 'Usage {value} events per seat this week',
    },
    {
      id: 'nps',
      label: 'NPS',
      weight: 20,
      direction: 'higher_is_better',
      source: { type: 'feedback', surveyType: 'NPS', aggregate: 'latest', windowDays: 365 },
      // Hard detractors (0-4) 0 points, mild detractors (5-6) 30, passives (7-8) 70,
      // promoters (9-10) 100.
      normalisation: {
        type: 'bands',
        bands: [
          { from: 0, points: 0 },
          { from: 5, points: 30 },
          { from: 7, points: 70 },
          { from: 9, points: 100 },
        ],
      },
      missing: 'ignore',
    },
    {
      id: 'open_tickets',
      label: 'Open tickets',
      weight: 20,
      direction: 'lower_is_better',
      source: { type: 'open_tickets' },
      // Each open ticket costs 20 of the metric's points; 5 or more earn 0.
      normalisation: { type: 'linear', worst: 5, best: 0 },
      missing: 'neutral',
    },
    {
      id: 'last_contact',
      label: 'Days since last contact',
      weight: 15,
      direction: 'lower_is_better',
      source: { type: 'last_contact', property: 'notes_last_contacted' },
      // Full points within the 30-day contact frequency, 0 at three times it.
      normalisation: { type: 'linear', worst: 90, best: 30 },
      missing: 'worst',
    },
  ],
};

export const DEFAULT_SCORE_CONFIG: ScoreConfig = deepFreeze(scoreConfigSchema.parse(DEFAULT_INPUT));

/** Returns a mutable copy of the default config for another workspace. */
export function defaultConfigFor(workspace: string): ScoreConfig {
  return { ...structuredClone(DEFAULT_SCORE_CONFIG), workspace };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
