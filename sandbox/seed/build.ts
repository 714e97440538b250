/** Assembles a RavenStack portal: seed records at the start day and the scenario after it. */
import path from 'node:path';
import {
  contactCreatedMs,
  draftActivities,
  emitActivities,
  emitContacts,
  type ActivityBuild,
  type EmitTarget,
} from './activities';
import { CompanyDays, emitCompanyScenario, emitCompanySeed, type CompanyBuild } from './companies';
import { Clock, FIRST_IDS, IdSequence, ScenarioBuilder, SeedCollector } from './context';
import { DAY_MS, isoDay } from './dates';
import { draftDeals, emitDeals, type DealBuild } from './deals';
import { generateCompany } from './generate';
import { OWNERS } from './owners';
import { CUSTOM_PROPERTIES, PROPERTY_GROUPS } from './properties';
import { loadRavenstack, type RavenstackData } from './ravenstack';
import { MAX_COMPANIES, selectCompanies } from './sources';
import type {
  BuiltPortal,
  RavenstackPortalOptions,
  ScenarioChange,
  ScenarioDay,
  SeedPortal,
} from './types';

/** Data-set days the scenario covers after the start day. */
export const SCENARIO_DAYS = 30;
export const PORTAL_TIME_ZONE = 'America/New_York';
export const DEFAULT_RANDOM_SEED = 1;
export const DEFAULT_DATA_DIR = path.resolve(__dirname, '../data/ravenstack');

const dataCache = new Map<string, RavenstackData>();

/** Loads the data files once per folder; the parsed rows are shared and never modified. */
function cachedData(dataDir: string): RavenstackData {
  const resolved = path.resolve(dataDir);
  let data = dataCache.get(resolved);
  if (!data) {
    data = loadRavenstack(resolved);
    dataCache.set(resolved, data);
  }
  return data;
}

function checkOptions(options: RavenstackPortalOptions): void {
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) {
    throw new Error(`now must be a valid Date, got ${String(options.now)}.`);
  }
  const { companies, randomSeed } = options;
  if (
    companies !== undefined &&
    (!Number.isInteger(companies) || companies < 1 || companies > MAX_COMPANIES)
  ) {
    throw new Error(
      `companies must be a whole number from 1 to ${MAX_COMPANIES}, got ${companies}. ` +
        'Leave it unset for the 500 RavenStack accounts.',
    );
  }
  if (randomSeed !== undefined && !Number.isSafeInteger(randomSeed)) {
    throw new Error(`randomSeed must be a whole number, got ${randomSeed}.`);
  }
}

/** Builds a domain under the reserved `.example` top-level domain, so no real company is named. */
function domainFor(name: string): string {
  return `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`;
}

/** Copies of the owners and property definitions, so no portal can change another's. */
function portalDefinitions(): Pick<SeedPortal, 'owners' | 'propertyGroups' | 'properties'> {
  return {
    owners: structuredClone([...OWNERS]),
    propertyGroups: structuredClone(PROPERTY_GROUPS),
    properties: structuredClone(CUSTOM_PROPERTIES),
  };
}

/**
 * Builds a portal from the RavenStack files: the seed at the start day and the scenario of the
 * 30 days after it. The mapping and the generated model are described in sandbox/data/README.md.
 *
 * TODO: 100,000 companies take about 8 s of CPU and 800 MB: 470 MB of seed records and 330 MB of
 * build data that the lazy scenario days keep until all of them have been read.
 */
