import type { z } from 'zod';
import { formatConfigNumber, metricName } from './config-checks';
import { METRICS_WARNING_ABOVE, scoreConfigSchema, type ScoreConfig } from './config-schema';

/** A score config that failed validation; `problems` lists every problem, one line each. */
export class ScoreConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    const list = problems.map((problem) => `  - ${problem}`).join('\n');
    super(`invalid score config (${problems.length} problem(s)):\n${list}`);
    this.name = 'ScoreConfigError';
    this.problems = problems;
  }
}

/**
 * Validates a score config read from JSON and returns it with defaults filled in, plus
 * warnings about choices that are valid but unwise. Throws ScoreConfigError listing every
 * problem, each naming the metric and the value.
 */
export function parseScoreConfig(json: unknown): { config: ScoreConfig; warnings: string[] } {
  const result = scoreConfigSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(issue, json));
    throw new ScoreConfigError([...new Set(problems)]);
  }
  return { config: result.data, warnings: configWarnings(result.data) };
}

function configWarnings(config: ScoreConfig): string[] {
  const warnings: string[] = [];
  if (config.metrics.length > METRICS_WARNING_ABOVE) {
    warnings.push(
      `${config.metrics.length} metrics configured; with more than ${METRICS_WARNING_ABOVE} ` +
        'each one weighs little and the score is harder to explain',
    );
  }
  for (const metric of config.metrics) {
    const { source, normalisation } = metric;
    if (source.type !== 'last_contact' || normalisation.type !== 'linear') continue;
    if (normalisation.best === config.contactFrequencyDays) continue;
    warnings.push(
      `metric "${metric.id}": linear best is ${formatConfigNumber(normalisation.best)} days but ` +
        `contactFrequencyDays is ${config.contactFrequencyDays}; set best to the contact ` +
        'frequency so that accounts contacted on schedule get full points',
    );
  }
  return warnings;
}

/** Turns one zod issue into a line such as `metric "nps" weight: must be ... (got -5)`. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const location = describePath(issue.path, input);
  const message = issueMessage(issue, input);
  return location === '' ? message : `${location}: ${message}`;
}

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
    return `unknown field ${keys}; check the spelling against the score config reference`;
  }
  const value = valueAt(input, issue.path);
  if (value === undefined && issue.code !== 'custom') return 'is required';
  if (issue.code === 'custom') return issue.message;
  return `${issue.message} (got ${describeValue(value)})`;
}

/** Renders a path with the metric's id in place of its index, e.g. `metric "nps" source.days`. */
function describePath(path: PropertyKey[], input: unknown): string {
  if (path.length === 0) return '';
  const [head, index, ...rest] = path;
  if (head === 'metrics' && typeof index === 'number') {
    const metric = valueAt(input, ['metrics', index]);
    const id = isRecord(metric) && typeof metric.id === 'string' ? metric.id : undefined;
    const name = metricName(id, index);
    return rest.length === 0 ? name : `${name} ${joinPath(rest)}`;
  }
  return joinPath(path);
}

function joinPath(path: PropertyKey[]): string {
  return path
    .map((key, position) => {
      if (typeof key === 'number') return `[${key}]`;
      return position === 0 ? String(key) : `.${String(key)}`;
    })
    .join('');
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === 'number') current = current[key];
    else if (isRecord(current) && typeof key === 'string') current = current[key];
    else return undefined;
  }
  return current;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
