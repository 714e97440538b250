import type { ScoreConfig } from './config-schema';
import type { ScoreResult } from './result-types';
import type { CompanySnapshot, UnparseableValue } from './snapshot';
import { measureSource } from './sources';

/**
 * Each percentile metric's raw values across a workspace, taken at its last full scoring. A
 * company's percentile is computed against this fixed list, so one company's change does not
 * move another's score until the distribution is rebuilt.
 */
export interface ReferenceDistributions {
  workspace: string;
  configVersion: number;
  /** ISO time of the scoring the values come from; null when no result carried a time. */
  asOf: string | null;
  /** Raw values per percentile metric id, sorted ascending; companies without a value are left out. */
  metrics: Record<string, number[]>;
}

export type ReferenceInput =
  { results: ScoreResult[] } | { snapshots: CompanySnapshot[]; asOf: Date };

/**
 * Builds the reference distributions for a config's percentile metrics, either from the results
 * of a full scoring (their breakdowns hold each raw value) or by measuring snapshots at `asOf`.
 * Throws when a result was computed with another workspace or config version.
 */
export function buildReferenceDistributions(
  input: ReferenceInput,
  config: ScoreConfig,
): ReferenceDistributions {
  const percentileIds = config.metrics
    .filter((metric) => metric.normalisation.type === 'percentile')
    .map((metric) => metric.id);
  const values = new Map<string, number[]>(percentileIds.map((id) => [id, []]));

  let asOf: string | null;
  if ('results' in input) {
    asOf = collectFromResults(input.results, config, values);
  } else {
    collectFromSnapshots(input.snapshots, input.asOf, config, values);
    asOf = input.asOf.toISOString();
  }

  const metrics: Record<string, number[]> = {};
  for (const [id, list] of values) metrics[id] = [...list].sort((a, b) => a - b);
  return { workspace: config.workspace, configVersion: config.version, asOf, metrics };
}

function collectFromResults(
  results: ScoreResult[],
  config: ScoreConfig,
  values: Map<string, number[]>,
): string | null {
  let newest: string | null = null;
  for (const result of results) {
    if (result.workspace !== config.workspace || result.configVersion !== config.version) {
      throw new Error(
        `result for company ${result.companyId} was computed with ${result.workspace} version ` +
          `${result.configVersion}, not ${config.workspace} version ${config.version}; ` +
          'rescore it before building the reference',
      );
    }
    if (newest === null || result.asOf > newest) newest = result.asOf;
    for (const entry of result.breakdown) {
      const list = values.get(entry.metricId);
      if (list !== undefined && entry.raw !== null) list.push(entry.raw);
    }
  }
  return newest;
}

function collectFromSnapshots(
  snapshots: CompanySnapshot[],
  asOf: Date,
  config: ScoreConfig,
  values: Map<string, number[]>,
): void {
  const ignored: UnparseableValue[] = [];
  for (const snapshot of snapshots) {
    for (const metric of config.metrics) {
      const list = values.get(metric.id);
      if (list === undefined) continue;
      const context = { snapshot, asOf, metricId: metric.id, unparseable: ignored };
      const { raw } = measureSource(metric.source, context);
      if (raw !== null) list.push(raw);
    }
  }
}
