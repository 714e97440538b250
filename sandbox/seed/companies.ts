/** Company records: static properties, the daily data-driven properties and their history. */
import { DAY_MS } from './dates';
import type { Clock, Draft, ScenarioBuilder, SeedCollector } from './context';
import { numberText, Phase } from './context';
import { generateSeatsUsed, type GeneratedCompany } from './generate';
import { COUNTRY_BY_CODE, INDUSTRY_BY_VERTICAL } from './properties';
import { addYears } from './dates';
import type { CompanySource } from './sources';
import {
  DAY_INDEX,
  DAY_PROPERTIES,
  fillCompanyDay,
  usageEvents7dOn,
  type DayValue,
} from './timeline';
import type { SeedRecord } from './types';

/** Everything the record builders know about one company of the portal. */
export interface CompanyBuild {
  source: CompanySource;
  generated: GeneratedCompany;
  /** Data-set day the company record was created. */
  createdDay: number;
  domain: string;
  company: Draft;
  contacts: Draft[];
  /** Association lists shared by the company's scenario creations (see `companyLinks`). */
  links?: import('./activities').CompanyLinks;
  /** The last seats-in-use value, reused while the week and licensed seats stay the same. */
  seatsUsed?: { week: number; licensed: number; value: number };
}

/** Weekly history entries kept for a clone with light history: 26 weeks plus the current week. */
const LIGHT_HISTORY_WEEKS = 26;

type ValueKind = 'text' | 'number' | 'bool' | 'day';

const KIND_BY_PROPERTY: Record<(typeof DAY_PROPERTIES)[number], ValueKind> = {
  plan_tier: 'text',
  licensed_seats: 'number',
  mrr: 'number',
  arr: 'number',
  contract_renewal_date: 'day',
  auto_renew: 'bool',
  usage_events_7d: 'number',
  active_features_30d: 'number',
  premium_features_used: 'number',
  last_product_activity_date: 'day',
  churn_date: 'day',
  churn_reason: 'text',
  customer_since: 'day',
  seats_used: 'number',
};
const KINDS = DAY_PROPERTIES.map((name) => KIND_BY_PROPERTY[name]);
/** Properties whose history has a value every seven days. The others record each change. */
const WEEKLY = DAY_PROPERTIES.map((name) =>
  ['usage_events_7d', 'active_features_30d', 'premium_features_used', 'seats_used'].includes(name),
);

/** Formats a value as a HubSpot string. Null becomes '' (cleared). */
function formatValue(clock: Clock, index: number, value: DayValue): string {
  if (value === null) return '';
  const kind = KINDS[index];
  if (kind === 'day') return clock.realDate(value as number);
  if (kind === 'number') return numberText(value as number);
  return String(value);
}

type HistoryEntry = { value: string; timestamp: string };

/** Computes the daily properties of companies, including the generated seats in use. */
export class CompanyDays {
  private readonly entries = new Map<string, Map<string, HistoryEntry>>();

  /**
   * Returns a frozen history entry shared by every company with the same value at the same
   * time. Weekly values repeat across thousands of companies, so sharing saves most of the
   * memory of large portals' history.
   */
  entry(value: string, timestamp: string): HistoryEntry {
    let byValue = this.entries.get(timestamp);
    if (!byValue) {
      byValue = new Map();
      this.entries.set(timestamp, byValue);
    }
    let entry = byValue.get(value);
    if (!entry) {
      entry = Object.freeze({ value, timestamp });
      byValue.set(value, entry);
    }
    return entry;
  }

  constructor(
    readonly clock: Clock,
    private readonly seed: number,
  ) {}

  /**
   * Seats in use change on weekly anchor days counted from the start day, and whenever the
   * licensed seats change. They follow usage on the anchor day.
   */
  private seatsUsedOn(build: CompanyBuild, day: number, values: DayValue[]): number {
    const week = Math.floor((day - this.clock.startDay) / 7);
    const licensed = values[DAY_INDEX.licensed_seats] as number;
    const cached = build.seatsUsed;
    if (cached && cached.week === week && cached.licensed === licensed) return cached.value;
    const anchorDay = this.clock.startDay + week * 7;
    const usage7d =
      anchorDay === day
        ? (values[DAY_INDEX.usage_events_7d] as number)
        : usageEvents7dOn(build.source, anchorDay);
    const value = generateSeatsUsed(
      this.seed,
      build.source.key,
      week,
      licensed,
      usage7d,
      build.generated.seatUtilisation,
    );
    build.seatsUsed = { week, licensed, value };
    return value;
  }

  /** Fills `values` with the company's daily properties on `day`. */
  fill(build: CompanyBuild, day: number, values: DayValue[]): void {
    fillCompanyDay(build.source, day, values);
    values[DAY_INDEX.seats_used] = this.seatsUsedOn(build, day, values);
  }
}

function staticProperties(build: CompanyBuild): Record<string, string> {
  const { account } = build.source;
  return {
    name: account.name,
    domain: build.domain,
    country: COUNTRY_BY_CODE[account.country] ?? account.country,
    industry: INDUSTRY_BY_VERTICAL[account.industry] ?? '',
    vertical: account.industry,
    lifecyclestage: 'customer',
    external_account_id: account.id,
    acquisition_channel: account.referralSource,
    is_trial: String(account.isTrial),
    hubspot_owner_id: build.generated.csmOwnerId,
    account_executive_owner_id: build.generated.aeOwnerId,
  };
}

