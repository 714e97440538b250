/** Contacts, tickets, CSAT and NPS feedback, and notes of one company. */
import type { CompanyBuild } from './companies';
import { DAY_MS } from './dates';
import {
  numberText,
  Phase,
  type Clock,
  type Draft,
  type IdSequence,
  type ScenarioBuilder,
  type SeedCollector,
} from './context';
import {
  generateTicketDetails,
  noteBody,
  type GeneratedContact,
  type GeneratedNote,
  type GeneratedNpsResponse,
  type GeneratedTicketDetails,
} from './generate';
import type { SupportTicket } from './ravenstack';
import type { CrmObjectType, ScenarioChange } from './types';

/** A clone with light history keeps the tickets (and their CSAT responses) of this many recent days. */
export const LIGHT_HISTORY_DAYS = 90;

const NPS_SURVEY = { id: '1001', name: 'Quarterly NPS survey' };
const CSAT_SURVEY = { id: '1002', name: 'Support satisfaction survey' };

export interface TicketBuild {
  ticket: SupportTicket;
  details: GeneratedTicketDetails;
  draft: Draft;
  createdMs: number;
  /** Data-set time of the first response, when it came before the ticket closed. */
  firstResponseMs: number | null;
  csat: { draft: Draft; timeMs: number } | null;
}

export interface ActivityBuild {
  company: CompanyBuild;
  tickets: TicketBuild[];
  notes: { note: GeneratedNote; draft: Draft }[];
  npsResponses: { response: GeneratedNpsResponse; draft: Draft }[];
}

export interface ActivityIds {
  tickets: IdSequence;
  notes: IdSequence;
  feedbackSubmissions: IdSequence;
}

/** End of a data-set day in data-set milliseconds (its last millisecond). */
function endOfDayMs(day: number): number {
  return (day + 1) * DAY_MS - 1;
}

/**
 * Picks which of the company's tickets, notes and responses become records and gives each one a
 * draft id. A clone with light history keeps the tickets submitted within LIGHT_HISTORY_DAYS
 * before the start day or still open on it, the latest note and NPS response before the start, and
 * everything of the scenario's days.
 */
export function draftActivities(
  company: CompanyBuild,
  clock: Clock,
  seed: number,
  ids: ActivityIds,
): ActivityBuild {
  const { source, generated } = company;
  const windowStartDay = source.lightHistory ? clock.startDay - LIGHT_HISTORY_DAYS : -Infinity;

  const tickets: TicketBuild[] = [];
  for (const ticket of source.tickets) {
    const closedDay = ticket.closedAtMs === null ? Infinity : clock.dayOf(ticket.closedAtMs);
    const openAtStart = ticket.submittedDay <= clock.startDay && closedDay > clock.startDay;
    if (ticket.submittedDay < windowStartDay && !openAtStart) continue;
    const createdMs = ticket.submittedDay * DAY_MS;
    const details = generateTicketDetails(seed, source.key, ticket.id, generated.contacts.length);
    const responseMs = createdMs + ticket.firstResponseMinutes * 60_000;
    const beforeClose = ticket.closedAtMs === null || responseMs < ticket.closedAtMs;
    let csat: TicketBuild['csat'] = null;
    if (ticket.satisfaction !== null && ticket.closedAtMs !== null) {
      // The response arrives on the day the ticket closed, so it never falls past the data set's end.
      const spare = endOfDayMs(closedDay) - ticket.closedAtMs;
      // Whole seconds, like every generated time (record ids are sorted by time in seconds).
      const timeMs = ticket.closedAtMs + Math.floor((details.csatDelayShare * spare) / 1000) * 1000;
      csat = { draft: ids.feedbackSubmissions.add(timeMs), timeMs };
    }
    tickets.push({
      ticket,
      details,
      draft: ids.tickets.add(createdMs),
      createdMs,
      firstResponseMs: beforeClose ? responseMs : null,
      csat,
    });
  }

  // For a light history the generator already left out all but the latest note and NPS response
  // before the start day (see `recentFromDay`).
  const notes = generated.notes.map((note) => ({ note, draft: ids.notes.add(note.timeMs) }));
  const npsResponses = generated.npsResponses.map((response) => ({
    response,
    draft: ids.feedbackSubmissions.add(response.timeMs),
  }));
  return { company, tickets, notes, npsResponses };
}

