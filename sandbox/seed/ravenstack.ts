/**
 * Loads the RavenStack CSV files into typed rows. Churn outcomes come from the churn events only.
 * The `churn_flag` columns of accounts and subscriptions are checked for presence but never read,
 * because the data set's three churn labels disagree with each other and only the events have
 * dates.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DAY_MS, parseDataSetTimestamp, parseIsoDay } from './dates';

export const PLAN_TIERS = ['Basic', 'Pro', 'Enterprise'] as const;
export type PlanTier = (typeof PLAN_TIERS)[number];
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Account {
  id: string;
  name: string;
  industry: string;
  country: string;
  signupDay: number;
  referralSource: string;
  planTier: PlanTier;
  seats: number;
  isTrial: boolean;
}

export interface Subscription {
  id: string;
  accountId: string;
  startDay: number;
  /** Epoch day the subscription ended, or null while it runs. */
  endDay: number | null;
  planTier: PlanTier;
  seats: number;
  mrr: number;
  arr: number;
  isTrial: boolean;
  billingFrequency: string;
  autoRenew: boolean;
}

export interface FeatureUsage {
  subscriptionId: string;
  /** Resolved through the subscription. */
  accountId: string;
  day: number;
  feature: string;
  count: number;
  isBeta: boolean;
}

export interface SupportTicket {
  id: string;
  accountId: string;
  submittedDay: number;
  /** Epoch milliseconds in data-set time. */
  closedAtMs: number | null;
  priority: Priority;
  firstResponseMinutes: number;
  /** CSAT from 1 to 5, or null when the customer gave none. */
  satisfaction: number | null;
  escalated: boolean;
}

export interface ChurnEvent {
  id: string;
  accountId: string;
  day: number;
  reasonCode: string;
}

export interface RavenstackData {
  accounts: Account[];
  subscriptions: Subscription[];
  usage: FeatureUsage[];
  tickets: SupportTicket[];
  churnEvents: ChurnEvent[];
  /** Earliest date in any file (epoch day). */
  firstDay: number;
  /** Latest date in any file (epoch day): the day the data set ends. */
  lastDay: number;
}

export const RAVENSTACK_FILES = {
  accounts: 'ravenstack_accounts.csv',
  subscriptions: 'ravenstack_subscriptions.csv',
  usage: 'ravenstack_feature_usage.csv',
  tickets: 'ravenstack_support_tickets.csv',
  churnEvents: 'ravenstack_churn_events.csv',
} as const;

const COLUMNS = {
  accounts: [
    'account_id',
    'account_name',
    'industry',
    'country',
    'signup_date',
    'referral_source',
    'plan_tier',
    'seats',
    'is_trial',
    'churn_flag',
  ],
  subscriptions: [
    'subscription_id',
    'account_id',
    'start_date',
    'end_date',
    'plan_tier',
    'seats',
    'mrr_amount',
    'arr_amount',
    'is_trial',
    'upgrade_flag',
    'downgrade_flag',
    'churn_flag',
    'billing_frequency',
    'auto_renew_flag',
  ],
  usage: [
    'usage_id',
    'subscription_id',
    'usage_date',
    'feature_name',
    'usage_count',
    'usage_duration_secs',
    'error_count',
    'is_beta_feature',
  ],
  tickets: [
    'ticket_id',
    'account_id',
    'submitted_at',
    'closed_at',
    'resolution_time_hours',
    'priority',
    'first_response_time_minutes',
    'satisfaction_score',
    'escalation_flag',
  ],
  churnEvents: [
    'churn_event_id',
    'account_id',
    'churn_date',
    'reason_code',
    'refund_amount_usd',
    'preceding_upgrade_flag',
    'preceding_downgrade_flag',
    'is_reactivation',
    'feedback_text',
  ],
} as const satisfies Record<keyof typeof RAVENSTACK_FILES, readonly string[]>;

