import type { PortalHandle } from '../../sandbox';
import {
  detectExpansionSignals,
  requiredInputs,
  scoreCompany,
  type ExpansionSignal,
  type CompanySnapshot,
  type ScoreConfig,
  type ScoreResult,
} from '../engine';
import {
  formatDrivers,
  formatMultiCheckbox,
  sameOptions,
} from '../../webhooks/recompute/properties';

/**
 * Builds a company's engine input straight from the sandbox's store, without the HubSpot API or
 * any of the app's reading code: the config's properties, their history, the associated tickets
 * and the feedback of the company's contacts. Used to check what the app wrote.
 */
export function snapshotFromSandbox(
  portal: PortalHandle,
  companyId: string,
  config: ScoreConfig,
  closedStageIds: Set<string>,
): CompanySnapshot | undefined {
  const company = portal.getObject('companies', companyId);
  if (!company || company.archived) return undefined;
  const inputs = requiredInputs(config);
  const pick = (
    source: Record<string, string | null>,
    names: string[],
  ): Record<string, string | null> => {
    const picked: Record<string, string | null> = {};
    for (const name of names) if (name in source) picked[name] = source[name] ?? null;
    return picked;
  };
  const propertyHistory: CompanySnapshot['propertyHistory'] = {};
  for (const name of inputs.historyProperties) {
    propertyHistory[name] = portal
      .propertyHistory('companies', companyId, name)
      .map(({ value, timestamp }) => ({ value, timestamp }))
      .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp));
  }
  const tickets: CompanySnapshot['tickets'] = [];
  if (inputs.tickets) {
    const ticketProperties = [...inputs.tickets.properties, 'hs_pipeline_stage'];
    for (const ticketId of portal.associatedIds('companies', companyId, 'tickets')) {
      const ticket = portal.getObject('tickets', ticketId);
      if (!ticket || ticket.archived) continue;
      tickets.push({
        id: ticketId,
        properties: pick(ticket.properties, ticketProperties),
        stageClosed: closedStageIds.has(ticket.properties.hs_pipeline_stage ?? ''),
      });
    }
  }
  const feedback: CompanySnapshot['feedback'] = [];
  if (inputs.feedback) {
    const seen = new Set<string>();
    for (const contactId of portal.associatedIds('companies', companyId, 'contacts')) {
      for (const submissionId of portal.associatedIds(
        'contacts',
        contactId,
        'feedback_submissions',
      )) {
        if (seen.has(submissionId)) continue;
        seen.add(submissionId);
        const submission = portal.getObject('feedback_submissions', submissionId);
        if (!submission || submission.archived) continue;
        feedback.push({
          id: submissionId,
          properties: pick(submission.properties, inputs.feedback.properties),
        });
      }
    }
  }
  return {
    id: companyId,
    properties: pick(company.properties, inputs.companyProperties),
    propertyHistory,
    tickets,
    feedback,
  };
}

const NUMERIC = new Set(['cs_health_score', 'cs_health_coverage']);
/** Coverage is written with one decimal, so it may differ from the exact share by 0.05. */
const TOLERANCE: Record<string, number> = { cs_health_coverage: 0.05 };

/** One difference between what the app wrote and what the sandbox's data gives. */
export interface ScoreMismatch {
  companyId: string;
  property: string;
  written: string;
  expected: string;
}

/** Properties holding a multiple-checkbox value, compared as sets of options. */
const MULTI_CHECKBOX = new Set(['cs_expansion_signals']);

/**
 * Scores a company from the sandbox's data at `asOf` and compares the result with the
 * properties the app wrote: score, status, drivers, coverage and expansion signals.
 */
export function compareWithSandbox(
  portal: PortalHandle,
  companyId: string,
  config: ScoreConfig,
  closedStageIds: Set<string>,
  asOf: Date,
  previous?: ScoreResult,
): { expected?: ScoreResult; signals?: ExpansionSignal[]; mismatches: ScoreMismatch[] } {
  const snapshot = snapshotFromSandbox(portal, companyId, config, closedStageIds);
  if (!snapshot) return { mismatches: [] };
  const expected = scoreCompany(snapshot, config, asOf, previous ? { previous } : {});
  const signals = detectExpansionSignals(snapshot, expected, config, asOf);
  const written = portal.getObject('companies', companyId)?.properties ?? {};
  const expectedValues: Record<string, string> = {
    cs_health_score: String(expected.score),
    cs_health_status: expected.status,
    cs_health_drivers: formatDrivers(expected.drivers),
    cs_health_coverage: String(expected.coverage),
    cs_expansion_signals: formatMultiCheckbox(signals.map((signal) => signal.kind)),
  };
  const mismatches: ScoreMismatch[] = [];
  for (const [property, value] of Object.entries(expectedValues)) {
    const have = written[property] ?? '';
    let same: boolean;
    if (NUMERIC.has(property)) {
      same = have !== '' && Math.abs(Number(have) - Number(value)) <= (TOLERANCE[property] ?? 0);
    } else if (MULTI_CHECKBOX.has(property)) {
      same = sameOptions(have, value);
    } else {
      same = have === value;
    }
    if (!same) mismatches.push({ companyId, property, written: have, expected: value });
  }
  return { expected, signals, mismatches };
}
