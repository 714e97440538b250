import type { MissingPolicy } from './config-schema';
import type { UnparseableValue } from './snapshot';

export type HealthStatus = 'healthy' | 'needs_attention' | 'at_risk';

/** The reason a metric has no raw value, or for `no_reference`, no normalised value. */
export type MissingReason =
  | 'no_value'
  | 'unparseable'
  | 'unknown_option'
  | 'zero_denominator'
  | 'zero_base'
  | 'no_history'
  | 'no_feedback'
  | 'no_reference'
  | 'out_of_range';

export interface MissingData {
  reason: MissingReason;
  /** The policy that was applied: dropped (`ignore`), 50 points or 0 points. */
  policy: MissingPolicy;
  /** Plain words, e.g. `nps_score has no value`. */
  detail: string;
}

export interface MetricBreakdown {
  metricId: string;
  label: string;
  /** The measured value before normalisation, e.g. days since contact; null when missing. */
  raw: number | null;
  /** 0-100 points from the normalisation, or from the missing-data policy; null when ignored. */
  normalised: number | null;
  /** Configured weight in %. */
  weight: number;
  /** Weight in % after the weights of ignored metrics were spread over the others. */
  effectiveWeight: number;
  pointsEarned: number;
  pointsLost: number;
  missing: MissingData | null;
  /** Plain-words description of the value, as used in drivers and change causes. */
  description: string;
}

export interface Driver {
  metricId: string;
  text: string;
  /** Points above (positive) or below (negative) what a neutral 50 would have earned. */
  impact: number;
}

export interface ScoreChange {
  /** This score minus the previous score, both rounded. */
  delta: number;
  /** The metrics whose points moved most, in plain words, largest move first. */
  causes: string[];
}

export interface ScoreResult {
  companyId: string;
  workspace: string;
  configVersion: number;
  /** ISO time the score is computed for. */
  asOf: string;
  /** Integer 0-100: `rawScore` rounded half up. */
  score: number;
  /** Sum of the points earned, unrounded. */
  rawScore: number;
  status: HealthStatus;
  breakdown: MetricBreakdown[];
  /** Share (0-100) of the configured weight whose metrics had data. */
  coverage: number;
  /** True when no metric had data and every metric is ignored when missing: the score is 50. */
  noData: boolean;
  /** Up to three plain-words reasons, strongest first. */
  drivers: string[];
  driverDetails: Driver[];
  unparseable: UnparseableValue[];
  /** Present when a previous result was given. */
  change?: ScoreChange;
}
