/**
 * The JSON the card exchanges with the CS Health backend (`/cards/health`). The backend builds
 * these shapes in `src/cards/`, so this file is the single definition of the wire format. It
 * contains types only, because HubSpot bundles the card from this folder alone.
 */

export type HealthStatus = 'healthy' | 'needs_attention' | 'at_risk';

/** One metric of the score, as the engine weighed it. */
export interface MetricBreakdownRow {
  metricId: string;
  label: string;
  /** The metric's input in plain words, e.g. "0.8 usage events per seat" or "No data". */
  rawText: string;
  /** The input mapped to 0-100, or null when the metric had no data. */
  normalised: number | null;
  /** Configured weight in percent. */
  weight: number;
  /** Weight in percent after the weight of metrics without data was spread over the others. */
  effectiveWeight: number;
  pointsEarned: number;
  pointsLost: number;
  /** Reason in plain words for the missing data, or null when the metric had data. */
  missing: string | null;
}

/** Internal values of the `cs_expansion_signals` options. */
export type ExpansionSignalKind =
  'seat_limit' | 'premium_features' | 'renewal_high_health' | 'team_growth';

/** One active expansion signal, with the reason it is on. */
export interface ExpansionSignalRow {
  kind: ExpansionSignalKind;
  /** The option label HubSpot shows, e.g. "Near seat limit". */
  label: string;
  /** Plain words, e.g. "Uses 46 of 50 licensed seats (92%)". */
  reason: string;
}

/** One stored score of the company, oldest first in {@link ScoredHealth.history}. */
export interface ScoreHistoryPoint {
  /** ISO 8601 time of the computation. */
  at: string;
  score: number;
}

export interface ScoredHealth {
  state: 'scored';
  portalId: number;
  companyId: string;
  /** Integer 0-100. */
  score: number;
  status: HealthStatus;
  /** Score now minus the score 7 days ago, or null when the history does not reach back that far. */
  change7d: number | null;
  /** Score now minus the score 30 days ago, or null when the history does not reach back that far. */
  change30d: number | null;
  /** Share in percent (0-100) of the configured weight whose metrics had data. */
  coverage: number;
  breakdown: MetricBreakdownRow[];
  /** The main reasons for the score, in plain words, most important first. */
  drivers: string[];
  /** Expansion signals on at the computation shown; empty when none is on. */
  expansionSignals: ExpansionSignalRow[];
  history: ScoreHistoryPoint[];
  workspace: string;
  configVersion: number;
  /** ISO 8601 time of the computation shown. */
  computedAt: string;
  /** True while the company waits for a recompute. */
  recomputePending: boolean;
}

export interface NotScoredHealth {
  state: 'not_scored';
  portalId: number;
  companyId: string;
  /** True while the company waits for a recompute. */
  recomputePending: boolean;
  /** Progress of the portal's first full scoring, or null when none is running. */
  backfill: { done: number; total: number } | null;
}

export interface DisconnectedHealth {
  state: 'disconnected';
  portalId: number;
  /**
   * `revoked`: HubSpot rejected the stored refresh token (the app was uninstalled or its access
   * revoked). `not_installed`: the app has no installation for this portal.
   */
  reason: 'revoked' | 'not_installed';
  /** `/oauth/install` on the app's public origin. */
  reinstallUrl: string;
}

/** Body of `GET /cards/health?portalId=&companyId=` (status 200). */
export type HealthResponse = ScoredHealth | NotScoredHealth | DisconnectedHealth;

/** Body of `POST /cards/health/recompute` when the company was marked (status 202). */
export interface RecomputeQueued {
  state: 'queued';
  /** True when the company was already waiting, so this request changed nothing. */
  alreadyQueued: boolean;
}

/** Body of `POST /cards/health/recompute`: 202 when queued, 409 when the portal is disconnected. */
export type RecomputeResponse = RecomputeQueued | DisconnectedHealth;

/** Body of every 4xx and 5xx response except the 409 of a disconnected portal. */
export interface ErrorBody {
  error: string;
  message: string;
}
