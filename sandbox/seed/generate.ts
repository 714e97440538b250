/**
 * The generated part of the seed: fields RavenStack does not have (contacts, owners, notes, NPS
 * responses, seats in use, ticket subjects and contacts). Each function takes only the inputs in
 * its signature, and `GeneratorInput` has no churn field, so churn outcomes cannot reach what the
 * health score reads. A test flips every churn column and checks that no generated field changes.
 * The model is described in sandbox/data/README.md.
 *
 * Times are in data-set time (epoch milliseconds or epoch days), before the offset to real time.
 */
import { DAY_MS } from './dates';
import { ACCOUNT_EXECUTIVES, ACTIVE_CSMS, ARCHIVED_CSMS } from './owners';
import { randomFor, type Random } from './random';

/** Inputs the generator may use for one company. */
export interface GeneratorInput {
  /** Stable key of the company: its account id, with a clone suffix for resampled copies. */
  key: string;
  domain: string;
  /** Epoch day the company record was created. */
  createdDay: number;
  /** The account's seat count from the accounts file. */
  seats: number;
  /** Last day of the data set; generation stops there. */
  lastDay: number;
  /**
   * When set, notes and NPS responses dated before this day are left out, except the latest of
   * each. The random draws stay the same, so every value that is kept equals a full run's.
   */
  recentFromDay?: number;
}

/** Collects items in time order, dropping those before `fromDay` except the latest of them. */
class RecentItems<T extends { timeMs: number }> {
  private readonly items: T[] = [];
  private latestBefore: T | undefined;

  constructor(private readonly fromMs: number) {}

  add(item: T): void {
    if (item.timeMs >= this.fromMs) this.items.push(item);
    else if (!this.latestBefore || item.timeMs >= this.latestBefore.timeMs)
      this.latestBefore = item;
  }

  sorted(): T[] {
    const items = this.latestBefore ? [this.latestBefore, ...this.items] : this.items;
    return items.sort((a, b) => a.timeMs - b.timeMs);
  }
}

export interface GeneratedContact {
  firstname: string;
  lastname: string;
  email: string;
  jobtitle: string;
  createdMs: number;
}

export interface GeneratedNote {
  timeMs: number;
  contactIndex: number;
  ownerId: string;
  /** Indexes into the note forms and topics; `noteBody` turns them into text. */
  formIndex: number;
  topicIndex: number;
}

export interface GeneratedNpsResponse {
  timeMs: number;
  contactIndex: number;
  value: number;
}

export interface GeneratedCompany {
  csmOwnerId: string;
  aeOwnerId: string;
  contacts: GeneratedContact[];
  notes: GeneratedNote[];
  npsResponses: GeneratedNpsResponse[];
  /** Share of licensed seats the company uses in an average week, 0.4 to 0.95. */
  seatUtilisation: number;
}

export interface GeneratedTicketDetails {
  contactIndex: number;
  category: 'PRODUCT_ISSUE' | 'BILLING_ISSUE' | 'FEATURE_REQUEST' | 'GENERAL_INQUIRY';
  subject: string;
  /** Stage while the ticket waits after the first response: 2 (on contact) or 3 (on us). */
  waitingStage: '2' | '3';
  /** When the CSAT response arrives, as a share of the time left in the day the ticket closed. */
  csatDelayShare: number;
}

/** Share of companies still owned by the CSM who left. */
const ARCHIVED_OWNER_SHARE = 0.03;
/** Median days between two notes of a company; the spread across companies is log-normal. */
const NOTE_GAP_MEDIAN_DAYS = 25;
const NOTE_GAP_LOG_SD = 1.0;
const NOTE_GAP_MIN_DAYS = 3;
const NOTE_GAP_MAX_DAYS = 180;
const NPS_SURVEY_PERIOD_DAYS = 91;
const NPS_RESPONSE_RATE = 0.3;

const FIRST_NAMES = [
  'Alex Amara Ben Carmen Chen Dana Elif Farah Gabriel Hana Ivan Jonas Kira Liam Lucia Mateo',
  'Nadia Noah Olga Omar Paula Quinn Rosa Sam Sanjay Tara Uma Victor Wen Yara Zoe',
]
  .join(' ')
  .split(' ');
const LAST_NAMES = [
  'Abbott Banerjee Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Lopez',
  'Moreau Nakamura Novak Oduya Petrov Quist Rossi Schmidt Silva Tanaka Usman Varga Weber Xu',
  'Young Zimmer',
]
  .join(' ')
  .split(' ');