/**
 * Destinations of one emitting pass. The seed pass sets `seed`, and a pass for scenario days sets
 * `scenario`, which covers only its own days.
 */
export interface EmitTarget {
  clock: Clock;
  seed: SeedCollector | null;
  scenario: ScenarioBuilder | null;
}

type Link = { toType: CrmObjectType; toId: string };

/**
 * Association lists for the scenario's creations, shared by every creation of the company that
 * links the same records. They are frozen, so a consumer cannot change one change through
 * another. Large portals have hundreds of thousands of such creations.
 */
export interface CompanyLinks {
  company: Link[];
  companyAndContact: Link[][];
  contact: Link[][];
}

function frozen(links: Link[]): Link[] {
  return Object.freeze(links.map((link) => Object.freeze(link))) as Link[];
}

export function companyLinks(company: CompanyBuild): CompanyLinks {
  if (company.links) return company.links;
  const companyLink = { toType: 'companies' as const, toId: company.company.id };
  const contactLinks = company.contacts.map((draft) => ({
    toType: 'contacts' as const,
    toId: draft.id,
  }));
  company.links = {
    company: frozen([companyLink]),
    companyAndContact: contactLinks.map((link) => frozen([companyLink, link])),
    contact: contactLinks.map((link) => frozen([link])),
  };
  return company.links;
}

interface ContactRef {
  index: number;
  id: string;
  email: string;
}

function contactRef(company: CompanyBuild, index: number): ContactRef {
  const contact = company.generated.contacts[index];
  const draft = company.contacts[index];
  if (!contact || !draft) throw new Error(`Contact ${index} of ${company.source.key} is missing.`);
  return { index, id: draft.id, email: contact.email };
}

/**
 * Creation time of a contact. Contacts all exist in the seed, so one generated for after the
 * start day is created at the end of it instead (whole seconds, as ids are sorted by them).
 */
export function contactCreatedMs(contact: GeneratedContact, clock: Clock): number {
  return Math.min(contact.createdMs, (clock.startDay + 1) * DAY_MS - 1000);
}

/** Adds the company's contacts to the seed, each with the company as its primary company. */
export function emitContacts(company: CompanyBuild, seed: SeedCollector, clock: Clock): void {
  company.generated.contacts.forEach((contact, index) => {
    const draft = company.contacts[index] as Draft;
    seed.add('contacts', draft, {
      id: draft.id,
      properties: {
        firstname: contact.firstname,
        lastname: contact.lastname,
        email: contact.email,
        jobtitle: contact.jobtitle,
        company: company.source.account.name,
        lifecyclestage: 'customer',
        hubspot_owner_id: company.generated.csmOwnerId,
      },
      createdAt: clock.seedIso(contactCreatedMs(contact, clock)),
    });
    seed.associate('contacts', draft.id, 'companies', company.company.id, true);
  });
}

function ticketStageHistory(
  build: TicketBuild,
  clock: Clock,
): { value: string; timestamp: string }[] {
  const entries = [{ value: '1', timestamp: clock.seedIso(build.createdMs) }];
  const { closedAtMs } = build.ticket;
  if (build.firstResponseMs !== null && clock.dayOf(build.firstResponseMs) <= clock.startDay) {
    entries.push({
      value: build.details.waitingStage,
      timestamp: clock.seedIso(build.firstResponseMs),
    });
  }
  if (closedAtMs !== null && clock.dayOf(closedAtMs) <= clock.startDay) {
    entries.push({ value: '4', timestamp: clock.seedIso(closedAtMs) });
  }
  return entries;
}

function ticketProperties(build: TicketBuild, company: CompanyBuild): Record<string, string> {
  return {
    subject: build.details.subject,
    hs_pipeline: '0',
    hs_ticket_priority: build.ticket.priority.toUpperCase(),
    hs_ticket_category: build.details.category,
    external_ticket_id: build.ticket.id + company.source.idSuffix,
    escalated: String(build.ticket.escalated),
  };
}

