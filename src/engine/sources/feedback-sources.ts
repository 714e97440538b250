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

interface Answer {
  id: string;
  value: number;
  at: Date;
}

/** Feedback-submission properties, as HubSpot names them. */
export const FEEDBACK_PROPERTIES = ['hs_survey_type', 'hs_value', 'hs_submission_timestamp'];

/**
 * The latest answer, or the mean of the answers, of one survey type submitted in the window
 * that ends at `asOf`. Without `windowDays` every answer up to `asOf` counts.
 */
export function measureFeedback(
  source: SourceOf<'feedback'>,
  context: MeasureContext,
): Measurement {
  const wanted = source.surveyType.toUpperCase();
  const answers: Answer[] = [];
  for (const submission of context.snapshot.feedback) {
    const type = (submission.properties.hs_survey_type ?? '').trim().toUpperCase();
    if (type !== wanted) continue;

    const value = parseHubSpotNumber(submission.properties.hs_value);
    const at = parseHubSpotDate(submission.properties.hs_submission_timestamp);
    if (!value.ok) {
      // An empty answer is a skipped question, not an unreadable value.
      if (value.reason === 'unparseable') report(context, 'hs_value', value.text, submission.id);
      continue;
    }
    if (!at.ok) {
      const text = at.reason === 'unparseable' ? at.text : null;
      report(context, 'hs_submission_timestamp', text, submission.id);
      continue;
    }
    answers.push({ id: submission.id, value: value.value, at: at.value });
  }
  return aggregateAnswers(inWindow(answers, context.asOf, source.windowDays), source, context);
}

/**
 * The latest value, or the mean of the values, of a company property that mirrors feedback
 * (such as `nps_score`), taken from its history within the window.
 * NOTE: without property history the window cannot be checked, so the current value counts as
 * the one answer.
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

  const answers: Answer[] = [];
  for (const point of history) {
    const value = parseHubSpotNumber(point.value);
    if (value.ok) answers.push({ id: point.at.toISOString(), value: value.value, at: point.at });
    else if (value.reason === 'unparseable') report(context, `${property} (history)`, value.text);
  }
  return aggregateAnswers(inWindow(answers, context.asOf, source.windowDays), source, context);
}

function inWindow(answers: Answer[], asOf: Date, windowDays: number | undefined): Answer[] {
  const end = asOf.getTime();
  const start = windowDays === undefined ? -Infinity : end - windowDays * DAY_MS;
  return answers.filter((answer) => answer.at.getTime() > start && answer.at.getTime() <= end);
}

function aggregateAnswers(
  answers: Answer[],
  source: { surveyType: string; aggregate: 'latest' | 'mean'; windowDays?: number | undefined },
  context: MeasureContext,
): Measurement {
  const [first, ...others] = answers;
  if (first === undefined) {
    const window = source.windowDays === undefined ? '' : ` in the last ${source.windowDays} days`;
    return missingMeasurement(
      'no_feedback',
      `no ${source.surveyType} answer${window} as of ${context.asOf.toISOString().slice(0, 10)}`,
    );
  }
  if (source.aggregate === 'mean') {
    const sum = answers.reduce((total, answer) => total + answer.value, 0);
    return measured(sum / answers.length, { samples: answers.length });
  }
  let latest = first;
  for (const answer of others) {
    if (isNewer(answer, latest)) latest = answer;
  }
  return measured(latest.value, { samples: 1 });
}

/** Orders by time; equal timestamps fall back to the id so the pick never depends on order. */
function isNewer(candidate: Answer, current: Answer): boolean {
  const difference = candidate.at.getTime() - current.at.getTime();
  return difference > 0 || (difference === 0 && candidate.id > current.id);
}