export function buildRavenstackPortal(options: RavenstackPortalOptions): BuiltPortal {
  checkOptions(options);
  const seedNumber = options.randomSeed ?? DEFAULT_RANDOM_SEED;
  const data = cachedData(options.dataDir ?? DEFAULT_DATA_DIR);
  const startDay = data.lastDay - SCENARIO_DAYS;
  const clock = new Clock(startDay, data.lastDay, data.firstDay, options.now);

  const companyIds = new IdSequence(FIRST_IDS.companies);
  const contactIds = new IdSequence(FIRST_IDS.contacts);
  const dealIds = new IdSequence(FIRST_IDS.deals);
  const activityIds = {
    tickets: new IdSequence(FIRST_IDS.tickets),
    notes: new IdSequence(FIRST_IDS.notes),
    feedbackSubmissions: new IdSequence(FIRST_IDS.feedbackSubmissions),
  };

  const companies = selectCompanies(data, options.companies, seedNumber).map((source) => {
    // Accounts that sign up after the start day already have usage and tickets before it, so
    // their records exist from the start day on. customer_since carries the signup day.
    const createdDay = Math.min(source.account.signupDay, startDay);
    const domain = domainFor(source.account.name);
    const generated = generateCompany(seedNumber, {
      key: source.key,
      domain,
      createdDay,
      seats: source.account.seats,
      lastDay: data.lastDay,
      // A light history keeps the latest note and NPS response before the start, which set
      // notes_last_contacted and nps_score.
      recentFromDay: source.lightHistory ? startDay + 1 : undefined,
    });
    const build: CompanyBuild = {
      source,
      generated,
      createdDay,
      domain,
      company: companyIds.add(createdDay * DAY_MS),
      contacts: generated.contacts.map((contact) =>
        contactIds.add(contactCreatedMs(contact, clock)),
      ),
    };
    return {
      build,
      activities: draftActivities(build, clock, seedNumber, activityIds),
      deals: draftDeals(build, startDay, data.lastDay, dealIds),
    };
  });
  for (const ids of [companyIds, contactIds, dealIds, ...Object.values(activityIds)]) ids.assign();

  const seed = new SeedCollector({
    companies: companyIds.size,
    contacts: contactIds.size,
    deals: dealIds.size,
    tickets: activityIds.tickets.size,
    notes: activityIds.notes.size,
    feedbackSubmissions: activityIds.feedbackSubmissions.size,
  });
  const days = new CompanyDays(clock, seedNumber);
  const seedTarget: EmitTarget = { clock, seed, scenario: null };
  for (const { build, activities, deals } of companies) {
    emitCompanySeed(build, clock, days, seed);
    emitContacts(build, seed, clock);
    emitDeals(build, deals, seedTarget);
    emitActivities(activities, seedTarget);
  }

  return {
    seed: {
      dataSetStart: isoDay(startDay),
      offsetMs: clock.offsetMs,
      timeZone: PORTAL_TIME_ZONE,
      ...portalDefinitions(),
      companies: seed.records('companies'),
      contacts: seed.records('contacts'),
      deals: seed.records('deals'),
      tickets: seed.records('tickets'),
      notes: seed.records('notes'),
      feedbackSubmissions: seed.records('feedbackSubmissions'),
      associations: seed.associations,
    },
    scenario: lazyScenario(
      clock,
      days,
      companies.map((parts) => scenarioPart(parts, clock)),
    ),
  };
}

interface CompanyParts {
  build: CompanyBuild;
  activities: ActivityBuild;
  deals: DealBuild[];
}

/**
 * Keeps what the scenario days need of a company: its tickets, notes and responses with changes
 * after the start day. The seed's records were built already, so the rest can be released.
 */
function scenarioPart({ build, activities, deals }: CompanyParts, clock: Clock): CompanyParts {
  const after = (ms: number | null) => ms !== null && clock.dayOf(ms) > clock.startDay;
  const tickets = activities.tickets.filter(
    (ticket) =>
      ticket.ticket.submittedDay > clock.startDay ||
      after(ticket.ticket.closedAtMs) ||
      after(ticket.firstResponseMs) ||
      after(ticket.csat?.timeMs ?? null),
  );
  const kept: CompanyBuild = {
    ...build,
    generated: { ...build.generated, notes: [], npsResponses: [] },
  };
  return {
    build: kept,
    activities: {
      company: kept,
      tickets,
      notes: activities.notes.filter(({ note }) => after(note.timeMs)),
      npsResponses: activities.npsResponses.filter(({ response }) => after(response.timeMs)),
    },
    deals,
  };
}

/**
 * Returns the scenario days. Each day's `changes` are built on their first read and kept, so a
 * portal of 100,000 companies pays for a day only when it is played. A day's changes depend on
 * the build's data alone, so the order of reads does not change them. The data is released once
 * every day has been read.
 */
function lazyScenario(clock: Clock, days: CompanyDays, parts: CompanyParts[]): ScenarioDay[] {
  let companies: CompanyParts[] | null = parts;
  let unread = clock.lastDay - clock.startDay;
  const buildDay = (day: number): ScenarioChange[] => {
    const builder = new ScenarioBuilder(day, day);
    const target: EmitTarget = { clock, seed: null, scenario: builder };
    for (const { build, activities, deals } of companies as CompanyParts[]) {
      emitCompanyScenario(build, days, builder);
      emitDeals(build, deals, target);
      emitActivities(activities, target);
    }
    if (--unread === 0) companies = null;
    return (builder.build()[0] as ScenarioDay).changes;
  };

  const scenario: ScenarioDay[] = [];
  for (let day = clock.startDay + 1; day <= clock.lastDay; day++) {
    let changes: ScenarioChange[] | undefined;
    scenario.push({
      day: isoDay(day),
      get changes(): ScenarioChange[] {
        return (changes ??= buildDay(day));
      },
    });
  }
  return scenario;
}

/**
 * Builds a portal with the owners and custom property definitions but no records and no
 * scenario, for tests that create their own data. Its data-set time is real time (offset 0).
 */
export function buildEmptyPortal(options: { now: Date }): BuiltPortal {
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) {
    throw new Error(`now must be a valid Date, got ${String(options.now)}.`);
  }
  return {
    seed: {
      dataSetStart: options.now.toISOString().slice(0, 10),
      offsetMs: 0,
      timeZone: PORTAL_TIME_ZONE,
      ...portalDefinitions(),
      companies: [],
      contacts: [],
      deals: [],
      tickets: [],
      notes: [],
      feedbackSubmissions: [],
      associations: [],
    },
    scenario: [],
  };
}