function emitTicketSeed(
  build: TicketBuild,
  company: CompanyBuild,
  seed: SeedCollector,
  clock: Clock,
) {
  const { ticket, draft } = build;
  const stages = ticketStageHistory(build, clock);
  const properties = ticketProperties(build, company);
  properties.hs_pipeline_stage = (stages[stages.length - 1] as { value: string }).value;
  if (ticket.closedAtMs !== null && clock.dayOf(ticket.closedAtMs) <= clock.startDay) {
    properties.closed_date = clock.seedIso(ticket.closedAtMs);
  }
  const record = { id: draft.id, properties, createdAt: clock.seedIso(build.createdMs) };
  seed.add(
    'tickets',
    draft,
    company.source.lightHistory ? record : { ...record, history: { hs_pipeline_stage: stages } },
  );
  const contact = contactRef(company, build.details.contactIndex);
  seed.associate('tickets', draft.id, 'companies', company.company.id, true);
  seed.associate('tickets', draft.id, 'contacts', contact.id);
}

/** Adds the ticket's scenario changes: creation, first response (waiting stage) and closing. */
function emitTicketScenario(
  build: TicketBuild,
  company: CompanyBuild,
  scenario: ScenarioBuilder,
  clock: Clock,
): void {
  const { ticket, details, draft } = build;
  if (ticket.submittedDay > clock.startDay && scenario.covers(ticket.submittedDay)) {
    const change: ScenarioChange = {
      kind: 'create',
      objectType: 'tickets',
      id: draft.id,
      properties: { ...ticketProperties(build, company), hs_pipeline_stage: '1' },
      associations: companyLinks(company).companyAndContact[details.contactIndex],
    };
    scenario.add(ticket.submittedDay, Phase.TicketCreate, change, draft);
  }
  const closedDay = ticket.closedAtMs === null ? Infinity : clock.dayOf(ticket.closedAtMs);
  const responseDay =
    build.firstResponseMs === null ? Infinity : clock.dayOf(build.firstResponseMs);
  if (responseDay > clock.startDay && responseDay < closedDay && scenario.covers(responseDay)) {
    scenario.add(responseDay, Phase.TicketUpdate, {
      kind: 'update',
      objectType: 'tickets',
      id: draft.id,
      properties: { hs_pipeline_stage: details.waitingStage },
    });
  }
  // NOTE: closed_date is the planned real time of the close. Played ahead of real time, the
  // ticket is in stage 4 with a future closed_date, which an as-of-now open count treats as open.
  if (closedDay > clock.startDay && scenario.covers(closedDay)) {
    scenario.add(closedDay, Phase.TicketUpdate, {
      kind: 'update',
      objectType: 'tickets',
      id: draft.id,
      properties: {
        hs_pipeline_stage: '4',
        closed_date: clock.realIso(ticket.closedAtMs as number),
      },
    });
  }
}

function emitTicket(build: TicketBuild, company: CompanyBuild, target: EmitTarget): void {
  const { clock, seed, scenario } = target;
  if (seed && build.ticket.submittedDay <= clock.startDay) {
    emitTicketSeed(build, company, seed, clock);
  }
  if (scenario) emitTicketScenario(build, company, scenario, clock);
  if (build.csat) {
    const value = build.ticket.satisfaction as number;
    let sentiment = 'NEUTRAL';
    if (value >= 4) sentiment = 'POSITIVE';
    if (value <= 2) sentiment = 'NEGATIVE';
    const contact = contactRef(company, build.details.contactIndex);
    emitFeedback(target, company, build.csat.draft, build.csat.timeMs, contact, build.draft, {
      hs_survey_type: 'CSAT',
      hs_survey_id: CSAT_SURVEY.id,
      hs_survey_name: CSAT_SURVEY.name,
      hs_value: numberText(value),
      hs_sentiment: sentiment,
    });
  }
}

