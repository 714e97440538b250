import type { MetricSource } from '../config-schema';
import { DAY_MS, historyUntil } from '../snapshot';
import { parseHubSpotDate, parseHubSpotNumber } from '../values';
import {
  measured,
  missingMeasurement,
  readNumber,
  report,
  type MeasureContext,
  type Measurement,
} from './measurement';

type SourceOf<T extends MetricSource['type']> = Extract<MetricSource, { type: T }>;

interface SurveyResponse {
  id: string;
  value: number;
  at: Date;
}

/** Feedback-submission properties, as HubSpot names them. */
export const FEEDBACK_PROPERTIES = ['hs_survey_type', 'hs_value', 'hs_submission_timestamp'];

/**
 * Measures the latest response, or the mean of the responses, of one survey type submitted in
 * the window that ends at `asOf`. Without `windowDays` every response up to `asOf` counts.
 */
export function measureFeedback(
  source: SourceOf<'feedback'>,
  context: MeasureContext,
): Measurement {
  const expectedType = source.surveyType.toUpperCase();
  const responses: SurveyResponse[] = [];
  for (const submission of context.snapshot.feedback) {
    const type = (submission.properties.hs_survey_type ?? '').trim().toUpperCase();
    if (type !== expectedType) continue;

    const value = parseHubSpotNumber(submission.properties.hs_value);
    const at = parseHubSpotDate(submission.properties.hs_submission_timestamp);
    if (!value.ok) {
      // An empty response is a skipped question, not an unreadable value.
      if (value.reason === 'unparseable') report(context, 'hs_value', value.text, submission.id);
      continue;
    }
    if (!at.ok) {
      const text = at.reason === 'unparseable' ? at.text : null;
      report(context, 'hs_submission_timestamp', text, submission.id);
      continue;
    }
    responses.push({ id: submission.id, value: value.value, at: at.value });
  }
  return aggregateResponses(inWindow(responses, context.asOf, source.windowDays), source, context);
}

/**
 * Measures the latest value, or the mean of the values, of a company property that mirrors
 * feedback (such as `nps_score`), taken from its history within the window.
 * NOTE: without property history the window cannot be checked, so the current value counts as
 * the one response.
 */
export function measureFeedbackProperty(
  source: SourceOf<'feedback_property'>,
  context: MeasureContext,
): Measurement {
  const { property } = source;
  const history = historyUntil(context.snapshot, property, context.asOf, (timestamp) =>
    report(context, `${property} (history timestamp)`, timestamp),
  );
  if (history === undefined) {
    const read = readNumber(context, property);
    return 'missing' in read ? read.missing : measured(read.value, { samples: 1 });
  }

  const responses: SurveyResponse[] = [];
  for (const point of history) {
    const value = parseHubSpotNumber(point.value);
    if (value.ok) responses.push({ id: point.at.toISOString(), value: value.value, at: point.at });
    else if (value.reason === 'unparseable') report(context, `${property} (history)`, value.text);
  }
  return aggregateResponses(inWindow(responses, context.asOf, source.windowDays), source, context);
}

function inWindow(
  responses: SurveyResponse[],
  asOf: Date,
  windowDays: number | undefined,
): SurveyResponse[] {
  const end = asOf.getTime();
  const start = windowDays === undefined ? -Infinity : end - windowDays * DAY_MS;
  return responses.filter(
    (response) => response.at.getTime() > start && response.at.getTime() <= end,
  );
}

function aggregateResponses(
  responses: SurveyResponse[],
  source: { surveyType: string; aggregate: 'latest' | 'mean'; windowDays?: number | undefined },
  context: MeasureContext,
): Measurement {
  const [first, ...others] = responses;
  if (first === undefined) {
    const window = source.windowDays === undefined ? '' : ` in the last ${source.windowDays} days`;
    return missingMeasurement(
      'no_feedback',
      `no ${source.surveyType} answer${window} as of ${context.asOf.toISOString().slice(0, 10)}`,
    );
  }
  if (source.aggregate === 'mean') {
    const sum = responses.reduce((total, response) => total + response.value, 0);
    return measured(sum / responses.length, { samples: responses.length });
  }
  let latest = first;
  for (const response of others) {
    if (isNewer(response, latest)) latest = response;
  }
  return measured(latest.value, { samples: 1 });
}

/** Orders by time; equal timestamps fall back to the id so the pick never depends on order. */
function isNewer(candidate: SurveyResponse, current: SurveyResponse): boolean {
  const difference = candidate.at.getTime() - current.at.getTime();
  return difference > 0 || (difference === 0 && candidate.id > current.id);
}
