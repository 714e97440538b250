import { z } from 'zod';
import { EXPANSION_SIGNAL_KINDS, EXPANSION_SIGNAL_LABELS } from '../engine';
import type {
  ExpansionSignalRow,
  MetricBreakdownRow,
  ScoreHistoryPoint,
  ScoredHealth,
} from '../../extensions/app/cards/types';
import { scoreAsOf, type StoredCompanyResult } from '../../webhooks/recompute/store';

const DAY_MS = 86_400_000;

/**
 * Caps that keep the card's response far below the 1 MB limit of `hubspot.fetch`. The store
 * keeps about 31 daily history points and the config allows at most 10 metrics, so the caps only
 * matter if either of those grows.
 */
export const MAX_HISTORY_POINTS = 400;
export const MAX_DRIVERS = 5;
export const MAX_BREAKDOWN_ROWS = 20;

/** Words for the missing-data policy the engine applied to a metric without data. */
const POLICY_WORDS: Record<'ignore' | 'neutral' | 'worst', string> = {
  ignore: 'left out, its weight spread over the other metrics',
  neutral: 'counted as 50 points',
  worst: 'counted as 0 points',
};

/**
 * The part of the recompute's stored result that the card reads. Parsing it, in place of a cast,
 * turns a change of the stored format into a clear error at this boundary.
 */
const storedResultSchema = z.object({
  companyId: z.string(),
  score: z.number(),
  status: z.enum(['healthy', 'needs_attention', 'at_risk']),
  computedAt: z.number(),
  workspace: z.string(),
  configVersion: z.number(),
  history: z.array(z.tuple([z.number(), z.number()])),
  // Absent in results stored before expansion signals existed; those show none.
  expansionSignals: z
    .array(z.object({ kind: z.enum(EXPANSION_SIGNAL_KINDS), reason: z.string() }))
    .optional(),
  result: z.object({
    coverage: z.number(),
    drivers: z.array(z.string()),
    breakdown: z.array(
      z.object({
        metricId: z.string(),
        label: z.string(),
        raw: z.number().nullable(),
        normalised: z.number().nullable(),
        weight: z.number(),
        effectiveWeight: z.number(),
        pointsEarned: z.number(),
        pointsLost: z.number(),
        description: z.string().optional(),
        missing: z
          .object({
            policy: z.enum(['ignore', 'neutral', 'worst']),
            detail: z.string(),
          })
          .nullable(),
      }),
    ),
  }),
});

type StoredBreakdown = z.infer<typeof storedResultSchema>['result']['breakdown'][number];

export class StoredResultError extends Error {
  constructor(
    readonly portalId: number,
    readonly companyId: string,
    detail: string,
  ) {
    super(
      `The stored result of company ${companyId} in portal ${portalId} has an unexpected shape ` +
        `(${detail}); the next recompute of the company overwrites it.`,
    );
    this.name = 'StoredResultError';
  }
}

function rawText(row: StoredBreakdown): string {
  if (row.missing !== null) return 'No data';
  const description = row.description?.trim();
  if (description) return description;
  return row.raw === null ? 'No data' : String(Math.round(row.raw * 100) / 100);
}

function missingText(row: StoredBreakdown): string | null {
  if (row.missing === null) return null;
  return `${row.missing.detail}; ${POLICY_WORDS[row.missing.policy]}`;
}

function toRow(row: StoredBreakdown): MetricBreakdownRow {
  return {
    metricId: row.metricId,
    label: row.label,
    rawText: rawText(row),
    normalised: row.normalised,
    weight: row.weight,
    effectiveWeight: row.effectiveWeight,
    pointsEarned: row.pointsEarned,
    pointsLost: row.pointsLost,
    missing: missingText(row),
  };
}

/**
 * Returns the score change over `days` before `at`, computed the way the recompute computes
 * `cs_health_score_change_7d` and `_30d`, or null when the history does not reach back that far.
 */
function changeOver(
  history: [number, number][],
  score: number,
  at: number,
  days: number,
): number | null {
  const before = scoreAsOf(history, at - days * DAY_MS);
  return before === undefined ? null : score - before;
}

/** Builds the card's scored state from the recompute's stored result of one company. */
export function scoredHealth(
  portalId: number,
  companyId: string,
  stored: StoredCompanyResult,
  recomputePending: boolean,
): ScoredHealth {
  const parsed = storedResultSchema.safeParse(stored);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const detail = issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown problem';
    throw new StoredResultError(portalId, companyId, detail);
  }
  const result = parsed.data;
  const history: ScoreHistoryPoint[] = result.history
    .slice(-MAX_HISTORY_POINTS)
    .map(([at, score]) => ({ at: new Date(at).toISOString(), score }));
  return {
    state: 'scored',
    portalId,
    companyId,
    score: result.score,
    status: result.status,
    change7d: changeOver(result.history, result.score, result.computedAt, 7),
    change30d: changeOver(result.history, result.score, result.computedAt, 30),
    coverage: result.result.coverage,
    breakdown: result.result.breakdown.slice(0, MAX_BREAKDOWN_ROWS).map(toRow),
    drivers: result.result.drivers.slice(0, MAX_DRIVERS),
    expansionSignals: (result.expansionSignals ?? []).map((signal): ExpansionSignalRow => ({
      kind: signal.kind,
      label: EXPANSION_SIGNAL_LABELS[signal.kind],
      reason: signal.reason,
    })),
    history,
    workspace: result.workspace,
    configVersion: result.configVersion,
    computedAt: new Date(result.computedAt).toISOString(),
    recomputePending,
  };
}