/** Days on which a change-driven property may change: subscription, churn and usage days. */
function changeDays(build: CompanyBuild, clock: Clock): number[] {
  const days = new Set<number>([build.createdDay]);
  for (const subscription of build.source.subscriptions) {
    days.add(subscription.startDay);
    if (subscription.endDay !== null) days.add(subscription.endDay);
    const stop = Math.min(subscription.endDay ?? Infinity, clock.startDay);
    for (let years = 1; addYears(subscription.startDay, years) <= stop; years++) {
      days.add(addYears(subscription.startDay, years));
    }
  }
  for (const event of build.source.churnEvents) days.add(event.day);
  // Each usage day moves last_product_activity_date.
  for (const row of build.source.usage) days.add(row.day);
  days.add(build.source.account.signupDay);
  return [...days]
    .filter((day) => day >= build.createdDay && day <= clock.startDay)
    .sort((a, b) => a - b);
}

/** Appends the entry unless the value is unchanged, or cleared before it was ever set. */
function pushChange(
  history: Record<string, HistoryEntry[]>,
  name: string,
  entry: HistoryEntry,
): void {
  const entries = history[name];
  const last = entries?.[entries.length - 1];
  if (last ? last.value === entry.value : entry.value === '') return;
  if (entries) entries.push(entry);
  else history[name] = [entry];
}

/**
 * Builds the history of the company's daily properties up to the start day. The weekly
 * properties get their value on every seventh day counted back from the start day, and the others
 * get an entry whenever they change. The last entry of each list is the current value.
 */
function companyHistory(
  build: CompanyBuild,
  clock: Clock,
  days: CompanyDays,
): NonNullable<SeedRecord['history']> {
  const history: Record<string, { value: string; timestamp: string }[]> = {};
  if (build.source.lightHistory) {
    const entries: { value: string; timestamp: string }[] = [];
    for (let week = LIGHT_HISTORY_WEEKS; week >= 0; week--) {
      const day = clock.startDay - week * 7;
      const value = numberText(usageEvents7dOn(build.source, day));
      entries.push(days.entry(value, clock.seedIso(day * DAY_MS)));
    }
    history.usage_events_7d = entries;
    return history;
  }

  const values: DayValue[] = [];
  for (let week = Math.floor((clock.startDay - clock.firstDay) / 7); week >= 0; week--) {
    const day = clock.startDay - week * 7;
    days.fill(build, day, values);
    const timestamp = clock.seedIso(day * DAY_MS);
    DAY_PROPERTIES.forEach((name, index) => {
      if (!WEEKLY[index]) return;
      const entries = (history[name] ??= []);
      entries.push(days.entry(formatValue(clock, index, values[index] as DayValue), timestamp));
    });
  }
  for (const day of changeDays(build, clock)) {
    days.fill(build, day, values);
    const timestamp = clock.seedIso(day * DAY_MS);
    DAY_PROPERTIES.forEach((name, index) => {
      if (WEEKLY[index]) return;
      const value = formatValue(clock, index, values[index] as DayValue);
      pushChange(history, name, days.entry(value, timestamp));
    });
  }
  return history;
}

/** Adds the company's seed record: its state at the end of the start day, with history. */
export function emitCompanySeed(
  build: CompanyBuild,
  clock: Clock,
  days: CompanyDays,
  seed: SeedCollector,
): void {
  const history = companyHistory(build, clock, days);
  const properties = staticProperties(build);
  const values: DayValue[] = [];
  days.fill(build, clock.startDay, values);
  DAY_PROPERTIES.forEach((name, index) => {
    const value = values[index] as DayValue;
    if (value !== null) properties[name] = formatValue(clock, index, value);
  });

  const nps = build.generated.npsResponses;
  const seedResponses = nps.filter((response) => clock.dayOf(response.timeMs) <= clock.startDay);
  const latest = seedResponses[seedResponses.length - 1];
  if (latest) {
    properties.nps_score = numberText(latest.value);
    const kept = build.source.lightHistory ? [latest] : seedResponses;
    history.nps_score = kept.map((response) => ({
      value: numberText(response.value),
      timestamp: clock.seedIso(response.timeMs),
    }));
  }
  seed.add('companies', build.company, {
    id: build.company.id,
    properties,
    history,
    createdAt: clock.seedIso(build.createdDay * DAY_MS),
  });
}

/**
 * Adds one update for each day of the builder's range on which any of the company's daily
 * properties changes, with the changed properties only.
 */
export function emitCompanyScenario(
  build: CompanyBuild,
  days: CompanyDays,
  scenario: ScenarioBuilder,
): void {
  let previous: DayValue[] = [];
  let current: DayValue[] = [];
  days.fill(build, scenario.firstDay - 1, previous);
  // Two buffers swap roles each day, so the daily loop allocates only for real changes.
  for (let day = scenario.firstDay; day <= scenario.lastDay; day++) {
    days.fill(build, day, current);
    let changed: Record<string, string> | undefined;
    for (let index = 0; index < DAY_PROPERTIES.length; index++) {
      if (current[index] === previous[index]) continue;
      const name = DAY_PROPERTIES[index] as string;
      (changed ??= {})[name] = formatValue(days.clock, index, current[index] as DayValue);
    }
    if (changed) {
      scenario.add(day, Phase.CompanyState, {
        kind: 'update',
        objectType: 'companies',
        id: build.company.id,
        properties: changed,
      });
    }
    [previous, current] = [current, previous];
  }
}
