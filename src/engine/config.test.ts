import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SCORE_CONFIG } from './default-config';
import { parseScoreConfig, ScoreConfigError } from './parse-config';

/** Returns the default config as plain JSON, for tests to break one part at a time. */
function baseConfig(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(DEFAULT_SCORE_CONFIG)) as Record<string, unknown>;
}

function metricsOf(config: Record<string, unknown>): Record<string, unknown>[] {
  return config.metrics as Record<string, unknown>[];
}

function problemsOf(json: unknown): string[] {
  try {
    parseScoreConfig(json);
  } catch (error) {
    if (error instanceof ScoreConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

function simpleMetric(id: string, weight: number): Record<string, unknown> {
  return {
    id,
    label: id,
    weight,
    direction: 'higher_is_better',
    source: { type: 'number_property', property: 'mrr' },
    normalisation: { type: 'linear', worst: 0, best: 1000 },
    missing: 'ignore',
  };
}

describe('parseScoreConfig', () => {
  it('accepts the default config without warnings', () => {
    const { config, warnings } = parseScoreConfig(baseConfig());
    expect(config).toEqual(DEFAULT_SCORE_CONFIG);
    expect(warnings).toEqual([]);
  });

  it('fills in the defaults', () => {
    const { config } = parseScoreConfig({
      status: { healthyAtOrAbove: 70, atRiskBelow: 40 },
      metrics: [simpleMetric('mrr', 100)],
    });
    expect(config.schemaVersion).toBe(1);
    expect(config.workspace).toBe('default');
    expect(config.version).toBe(1);
    expect(config.contactFrequencyDays).toBe(30);
    expect(config.status.hysteresis).toBe(0);
  });

  it('names each metric and its weight in the sum error', () => {
    const config = baseConfig();
    const lastContact = metricsOf(config)[3];
    if (lastContact) lastContact.weight = 10;
    expect(problemsOf(config)).toEqual([
      'weights sum to 95 (usage_per_seat 45 + nps 20 + open_tickets 20 + last_contact 10); ' +
        'they must sum to 100',
    ]);
  });

  it('accepts weights within 0.1 of 100', () => {
    const metrics = [simpleMetric('a', 33.3), simpleMetric('b', 33.3), simpleMetric('c', 33.3)];
    const { config } = parseScoreConfig({
      status: { healthyAtOrAbove: 70, atRiskBelow: 40 },
      metrics,
    });
    expect(config.metrics).toHaveLength(3);
  });

  it('rejects weights 0.2 off 100', () => {
    const metrics = [simpleMetric('a', 50), simpleMetric('b', 49.8)];
    expect(problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics })).toEqual([
      'weights sum to 99.8 (a 50 + b 49.8); they must sum to 100',
    ]);
  });

  it('rejects an empty metric list', () => {
    expect(problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [] })).toEqual([
      'metrics: a config needs 1 to 10 metrics; this one has 0',
    ]);
  });

  it('rejects eleven metrics', () => {
    const metrics = Array.from({ length: 11 }, (_, index) =>
      simpleMetric(`m${index}`, index === 0 ? 10 : 9),
    );
    // The weights sum to 100, so the count is the only problem.
    expect(problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics })).toEqual([
      'metrics: a config needs 1 to 10 metrics; this one has 11',
    ]);
  });

  it('warns above five metrics', () => {
    const metrics = Array.from({ length: 6 }, (_, index) =>
      simpleMetric(`m${index}`, index < 4 ? 16 : 18),
    );
    const { warnings } = parseScoreConfig({
      status: { healthyAtOrAbove: 70, atRiskBelow: 40 },
      metrics,
    });
    expect(warnings).toEqual([
      '6 metrics configured; with more than 5 each one weighs little and the score is harder ' +
        'to explain',
    ]);
  });

  it('warns when the last-contact bound differs from the contact frequency', () => {
    const config = baseConfig();
    config.contactFrequencyDays = 14;
    const { warnings } = parseScoreConfig(config);
    expect(warnings).toEqual([
      'metric "last_contact": linear best is 30 days but contactFrequencyDays is 14; set best ' +
        'to the contact frequency so that accounts contacted on schedule get full points',
    ]);
  });

  it('rejects a duplicate metric id', () => {
    const metrics = [simpleMetric('mrr', 50), simpleMetric('mrr', 50)];
    expect(problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics })).toEqual([
      'metric "mrr" id: id "mrr" is also used by metrics[0]; metric ids must be unique',
    ]);
  });

  it('lists every problem of a broken config at once', () => {
    const config = baseConfig();
    const [usage, nps, tickets, contact] = metricsOf(config);
    if (!usage || !nps || !tickets || !contact) throw new Error('default config changed');
    usage.weight = 'lots';
    nps.source = { type: 'survey' };
    tickets.normalisation = { type: 'linear', worst: 0, best: 5 };
    contact.missing = 'zero';
    contact.colour = 'red';
    config.status = { healthyAtOrAbove: 40, atRiskBelow: 70 };
    expect(problemsOf(config)).toEqual([
      'metric "usage_per_seat" weight: must be a number (got "lots")',
      'metric "nps" source.type: must be one of number_property, date_property, ' +
        'enumeration_property, bool_property, open_tickets, tickets_opened, feedback, ' +
        'feedback_property, last_contact, ratio, change (got "survey")',
      'metric "last_contact" missing: must be "ignore", "neutral" or "worst" (got "zero")',
      'metric "last_contact": unknown field "colour"; check the spelling against the score ' +
        'config reference',
      'metric "open_tickets" normalisation: worst 0 and best 5 do not fit lower_is_better: ' +
        'best must be below worst',
      'status: healthyAtOrAbove 40 must be above atRiskBelow 70',
    ]);
  });

  it('rejects equal worst and best', () => {
    const metric = simpleMetric('mrr', 100);
    metric.normalisation = { type: 'log_linear', worst: 3, best: 3 };
    expect(
      problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [metric] }),
    ).toEqual(['metric "mrr" normalisation: worst and best are both 3; they must differ']);
  });

  it('rejects negative log_linear bounds', () => {
    const metric = simpleMetric('mrr', 100);
    metric.normalisation = { type: 'log_linear', worst: -1, best: 3 };
    expect(
      problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [metric] }),
    ).toEqual(['metric "mrr" normalisation.worst: log_linear bounds must be 0 or more (got -1)']);
  });

  it('rejects bands out of order', () => {
    const metric = simpleMetric('mrr', 100);
    metric.normalisation = {
      type: 'bands',
      bands: [
        { from: 0, points: 0 },
        { from: 10, points: 50 },
        { from: 5, points: 100 },
      ],
    };
    expect(
      problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [metric] }),
    ).toEqual([
      'metric "mrr" normalisation.bands[2].from: from 5 must be above the previous band\'s 10; ' +
        'list bands in ascending order',
    ]);
  });

  it('rejects bands whose points run against the direction', () => {
    const metric = simpleMetric('tickets', 100);
    metric.direction = 'lower_is_better';
    metric.normalisation = {
      type: 'bands',
      bands: [
        { from: 0, points: 100 },
        { from: 2, points: 120 },
        { from: 3, points: 100 },
      ],
    };
    expect(
      problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [metric] }),
    ).toEqual([
      'metric "tickets" normalisation.bands[1].points: points must be from 0 to 100 (got 120)',
      'metric "tickets" normalisation.bands[1].points: points go from 100 to 120, but for ' +
        'lower_is_better points must fall or stay equal as values grow',
    ]);
    metric.normalisation = {
      type: 'bands',
      bands: [
        { from: 0, points: 100 },
        { from: 2, points: 40 },
        { from: 3, points: 60 },
      ],
    };
    expect(
      problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [metric] }),
    ).toEqual([
      'metric "tickets" normalisation.bands[2].points: points go from 40 to 60, but for ' +
        'lower_is_better points must fall or stay equal as values grow',
    ]);
  });

  it('rejects a ticket age window that ends before it starts', () => {
    const metric = simpleMetric('old_tickets', 100);
    metric.direction = 'lower_is_better';
    metric.normalisation = { type: 'linear', worst: 5, best: 0 };
    metric.source = { type: 'open_tickets', minAgeDays: 14, maxAgeDays: 7 };
    expect(
      problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [metric] }),
    ).toEqual(['metric "old_tickets" source: minAgeDays 14 is above maxAgeDays 7']);
  });

  it('rejects hysteresis as wide as the needs-attention band', () => {
    const status = { healthyAtOrAbove: 70, atRiskBelow: 40, hysteresis: 30 };
    expect(problemsOf({ status, metrics: [simpleMetric('mrr', 100)] })).toEqual([
      'status.hysteresis: 30 points must be less than the 30-point gap between atRiskBelow and ' +
        'healthyAtOrAbove',
    ]);
  });

  it('reports missing fields as required', () => {
    expect(problemsOf({ metrics: [{ id: 'mrr' }] })).toEqual([
      'status: is required',
      'metric "mrr" label: is required',
      'metric "mrr" weight: is required',
      'metric "mrr" direction: is required',
      'metric "mrr" source: is required',
      'metric "mrr" normalisation: is required',
      'metric "mrr" missing: is required',
    ]);
  });

  it('names a metric without an id by its position', () => {
    const metric = simpleMetric('x', 100);
    metric.id = 'Bad Id';
    expect(
      problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [metric] }),
    ).toEqual([
      'metric "Bad Id" id: must be 1-40 lowercase letters, digits or underscores, starting with a ' +
        'letter (got "Bad Id")',
    ]);
    delete metric.id;
    expect(
      problemsOf({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [metric] }),
    ).toEqual(['metrics[0] id: is required']);
  });

  it('rejects a value that is not an object', () => {
    expect(problemsOf('[]')).toEqual(['a score config must be a JSON object (got "[]")']);
  });

  it('puts every problem in the error message', () => {
    expect(() =>
      parseScoreConfig({ status: { healthyAtOrAbove: 70, atRiskBelow: 40 }, metrics: [] }),
    ).toThrow(
      'invalid score config (1 problem(s)):\n  - metrics: a config needs 1 to 10 metrics; this one has 0',
    );
  });

  it('accepts the example in the score config reference', () => {
    const doc = readFileSync(path.join(__dirname, '../../docs/score-config.md'), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    if (example === undefined) throw new Error('docs/score-config.md has no JSON example');
    const { config, warnings } = parseScoreConfig(JSON.parse(example));
    expect(config.metrics.map((metric) => metric.id)).toEqual([
      'usage_per_seat',
      'nps',
      'urgent_tickets',
      'last_contact',
    ]);
    expect(warnings).toEqual([]);
  });

  it('accepts the example in the README', () => {
    const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(readme)?.[1];
    if (example === undefined) throw new Error('README.md has no JSON example');
    const { config, warnings } = parseScoreConfig(JSON.parse(example));
    expect(config.metrics.map((metric) => metric.weight)).toEqual([45, 20, 20, 15]);
    expect(config.status.hysteresis).toBe(3);
    expect(warnings).toEqual([]);
  });
});