/** Adds a feedback submission, associated with its contact and, for CSAT, with its ticket. */
function emitFeedback(
  { clock, seed, scenario }: EmitTarget,
  company: CompanyBuild,
  draft: Draft,
  timeMs: number,
  contact: ContactRef,
  ticket: Draft | null,
  surveyProperties: Record<string, string>,
): void {
  const day = clock.dayOf(timeMs);
  const inSeed = day <= clock.startDay;
  if (inSeed ? !seed : !scenario?.covers(day)) return;
  const properties = {
    ...surveyProperties,
    hs_submission_timestamp: inSeed ? clock.seedIso(timeMs) : clock.realIso(timeMs),
    hs_contact_id: contact.id,
    hs_contact_email_rollup: contact.email,
  };
  if (seed && inSeed) {
    seed.add('feedbackSubmissions', draft, {
      id: draft.id,
      properties,
      createdAt: clock.seedIso(timeMs),
    });
    seed.associate('feedback_submissions', draft.id, 'contacts', contact.id);
    if (ticket) seed.associate('feedback_submissions', draft.id, 'tickets', ticket.id);
    return;
  }
  const associations = ticket
    ? [
        ...(companyLinks(company).contact[contact.index] as Link[]),
        { toType: 'tickets' as const, toId: ticket.id },
      ]
    : companyLinks(company).contact[contact.index];
  scenario?.add(
    day,
    Phase.FeedbackCreate,
    { kind: 'create', objectType: 'feedback_submissions', id: draft.id, properties, associations },
    draft,
  );
}

function responseGroup(value: number): 'PROMOTER' | 'PASSIVE' | 'DETRACTOR' {
  if (value >= 9) return 'PROMOTER';
  if (value >= 7) return 'PASSIVE';
  return 'DETRACTOR';
}

const SENTIMENT_BY_GROUP = { PROMOTER: 'POSITIVE', PASSIVE: 'NEUTRAL', DETRACTOR: 'NEGATIVE' };

function emitNpsResponses(build: ActivityBuild, target: EmitTarget): void {
  const { clock, scenario } = target;
  const latestByDay = new Map<number, number>();
  for (const { response, draft } of build.npsResponses) {
    const group = responseGroup(response.value);
    const contact = contactRef(build.company, response.contactIndex);
    emitFeedback(target, build.company, draft, response.timeMs, contact, null, {
      hs_survey_type: 'NPS',
      hs_survey_id: NPS_SURVEY.id,
      hs_survey_name: NPS_SURVEY.name,
      hs_value: numberText(response.value),
      hs_response_group: group,
      hs_sentiment: SENTIMENT_BY_GROUP[group],
    });
    const day = clock.dayOf(response.timeMs);
    if (day > clock.startDay) latestByDay.set(day, response.value);
  }
  // Responses are in time order, so the map contains the last response of each day.
  for (const [day, value] of latestByDay) {
    if (!scenario?.covers(day)) continue;
    scenario.add(day, Phase.NpsScore, {
      kind: 'update',
      objectType: 'companies',
      id: build.company.company.id,
      properties: { nps_score: numberText(value) },
    });
  }
}

function emitNotes(build: ActivityBuild, { clock, seed, scenario }: EmitTarget): void {
  const { company } = build;
  for (const { note, draft } of build.notes) {
    const day = clock.dayOf(note.timeMs);
    const inSeed = day <= clock.startDay;
    if (inSeed ? !seed : !scenario?.covers(day)) continue;
    const contact = company.generated.contacts[note.contactIndex] as GeneratedContact;
    const properties = {
      hs_timestamp: inSeed ? clock.seedIso(note.timeMs) : clock.realIso(note.timeMs),
      hs_note_body: noteBody(note, contact),
      hubspot_owner_id: note.ownerId,
    };
    if (seed && inSeed) {
      seed.add('notes', draft, { id: draft.id, properties, createdAt: clock.seedIso(note.timeMs) });
      seed.associate('notes', draft.id, 'companies', company.company.id);
      seed.associate('notes', draft.id, 'contacts', contactRef(company, note.contactIndex).id);
      continue;
    }
    const change: ScenarioChange = {
      kind: 'create',
      objectType: 'notes',
      id: draft.id,
      properties,
      associations: companyLinks(company).companyAndContact[note.contactIndex],
    };
    scenario?.add(day, Phase.NoteCreate, change, draft);
  }
}

/** Adds the company's tickets, feedback and notes to the seed or to the scenario days. */
export function emitActivities(build: ActivityBuild, target: EmitTarget): void {
  for (const ticket of build.tickets) emitTicket(ticket, build.company, target);
  emitNpsResponses(build, target);
  emitNotes(build, target);
}