/** One CSV row with typed accessors whose errors name the file, line, column and value. */
class Row {
  constructor(
    private readonly file: string,
    private readonly line: number,
    private readonly cells: Record<string, string>,
  ) {}

  private fail(column: string, expected: string): never {
    const value = this.cells[column];
    throw new Error(
      `${this.file} line ${this.line}: ${column} ${JSON.stringify(value)} is not ${expected}. ` +
        'Restore the file from sandbox/data/ravenstack or fix the value.',
    );
  }

  text(column: string): string {
    const value = this.cells[column];
    if (value === undefined || value === '') this.fail(column, 'a non-empty value');
    return value;
  }

  day(column: string): number {
    return parseIsoDay(this.text(column)) ?? this.fail(column, 'a date (YYYY-MM-DD)');
  }

  optionalDay(column: string): number | null {
    if (this.cells[column] === '') return null;
    return this.day(column);
  }

  whole(column: string): number {
    const value = Number(this.text(column));
    if (!Number.isInteger(value) || value < 0) this.fail(column, 'a whole number');
    return value;
  }

  /** Whole numbers that pandas wrote as floats, such as `4.0`. */
  optionalWholeFloat(column: string): number | null {
    if (this.cells[column] === '') return null;
    const value = Number(this.text(column));
    if (!Number.isInteger(value)) this.fail(column, 'a whole number');
    return value;
  }

  /** `YYYY-MM-DD HH:MM:SS` in UTC, as epoch milliseconds, or null when empty. */
  optionalTimestamp(column: string): number | null {
    if (this.cells[column] === '') return null;
    return (
      parseDataSetTimestamp(this.text(column)) ?? this.fail(column, 'a time (YYYY-MM-DD HH:MM:SS)')
    );
  }

  bool(column: string): boolean {
    const value = this.text(column);
    if (value === 'True') return true;
    if (value === 'False') return false;
    return this.fail(column, 'True or False');
  }

  oneOf<T extends string>(column: string, allowed: readonly T[]): T {
    const value = this.text(column);
    if (!(allowed as readonly string[]).includes(value)) {
      this.fail(column, `one of ${allowed.join(', ')}`);
    }
    return value as T;
  }
}

function readRows(dataDir: string, key: keyof typeof RAVENSTACK_FILES): Row[] {
  const file = RAVENSTACK_FILES[key];
  const filePath = path.join(dataDir, file);
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    throw new Error(
      `Cannot read ${filePath} (${(error as Error).message}). Pass a dataDir that contains the ` +
        `five RavenStack CSV files, or leave it unset to use sandbox/data/ravenstack.`,
    );
  }
  const records = parse(text, { columns: false, skip_empty_lines: true }) as string[][];
  const header = records[0] ?? [];
  const expected = COLUMNS[key];
  if (header.join(',') !== expected.join(',')) {
    throw new Error(
      `${filePath}: header is "${header.join(',')}" but "${expected.join(',')}" is required.`,
    );
  }
  return records.slice(1).map((cells, index) => {
    const named: Record<string, string> = {};
    expected.forEach((column, i) => (named[column] = cells[i] ?? ''));
    return new Row(file, index + 2, named);
  });
}

function parseAccount(row: Row): Account {
  return {
    id: row.text('account_id'),
    name: row.text('account_name'),
    industry: row.text('industry'),
    country: row.text('country'),
    signupDay: row.day('signup_date'),
    referralSource: row.text('referral_source'),
    planTier: row.oneOf('plan_tier', PLAN_TIERS),
    seats: row.whole('seats'),
    isTrial: row.bool('is_trial'),
  };
}

function parseSubscription(row: Row): Subscription {
  return {
    id: row.text('subscription_id'),
    accountId: row.text('account_id'),
    startDay: row.day('start_date'),
    endDay: row.optionalDay('end_date'),
    planTier: row.oneOf('plan_tier', PLAN_TIERS),
    seats: row.whole('seats'),
    mrr: row.whole('mrr_amount'),
    arr: row.whole('arr_amount'),
    isTrial: row.bool('is_trial'),
    billingFrequency: row.text('billing_frequency'),
    autoRenew: row.bool('auto_renew_flag'),
  };
}