const LEAD_TITLES = ['Head of Operations', 'VP Engineering', 'Director of IT', 'COO', 'CTO'];
const OTHER_TITLES = [
  'Product Manager',
  'Engineering Manager',
  'Operations Analyst',
  'IT Administrator',
  'Team Lead',
  'Finance Manager',
  'Developer',
];
const NOTE_TOPICS = [
  'onboarding progress',
  'feature adoption',
  'the product roadmap',
  'renewal planning',
  'a recent support ticket',
  'seat usage',
  'training for new users',
  'an integration question',
  'the quarterly business review',
  'billing and invoices',
];
const NOTE_FORMS = ['Check-in call with', 'Email thread with', 'Meeting with', 'Quick sync with'];
const TICKET_SUBJECTS: Record<GeneratedTicketDetails['category'], string[]> = {
  PRODUCT_ISSUE: [
    'Dashboard does not load',
    'Export fails with an error',
    'Sync is delayed',
    'Login loop after password reset',
    'API returns 500 for some requests',
  ],
  BILLING_ISSUE: ['Invoice shows the wrong seat count', 'Card payment declined', 'Refund request'],
  FEATURE_REQUEST: ['Request: custom fields on reports', 'Request: SSO for contractors'],
  GENERAL_INQUIRY: ['How to add new users', 'Question about data retention', 'Set up a sandbox'],
};
const TICKET_CATEGORY_WEIGHTS: [GeneratedTicketDetails['category'], number][] = [
  ['PRODUCT_ISSUE', 0.45],
  ['BILLING_ISSUE', 0.15],
  ['FEATURE_REQUEST', 0.15],
  ['GENERAL_INQUIRY', 0.25],
];

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Draws a time of day in the working hours of the portal's US East team (13:00 to 22:00 UTC). */
function workingTimeMs(random: Random): number {
  return random.int(13 * 60, 21 * 60 + 59) * 60_000;
}

function generateContacts(random: Random, input: GeneratorInput): GeneratedContact[] {
  const count = clamp(1 + Math.floor(Math.log2(input.seats + 1) * random.uniform(0.5, 1)), 1, 6);
  const contacts: GeneratedContact[] = [];
  const emails = new Set<string>();
  for (let i = 0; i < count; i++) {
    const firstname = random.pick(FIRST_NAMES);
    const lastname = random.pick(LAST_NAMES);
    let email = `${firstname}.${lastname}@${input.domain}`.toLowerCase();
    if (emails.has(email)) email = email.replace('@', `${i + 1}@`);
    emails.add(email);
    const createdDay = i === 0 ? input.createdDay : input.createdDay + random.int(0, 20);
    contacts.push({
      firstname,
      lastname,
      email,
      jobtitle: i === 0 ? random.pick(LEAD_TITLES) : random.pick(OTHER_TITLES),
      createdMs: createdDay * DAY_MS + workingTimeMs(random),
    });
  }
  return contacts;
}

function generateNotes(
  random: Random,
  input: GeneratorInput,
  contacts: GeneratedContact[],
  csmOwnerId: string,
  aeOwnerId: string,
): GeneratedNote[] {
  const meanGapDays = clamp(
    Math.exp(random.normal(Math.log(NOTE_GAP_MEDIAN_DAYS), NOTE_GAP_LOG_SD)),
    NOTE_GAP_MIN_DAYS,
    NOTE_GAP_MAX_DAYS,
  );
  const notes = new RecentItems<GeneratedNote>((input.recentFromDay ?? -Infinity) * DAY_MS);
  let day = input.createdDay + meanGapDays * random.uniform(0.3, 1);
  while (Math.floor(day) <= input.lastDay) {
    const contactIndex = random.int(0, contacts.length - 1);
    const contact = contacts[contactIndex] as GeneratedContact;
    const formIndex = random.int(0, NOTE_FORMS.length - 1);
    const topicIndex = random.int(0, NOTE_TOPICS.length - 1);
    const timeMs = Math.max(
      Math.floor(day) * DAY_MS + workingTimeMs(random),
      contact.createdMs + 60_000,
    );
    notes.add({
      timeMs,
      contactIndex,
      ownerId: random.chance(0.15) ? aeOwnerId : csmOwnerId,
      formIndex,
      topicIndex,
    });
    day += meanGapDays * random.uniform(0.4, 1.6);
  }
  return notes.sorted();
}

