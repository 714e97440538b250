import type { PortalHandle } from '../../../sandbox';
import type { RequiredInputs } from '../../../src/engine';

/** HubSpot's limits for public OAuth apps, per portal: the general burst budget and CRM search. */
export const HUBSPOT_LIMITS = {
  general: { max: 110, windowMs: 10_000 },
  search: { max: 5, windowMs: 1_000 },
};

/** Per-request caps of the endpoints a full recompute uses. */
export const REQUEST_CAPS = {
  batchRead: 100,
  batchUpdate: 100,
  associationRead: 1000,
  searchPage: 200,
};

/** The records of a portal that a full recompute must read. */
export interface PortalVolume {
  companies: number;
  /** Distinct tickets associated with the portal's companies. */
  tickets: number;
  /** Distinct contacts associated with the portal's companies. */
  contacts: number;
  /** Distinct feedback submissions associated with those contacts. */
  feedback: number;
}

/** Counts what a full recompute must read, from the sandbox's store. */
export function measureVolume(portal: PortalHandle, inputs: RequiredInputs): PortalVolume {
  const companyIds = portal.listObjects('companies').map((company) => company.id);
  const tickets = new Set<string>();
  const contacts = new Set<string>();
  const feedback = new Set<string>();
  for (const id of companyIds) {
    if (inputs.tickets)
      for (const ticket of portal.associatedIds('companies', id, 'tickets')) tickets.add(ticket);
    if (inputs.feedback)
      for (const contact of portal.associatedIds('companies', id, 'contacts'))
        contacts.add(contact);
  }
  for (const contact of contacts) {
    for (const submission of portal.associatedIds('contacts', contact, 'feedback_submissions'))
      feedback.add(submission);
  }
  return {
    companies: companyIds.length,
    tickets: tickets.size,
    contacts: contacts.size,
    feedback: feedback.size,
  };
}

/**
 * Shortest time to send `calls` requests under a rolling-window limit of `max` per `windowMs`:
 * `max` at once, then `max` more each time the window rolls over.
 */
export function minimumSeconds(calls: number, max: number, windowMs: number): number {
  if (calls <= 0) return 0;
  return (Math.floor((calls - 1) / max) * windowMs) / 1000;
}

export interface CallPlan {
  strategy: string;
  general: number;
  search: number;
  generalSeconds: number;
  searchSeconds: number;
  /** The plan's time: both budgets are spent in parallel, so the slower one decides. */
  seconds: number;
}

export interface LowerBound {
  volume: PortalVolume;
  plans: CallPlan[];
  /** The fastest plan. */
  best: CallPlan;
  minCallsPerCompany: number;
}

const ceilDiv = (value: number, divisor: number): number => Math.ceil(value / divisor);

function plan(strategy: string, general: number, search: number, timeScale: number): CallPlan {
  const generalSeconds =
    minimumSeconds(general, HUBSPOT_LIMITS.general.max, HUBSPOT_LIMITS.general.windowMs) /
    timeScale;
  const searchSeconds =
    minimumSeconds(search, HUBSPOT_LIMITS.search.max, HUBSPOT_LIMITS.search.windowMs) / timeScale;
  return {
    strategy,
    general,
    search,
    generalSeconds,
    searchSeconds,
    seconds: Math.max(generalSeconds, searchSeconds),
  };
}

/**
 * The fewest requests a full recompute of the portal needs and the time HubSpot's limits allow
 * for them, each budget at its own rate. Every company is listed by search (200 per page) and
 * written once (100 per batch update); associations are read 1,000 records per request and
 * tickets and feedback submissions 100 per batch read, all packed full. Companies are read by
 * batch read (100 per request), or, when the config needs no property history, taken from the
 * search pages, which carry properties but never history.
 */
export function lowerBound(
  volume: PortalVolume,
  inputs: RequiredInputs,
  timeScale = 1,
): LowerBound {
  const n = volume.companies;
  const related =
    (inputs.tickets
      ? ceilDiv(n, REQUEST_CAPS.associationRead) +
        ceilDiv(volume.tickets, REQUEST_CAPS.batchRead) +
        1
      : 0) +
    (inputs.feedback
      ? ceilDiv(n, REQUEST_CAPS.associationRead) +
        ceilDiv(volume.contacts, REQUEST_CAPS.associationRead) +
        ceilDiv(volume.feedback, REQUEST_CAPS.batchRead)
      : 0);
  const writes = ceilDiv(n, REQUEST_CAPS.batchUpdate);
  const listing = ceilDiv(n, REQUEST_CAPS.searchPage);
  const plans = [
    plan(
      'batch-read companies',
      ceilDiv(n, REQUEST_CAPS.batchRead) + related + writes,
      listing,
      timeScale,
    ),
  ];
  if (inputs.historyProperties.length === 0)
    plans.push(plan('companies from search pages', related + writes, listing, timeScale));
  const best = plans.reduce((fastest, candidate) =>
    candidate.seconds < fastest.seconds ? candidate : fastest,
  );
  return {
    volume,
    plans,
    best,
    minCallsPerCompany: n === 0 ? 0 : (best.general + best.search) / n,
  };
}