function parseTicket(row: Row): SupportTicket {
  const satisfaction = row.optionalWholeFloat('satisfaction_score');
  if (satisfaction !== null && (satisfaction < 1 || satisfaction > 5)) {
    row.oneOf('satisfaction_score', ['1.0', '2.0', '3.0', '4.0', '5.0', '']);
  }
  return {
    id: row.text('ticket_id'),
    accountId: row.text('account_id'),
    submittedDay: row.day('submitted_at'),
    closedAtMs: row.optionalTimestamp('closed_at'),
    priority: row.oneOf('priority', PRIORITIES),
    firstResponseMinutes: row.whole('first_response_time_minutes'),
    satisfaction,
    escalated: row.bool('escalation_flag'),
  };
}

function parseChurnEvent(row: Row): ChurnEvent {
  return {
    id: row.text('churn_event_id'),
    accountId: row.text('account_id'),
    day: row.day('churn_date'),
    reasonCode: row.text('reason_code'),
  };
}

function requireKnown(ids: Set<string>, id: string, what: string): void {
  if (!ids.has(id)) {
    throw new Error(
      `${what} refers to ${JSON.stringify(id)}, which no row of its parent file has.`,
    );
  }
}

/** Reads and checks the five files in `dataDir`. */
export function loadRavenstack(dataDir: string): RavenstackData {
  const accounts = readRows(dataDir, 'accounts').map(parseAccount);
  const accountIds = new Set(accounts.map((account) => account.id));
  const subscriptions = readRows(dataDir, 'subscriptions').map(parseSubscription);
  const accountOfSubscription = new Map<string, string>();
  for (const subscription of subscriptions) {
    requireKnown(accountIds, subscription.accountId, `Subscription ${subscription.id}`);
    accountOfSubscription.set(subscription.id, subscription.accountId);
  }

  const usage = readRows(dataDir, 'usage').map((row): FeatureUsage => {
    const subscriptionId = row.text('subscription_id');
    const accountId = accountOfSubscription.get(subscriptionId);
    if (accountId === undefined) requireKnown(new Set(), subscriptionId, 'A feature-usage row');
    return {
      subscriptionId,
      accountId: accountId as string,
      day: row.day('usage_date'),
      feature: row.text('feature_name'),
      count: row.whole('usage_count'),
      isBeta: row.bool('is_beta_feature'),
    };
  });

  const tickets = readRows(dataDir, 'tickets').map(parseTicket);
  for (const ticket of tickets) requireKnown(accountIds, ticket.accountId, `Ticket ${ticket.id}`);
  const churnEvents = readRows(dataDir, 'churnEvents').map(parseChurnEvent);
  for (const event of churnEvents) {
    requireKnown(accountIds, event.accountId, `Churn event ${event.id}`);
  }

  let firstDay = Infinity;
  let lastDay = -Infinity;
  const include = (day: number) => {
    firstDay = Math.min(firstDay, day);
    lastDay = Math.max(lastDay, day);
  };
  for (const account of accounts) include(account.signupDay);
  for (const row of subscriptions) {
    include(row.startDay);
    if (row.endDay !== null) include(row.endDay);
  }
  for (const row of usage) include(row.day);
  for (const row of tickets) {
    include(row.submittedDay);
    if (row.closedAtMs !== null) include(Math.floor(row.closedAtMs / DAY_MS));
  }
  for (const row of churnEvents) include(row.day);
  if (!Number.isFinite(lastDay)) throw new Error(`${dataDir}: the RavenStack files have no rows.`);

  return { accounts, subscriptions, usage, tickets, churnEvents, firstDay, lastDay };
}