/** Builds the text of a note when the note becomes a record. */
export function noteBody(note: GeneratedNote, contact: GeneratedContact): string {
  const form = NOTE_FORMS[note.formIndex] as string;
  const topic = NOTE_TOPICS[note.topicIndex] as string;
  return `${form} ${contact.firstname} ${contact.lastname} about ${topic}.`;
}

/**
 * Generates quarterly NPS survey responses. Each company has a latent sentiment that drifts by a
 * random walk from one survey to the next. Each contact responds to a survey with probability
 * 0.3, with a score drawn around the sentiment.
 */
function generateNps(
  random: Random,
  input: GeneratorInput,
  contacts: GeneratedContact[],
): GeneratedNpsResponse[] {
  const responses = new RecentItems<GeneratedNpsResponse>(
    (input.recentFromDay ?? -Infinity) * DAY_MS,
  );
  let sentiment = clamp(random.normal(7.8, 1.5), 1, 10);
  for (
    let surveyDay = input.createdDay + random.int(30, 120);
    surveyDay <= input.lastDay;
    surveyDay += NPS_SURVEY_PERIOD_DAYS
  ) {
    sentiment = clamp(sentiment + random.normal(0, 0.6), 0.5, 10);
    contacts.forEach((contact, contactIndex) => {
      if (!random.chance(NPS_RESPONSE_RATE)) return;
      const day = Math.min(surveyDay + random.int(0, 6), input.lastDay);
      const timeMs = Math.max(day * DAY_MS + workingTimeMs(random), contact.createdMs + 60_000);
      const value = clamp(Math.round(random.normal(sentiment, 1.3)), 0, 10);
      responses.add({ timeMs, contactIndex, value });
    });
  }
  return responses.sorted();
}

/** Generates the owners, contacts, notes and NPS responses of one company. */
export function generateCompany(seed: number, input: GeneratorInput): GeneratedCompany {
  const ownerRandom = randomFor(seed, 'owners', input.key);
  const csm = ownerRandom.chance(ARCHIVED_OWNER_SHARE)
    ? ownerRandom.pick(ARCHIVED_CSMS)
    : ownerRandom.pick(ACTIVE_CSMS);
  const ae = ownerRandom.pick(ACCOUNT_EXECUTIVES);
  const contacts = generateContacts(randomFor(seed, 'contacts', input.key), input);
  const seatRandom = randomFor(seed, 'seat-utilisation', input.key);
  return {
    csmOwnerId: csm.id,
    aeOwnerId: ae.id,
    contacts,
    notes: generateNotes(randomFor(seed, 'notes', input.key), input, contacts, csm.id, ae.id),
    npsResponses: generateNps(randomFor(seed, 'nps', input.key), input, contacts),
    seatUtilisation: 0.4 + 0.55 * ((seatRandom.next() + seatRandom.next()) / 2),
  };
}

/**
 * Seats in use in the week numbered `week` (weeks count back from the portal's start day). The
 * value follows the company's utilisation, rises by up to a tenth with product usage per
 * licensed seat, and may exceed the licence by a tenth (rounded up), as seat overage does. Seat
 * counts are sticky in real accounts, so the weekly noise is small: a jump of a fifth or more
 * comes from a change of licensed seats, not from noise.
 */
export function generateSeatsUsed(
  seed: number,
  key: string,
  week: number,
  licensedSeats: number,
  usageEvents7d: number,
  seatUtilisation: number,
): number {
  if (licensedSeats <= 0) return 0;
  const random = randomFor(seed, 'seats-used', key, week);
  const activity = Math.min(1, usageEvents7d / licensedSeats);
  const expected = licensedSeats * seatUtilisation * (0.9 + 0.1 * activity);
  const noisy = expected + random.normal(0, Math.max(0.3, 0.015 * licensedSeats));
  return clamp(Math.round(noisy), 1, Math.ceil(licensedSeats * 1.1));
}

/** Generates a ticket's subject, category, contact and the timing details the data lacks. */
export function generateTicketDetails(
  seed: number,
  key: string,
  ticketId: string,
  contactCount: number,
): GeneratedTicketDetails {
  const random = randomFor(seed, 'ticket', key, ticketId);
  const weights = TICKET_CATEGORY_WEIGHTS.map(([, weight]) => weight);
  const category = (TICKET_CATEGORY_WEIGHTS[random.weightedIndex(weights)] ?? ['PRODUCT_ISSUE'])[0];
  return {
    contactIndex: random.int(0, contactCount - 1),
    category,
    subject: random.pick(TICKET_SUBJECTS[category]),
    waitingStage: random.chance(0.5) ? '2' : '3',
    csatDelayShare: random.next(),
  };
}
