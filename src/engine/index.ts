/** The health-score engine: pure functions, no I/O and no clock. */
export {
  expansionSchema,
  metricSchema,
  normalisationSchema,
  scoreConfigSchema,
  sourceSchema,
  statusSchema,
  MAX_METRICS,
  METRICS_WARNING_ABOVE,
  NORMALISATION_TYPES,
  SOURCE_TYPES,
  TICKET_PRIORITIES,
  WEIGHT_SUM_TOLERANCE,
  WORKSPACE_NAME_PATTERN,
} from './config-schema';
export type {
  Direction,
  ExpansionConfig,
  MetricConfig,
  MetricSource,
  MissingPolicy,
  Normalisation,
  ScoreConfig,
  ScoreConfigInput,
  StatusConfig,
  TicketPriority,
} from './config-schema';
export {
  detectExpansionSignals,
  EXPANSION_SIGNAL_KINDS,
  EXPANSION_SIGNAL_LABELS,
  type ExpansionSignal,
  type ExpansionSignalKind,
} from './expansion';
export { parseScoreConfig, ScoreConfigError } from './parse-config';
export { DEFAULT_SCORE_CONFIG, defaultConfigFor } from './default-config';
export { scoreCompany, roundScore, type ScoreOptions } from './score';
export { classifyScore } from './status';
export { describeChange } from './drivers';
export { requiredInputs, TICKET_PROPERTIES, type RequiredInputs } from './inputs';
export {
  buildReferenceDistributions,
  type ReferenceDistributions,
  type ReferenceInput,
} from './reference';
export {
  bandPoints,
  linearPoints,
  logLinearPoints,
  normalise,
  percentilePoints,
} from './normalise';
export type {
  Driver,
  HealthStatus,
  MetricBreakdown,
  MissingData,
  MissingReason,
  ScoreChange,
  ScoreResult,
} from './result-types';
export type { CompanySnapshot, FeedbackRecord, TicketRecord, UnparseableValue } from './snapshot';
export * from './values';
export { formatDateForHubSpot, formatDateTime, formatNumberForHubSpot } from './format';
