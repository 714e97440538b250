/**
 * The data-driven company properties on a given data-set day: the current subscription, rolling
 * usage windows and churn outcomes. Everything is computed from rows dated on or before that day.
 */
import { addYears } from './dates';
import type { ChurnEvent, FeatureUsage, PlanTier, Subscription } from './ravenstack';
import { scaledRevenue, scaledSeats, type CompanySource } from './sources';

/** Index of the first row with `day >= target` in rows sorted by day. */
function lowerBound(rows: readonly FeatureUsage[], target: number): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((rows[middle] as FeatureUsage).day < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Sum of usage counts in the 7 days ending on `day`, scaled for a clone. */
export function usageEvents7dOn(source: CompanySource, day: number): number {
  const { usage } = source;
  const end = lowerBound(usage, day + 1);
  let events = 0;
  for (let i = lowerBound(usage, day - 6); i < end; i++) events += (usage[i] as FeatureUsage).count;
  return source.scale.usage === 1 ? events : Math.round(events * source.scale.usage);
}

/** True when a row before `index` (from `first` on) names the same feature. */
function seenBefore(
  usage: readonly FeatureUsage[],
  first: number,
  index: number,
  betaOnly: boolean,
) {
  const feature = (usage[index] as FeatureUsage).feature;
  for (let j = first; j < index; j++) {
    const row = usage[j] as FeatureUsage;
    if (row.feature === feature && (!betaOnly || row.isBeta)) return true;
  }
  return false;
}

/**
 * Returns the subscription that sets the company's plan, seats and revenue on `day`. RavenStack
 * accounts often have several subscriptions running at once, so the one started most recently is
 * taken as the current contract. Of two with the same start day, the later row in the file wins.
 *
 * NOTE: most accounts started their newest subscription in late 2024, so on the start day every
 * company's renewal is 113 to 365 days away and none falls within the scenario's 30 days.
 */
export function currentSubscription(
  subscriptions: readonly Subscription[],
  day: number,
): Subscription | undefined {
  let current: Subscription | undefined;
  for (const subscription of subscriptions) {
    if (subscription.startDay > day) break;
    if (subscription.endDay === null || subscription.endDay > day) current = subscription;
  }
  return current;
}

/**
 * Returns the first contract anniversary after `day`. Every subscription is treated as a contract of
 * twelve-month terms from its start day, whatever its billing frequency.
 */
export function renewalDayAfter(subscription: Subscription, day: number): number {
  // Dividing by 366 never overestimates the years elapsed, so the loop takes a step or two.
  let years = Math.max(1, Math.floor((day - subscription.startDay) / 366));
  let renewal = addYears(subscription.startDay, years);
  while (renewal <= day) renewal = addYears(subscription.startDay, ++years);
  return renewal;
}

export function latestChurnEvent(
  events: readonly ChurnEvent[],
  day: number,
): ChurnEvent | undefined {
  let latest: ChurnEvent | undefined;
  for (const event of events) {
    if (event.day > day) break;
    latest = event;
  }
  return latest;
}

export type DayValue = string | number | boolean | null;

/** Option values of the plan_tier property. */
const PLAN_TIER_VALUES: Record<PlanTier, string> = {
  Basic: 'basic',
  Pro: 'pro',
  Enterprise: 'enterprise',
};

/**
 * The company properties that change from day to day, in the order of a day-values array. Days
 * are epoch days. The caller fills in `seats_used`, which is generated.
 */
export const DAY_PROPERTIES = [
  'plan_tier',
  'licensed_seats',
  'mrr',
  'arr',
  'contract_renewal_date',
  'auto_renew',
  'usage_events_7d',
  'active_features_30d',
  'premium_features_used',
  'last_product_activity_date',
  'churn_date',
  'churn_reason',
  'customer_since',
  'seats_used',
] as const;

/** Position of each property in DAY_PROPERTIES, as a literal so lookups stay fast. */
export const DAY_INDEX = {
  plan_tier: 0,
  licensed_seats: 1,
  mrr: 2,
  arr: 3,
  contract_renewal_date: 4,
  auto_renew: 5,
  usage_events_7d: 6,
  active_features_30d: 7,
  premium_features_used: 8,
  last_product_activity_date: 9,
  churn_date: 10,
  churn_reason: 11,
  customer_since: 12,
  seats_used: 13,
} as const satisfies { [name in (typeof DAY_PROPERTIES)[number]]: number };

/**
 * Writes the data-driven properties of the company on `day` into `values` (indexes as in
 * DAY_PROPERTIES; `seats_used` is left as it is). It allocates nothing, because the builder
 * calls it for every company on every scenario day.
 */
export function fillCompanyDay(source: CompanySource, day: number, values: DayValue[]): void {
  const subscription = currentSubscription(source.subscriptions, day);
  if (subscription) {
    values[DAY_INDEX.plan_tier] = PLAN_TIER_VALUES[subscription.planTier];
    values[DAY_INDEX.licensed_seats] = scaledSeats(source, subscription.seats);
    const revenue = scaledRevenue(source, subscription);
    values[DAY_INDEX.mrr] = revenue.mrr;
    values[DAY_INDEX.arr] = revenue.arr;
    values[DAY_INDEX.contract_renewal_date] = renewalDayAfter(subscription, day);
    values[DAY_INDEX.auto_renew] = subscription.autoRenew;
  } else {
    // Without a running subscription the account row gives plan and seats, and revenue is 0.
    values[DAY_INDEX.plan_tier] = PLAN_TIER_VALUES[source.account.planTier];
    values[DAY_INDEX.licensed_seats] = source.account.seats;
    values[DAY_INDEX.mrr] = 0;
    values[DAY_INDEX.arr] = 0;
    values[DAY_INDEX.contract_renewal_date] = null;
    values[DAY_INDEX.auto_renew] = false;
  }

  const { usage } = source;
  const end = lowerBound(usage, day + 1);
  const first = lowerBound(usage, day - 29);
  let events7d = 0;
  let features = 0;
  let premium = 0;
  for (let i = first; i < end; i++) {
    const row = usage[i] as FeatureUsage;
    if (row.day > day - 7) events7d += row.count;
    if (!seenBefore(usage, first, i, false)) features++;
    if (row.isBeta && !seenBefore(usage, first, i, true)) premium++;
  }
  values[DAY_INDEX.usage_events_7d] =
    source.scale.usage === 1 ? events7d : Math.round(events7d * source.scale.usage);
  values[DAY_INDEX.active_features_30d] = features;
  values[DAY_INDEX.premium_features_used] = premium;
  values[DAY_INDEX.last_product_activity_date] =
    end > 0 ? (usage[end - 1] as FeatureUsage).day : null;

  const churn = latestChurnEvent(source.churnEvents, day);
  values[DAY_INDEX.churn_date] = churn?.day ?? null;
  values[DAY_INDEX.churn_reason] = churn?.reasonCode ?? null;
  values[DAY_INDEX.customer_since] =
    source.account.signupDay <= day ? source.account.signupDay : null;
}
