import type { MetricConfig, ScoreConfig } from './config-schema';
import { parseScoreConfig } from './parse-config';
import type { CompanySnapshot, FeedbackRecord, TicketRecord } from './snapshot';

/** Builders for engine tests: snapshots and small configs with only the parts a test sets. */

export function snapshotOf(parts: Partial<CompanySnapshot> = {}): CompanySnapshot {
  return {
    id: parts.id ?? '42',
    properties: parts.properties ?? {},
    propertyHistory: parts.propertyHistory ?? {},
    tickets: parts.tickets ?? [],
    feedback: parts.feedback ?? [],
  };
}

export function ticket(
  id: string,
  properties: Record<string, string | null>,
  stageClosed = false,
): TicketRecord {
  return { id, properties, stageClosed };
}

export function surveyResponse(
  id: string,
  value: string | null,
  timestamp: string,
  type = 'NPS',
): FeedbackRecord {
  return {
    id,
    properties: { hs_survey_type: type, hs_value: value, hs_submission_timestamp: timestamp },
  };
}

/** Builds a config of the given metrics and validates it like a stored one. */
export function configOf(
  metrics: Partial<MetricConfig>[],
  extra: Partial<Omit<ScoreConfig, 'metrics'>> = {},
): ScoreConfig {
  const { config } = parseScoreConfig({
    status: { healthyAtOrAbove: 70, atRiskBelow: 40 },
    ...extra,
    metrics: metrics.map((metric, index) => ({
      id: `m${index}`,
      label: `Metric ${index}`,
      weight: 100 / metrics.length,
      direction: 'higher_is_better',
      normalisation: { type: 'linear', worst: 0, best: 100 },
      missing: 'ignore',
      ...metric,
    })),
  });
  return config;
}
