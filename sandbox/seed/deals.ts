/**
 * Renewal deals: one per twelve-month contract term of a subscription, from the term's start to
 * its renewal. A term is won on its renewal day, or lost on the day its subscription ends. The
 * seed contains the deals of the terms open on the start day. The scenario creates the deals of
 * terms that begin later and moves every open deal through its stages.
 */
import type { CompanyBuild } from './companies';
import { DAY_MS, addYears } from './dates';
import {
  numberText,
  Phase,
  type Clock,
  type Draft,
  type IdSequence,
  type ScenarioBuilder,
  type SeedCollector,
} from './context';
import type { ScenarioChange } from './types';
import { companyLinks, type EmitTarget } from './activities';
import type { Subscription } from './ravenstack';
import { scaledRevenue } from './sources';
import { currentSubscription } from './timeline';

export interface DealBuild {
  subscription: Subscription;
  termStartDay: number;
  renewalDay: number;
  /** Day the deal closes (won on renewal, lost when the subscription ends) or null if later. */
  closeDay: number | null;
  won: boolean;
  draft: Draft;
}

/** Returns the open stage of HubSpot's default deal pipeline for the days left to renewal. */
function openStage(daysToRenewal: number): string {
  if (daysToRenewal > 90) return 'appointmentscheduled';
  if (daysToRenewal > 30) return 'presentationscheduled';
  return 'contractsent';
}

function stageOn(deal: DealBuild, day: number): string {
  if (deal.closeDay !== null && day >= deal.closeDay) return deal.won ? 'closedwon' : 'closedlost';
  return openStage(deal.renewalDay - day);
}

/** Drafts the deals of the terms open on the start day or starting during the scenario. */
export function draftDeals(
  company: CompanyBuild,
  startDay: number,
  lastDay: number,
  ids: IdSequence,
): DealBuild[] {
  const deals: DealBuild[] = [];
  // A clone with light history keeps the deals of its current subscription and of later ones.
  const current = currentSubscription(company.source.subscriptions, startDay);
  for (const subscription of company.source.subscriptions) {
    if (
      company.source.lightHistory &&
      subscription !== current &&
      subscription.startDay <= startDay
    ) {
      continue;
    }
    for (let term = 0; ; term++) {
      const termStartDay = addYears(subscription.startDay, term);
      if (termStartDay > lastDay) break;
      if (subscription.endDay !== null && termStartDay >= subscription.endDay) break;
      const renewalDay = addYears(subscription.startDay, term + 1);
      const lost = subscription.endDay !== null && subscription.endDay <= renewalDay;
      const closeDay = lost ? subscription.endDay : renewalDay;
      // Terms that closed before the start day belong to no active subscription.
      if (closeDay !== null && closeDay <= startDay) continue;
      deals.push({
        subscription,
        termStartDay,
        renewalDay,
        closeDay: closeDay !== null && closeDay <= lastDay ? closeDay : null,
        won: !lost,
        draft: ids.add(termStartDay * DAY_MS),
      });
    }
  }
  return deals;
}

function dealProperties(company: CompanyBuild, deal: DealBuild, clock: Clock) {
  const { subscription } = deal;
  return {
    dealname: `${company.source.account.name} renewal ${clock.realDate(deal.renewalDay)}`,
    amount: numberText(scaledRevenue(company.source, subscription).arr),
    closedate: clock.realIso(deal.renewalDay * DAY_MS),
    pipeline: 'default',
    dealtype: 'existingbusiness',
    hubspot_owner_id: company.generated.aeOwnerId,
    external_subscription_id: subscription.id + company.source.idSuffix,
  };
}

/** Adds the deals of the terms open on the start day to the seed, with their stage history. */
function emitDealSeed(company: CompanyBuild, deal: DealBuild, seed: SeedCollector, clock: Clock) {
  const { draft } = deal;
  const record = {
    id: draft.id,
    properties: {
      ...dealProperties(company, deal, clock),
      dealstage: stageOn(deal, clock.startDay),
    },
    createdAt: clock.seedIso(deal.termStartDay * DAY_MS),
  };
  const history = company.source.lightHistory ? undefined : stageHistory(deal, clock);
  seed.add('deals', draft, history ? { ...record, history: { dealstage: history } } : record);
  seed.associate('deals', draft.id, 'companies', company.company.id, true);
}

/** Adds the deal's creation (for a term that starts after the start day) and stage changes. */
function emitDealScenario(
  company: CompanyBuild,
  deal: DealBuild,
  scenario: ScenarioBuilder,
  clock: Clock,
) {
  const { draft } = deal;
  if (deal.termStartDay > clock.startDay && scenario.covers(deal.termStartDay)) {
    const change: ScenarioChange = {
      kind: 'create',
      objectType: 'deals',
      id: draft.id,
      properties: {
        ...dealProperties(company, deal, clock),
        dealstage: stageOn(deal, deal.termStartDay),
      },
      associations: companyLinks(company).company,
    };
    scenario.add(deal.termStartDay, Phase.DealCreate, change, draft);
  }
  const firstDay = Math.max(clock.startDay + 1, deal.termStartDay + 1, scenario.firstDay);
  for (let day = firstDay; day <= scenario.lastDay; day++) {
    const stage = stageOn(deal, day);
    if (stage === stageOn(deal, day - 1)) continue;
    scenario.add(day, Phase.DealUpdate, {
      kind: 'update',
      objectType: 'deals',
      id: draft.id,
      properties: { dealstage: stage },
    });
  }
}

export function emitDeals(company: CompanyBuild, deals: DealBuild[], target: EmitTarget): void {
  const { clock, seed, scenario } = target;
  for (const deal of deals) {
    if (seed && deal.termStartDay <= clock.startDay) emitDealSeed(company, deal, seed, clock);
    if (scenario) emitDealScenario(company, deal, scenario, clock);
  }
}

function stageHistory(deal: DealBuild, clock: Clock) {
  const entries: { value: string; timestamp: string }[] = [];
  for (let day = deal.termStartDay; day <= clock.startDay; day++) {
    const stage = stageOn(deal, day);
    if (entries[entries.length - 1]?.value === stage) continue;
    entries.push({ value: stage, timestamp: clock.seedIso(day * DAY_MS) });
  }
  return entries;
}
