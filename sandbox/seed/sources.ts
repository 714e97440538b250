/**
 * Groups the RavenStack rows by account and resamples them to the requested number of companies.
 */
import type {
  Account,
  ChurnEvent,
  FeatureUsage,
  RavenstackData,
  Subscription,
  SupportTicket,
} from './ravenstack';
import { randomFor } from './random';

/**
 * One company of the portal with its data-set rows. Clones share the rows of their account and
 * differ by a new id and name and by the `scale` factors applied to the rows' numbers.
 */
export interface CompanySource {
  /** Stable key for the generated fields: the account id, plus `~N` for the Nth clone. */
  key: string;
  /** The account row (for a clone: a copy with the new id, name and scaled seats). */
  account: Account;
  /** Sorted by start day. */
  subscriptions: Subscription[];
  /** Sorted by day. */
  usage: FeatureUsage[];
  /** Sorted by submitted day. */
  tickets: SupportTicket[];
  /** Sorted by day. */
  churnEvents: ChurnEvent[];
  /** Factors on seat counts, revenue and usage counts, all 1 for an original account. */
  scale: { seats: number; revenue: number; usage: number };
  /** Appended to the ids of the rows ('' for an original account). */
  idSuffix: string;
  /**
   * Keep only recent history (see the light-history notes in sandbox/data/README.md). Set on the
   * clones of portals larger than LIGHT_HISTORY_ABOVE companies, so 100,000 companies fit in
   * memory.
   */
  lightHistory: boolean;
}

/** Portals with more companies than this give their clones a light history. */
export const LIGHT_HISTORY_ABOVE = 5_000;
/** Largest portal the builder accepts. */
export const MAX_COMPANIES = 200_000;

type AccountRows = Pick<
  CompanySource,
  'account' | 'subscriptions' | 'usage' | 'tickets' | 'churnEvents'
>;

const UNSCALED = { seats: 1, revenue: 1, usage: 1 };

const groupedCache = new WeakMap<RavenstackData, AccountRows[]>();

function groupByAccount(data: RavenstackData): AccountRows[] {
  const cached = groupedCache.get(data);
  if (cached) return cached;
  const byId = new Map<string, AccountRows>();
  for (const account of data.accounts) {
    byId.set(account.id, { account, subscriptions: [], usage: [], tickets: [], churnEvents: [] });
  }
  const rowsOf = (accountId: string) => byId.get(accountId) as AccountRows;
  for (const row of data.subscriptions) rowsOf(row.accountId).subscriptions.push(row);
  for (const row of data.usage) rowsOf(row.accountId).usage.push(row);
  for (const row of data.tickets) rowsOf(row.accountId).tickets.push(row);
  for (const row of data.churnEvents) rowsOf(row.accountId).churnEvents.push(row);
  // Array.prototype.sort is stable, so rows of one day keep their file order.
  for (const rows of byId.values()) {
    rows.subscriptions.sort((a, b) => a.startDay - b.startDay);
    rows.usage.sort((a, b) => a.day - b.day);
    rows.tickets.sort((a, b) => a.submittedDay - b.submittedDay);
    rows.churnEvents.sort((a, b) => a.day - b.day);
  }
  const grouped = [...byId.values()];
  groupedCache.set(data, grouped);
  return grouped;
}

/** Seats of a subscription or account row of this company. */
export function scaledSeats(source: CompanySource, seats: number): number {
  return source.scale.seats === 1 ? seats : Math.max(1, Math.round(seats * source.scale.seats));
}

/** MRR and ARR of a subscription of this company. */
export function scaledRevenue(
  source: CompanySource,
  subscription: Subscription,
): { mrr: number; arr: number } {
  const factor = source.scale.revenue;
  if (factor === 1) return { mrr: subscription.mrr, arr: subscription.arr };
  const mrr = Math.round(subscription.mrr * factor);
  // The data set's ARR is always 12 times MRR, and clones keep that relation.
  const arr =
    subscription.arr === subscription.mrr * 12 ? mrr * 12 : Math.round(subscription.arr * factor);
  return { mrr, arr };
}

/** Copies an account under a new id and name, with its numbers scaled by 0.7 to 1.3. */
function cloneAccount(
  seed: number,
  rows: AccountRows,
  cloneNumber: number,
  name: string,
  lightHistory: boolean,
): CompanySource {
  const idSuffix = `~${cloneNumber}`;
  const key = rows.account.id + idSuffix;
  const random = randomFor(seed, 'clone', key);
  const scale = {
    seats: random.uniform(0.8, 1.2),
    revenue: random.uniform(0.8, 1.2),
    usage: random.uniform(0.7, 1.3),
  };
  const source: CompanySource = { ...rows, key, scale, idSuffix, lightHistory };
  source.account = {
    ...rows.account,
    id: key,
    name,
    seats: scaledSeats(source, rows.account.seats),
  };
  return source;
}

/**
 * Returns `count` companies. Fewer than the data set has: a seeded sample of its accounts, in file
 * order. More: every account once, then clones in rounds over the accounts in file order, so each
 * account is cloned equally often (give or take one) and the shares of the data set stay the same.
 * Clones keep every relation of their account: subscriptions, usage, tickets and churn events.
 */
export function selectCompanies(
  data: RavenstackData,
  count: number | undefined,
  seed: number,
): CompanySource[] {
  const grouped = groupByAccount(data);
  const asSource = (rows: AccountRows): CompanySource => ({
    ...rows,
    key: rows.account.id,
    scale: UNSCALED,
    idSuffix: '',
    lightHistory: false,
  });
  if (count === undefined || count === grouped.length) return grouped.map(asSource);

  if (count < grouped.length) {
    const random = randomFor(seed, 'sample');
    const order = grouped.map((_, index) => index);
    for (let i = order.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const chosen = order.slice(0, count).sort((a, b) => a - b);
    return chosen.map((index) => asSource(grouped[index] as AccountRows));
  }

  const sources = grouped.map(asSource);
  const lightHistory = count > LIGHT_HISTORY_ABOVE;
  for (let k = 0; k < count - grouped.length; k++) {
    const rows = grouped[k % grouped.length] as AccountRows;
    const cloneNumber = Math.floor(k / grouped.length) + 1;
    const name = `Company_${grouped.length + k}`;
    sources.push(cloneAccount(seed, rows, cloneNumber, name, lightHistory));
  }
  return sources;
}
