import fc from 'fast-check';
import { EXPANSION_SIGNAL_KINDS } from '../../../src/engine';
import { ConfigStore } from '../../../src/store/configs';
import { recomputeCompanies, RecomputeStore } from '../../../webhooks/recompute';
import { ALL_WRITTEN_PROPERTIES, HEALTH_STATUSES } from '../../../webhooks/recompute/properties';
import {
  responsePlan,
  describeError,
  describePlan,
  isDocumentedError,
  type ProxiedPortal,
} from './hubspot';
import type { ResponsePlan } from './proxy';
import type { FuzzTarget, Verdict } from './runner';
import type { FuzzStack } from './stack';

/**
 * The recompute on broken HubSpot responses: the fuzz proxy breaks the responses of one route of
 * the recompute's reads and writes, and every company update the app sends is checked. Whatever
 * HubSpot returned, the app may only write its own properties, with valid values, to the
 * companies it was asked to recompute.
 */

/** HubSpot's largest value for a text property, in characters. */
const MAX_TEXT_LENGTH = 65_536;

const ROUTES: { name: string; route: RegExp }[] = [
  { name: 'company read', route: /^POST \/crm\/v3\/objects\/companies\/batch\/read$/ },
  {
    name: 'ticket associations',
    route: /^POST \/crm\/v4\/associations\/companies\/tickets\/batch\/read$/,
  },
  {
    name: 'contact associations',
    route: /^POST \/crm\/v4\/associations\/companies\/contacts\/batch\/read$/,
  },
  {
    name: 'feedback associations',
    route: /^POST \/crm\/v4\/associations\/contacts\/feedback_submissions\/batch\/read$/,
  },
  { name: 'ticket read', route: /^POST \/crm\/v3\/objects\/tickets\/batch\/read$/ },
  { name: 'feedback read', route: /^POST \/crm\/v3\/objects\/feedback_submissions\/batch\/read$/ },
  { name: 'ticket pipelines', route: /^GET \/crm\/v3\/pipelines\/tickets$/ },
  { name: 'company update', route: /^POST \/crm\/v3\/objects\/companies\/batch\/update$/ },
  { name: 'account details', route: /^GET \/account-info\/2026-03\/details$/ },
  { name: 'task creation', route: /^POST \/crm\/v3\/objects\/tasks$/ },
];

const INTEGER = /^-?\d+$/;

function isInstant(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T/.test(text) && Number.isFinite(Date.parse(text));
}

/** Returns what is wrong with one value the app wrote, or undefined when it is valid. */
export function writtenValueProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `${name} is ${typeof value}, not a string`;
  if (value.length > MAX_TEXT_LENGTH) return `${name} is ${value.length} characters long`;
  const number = Number(value);
  switch (name) {
    case 'cs_health_score':
    case 'cs_health_coverage':
      return INTEGER.test(value) && number >= 0 && number <= 100
        ? undefined
        : `${name} = ${JSON.stringify(value)}`;
    case 'cs_health_score_change_7d':
    case 'cs_health_score_change_30d':
      return value === '' || (INTEGER.test(value) && Math.abs(number) <= 100)
        ? undefined
        : `${name} = ${JSON.stringify(value)}`;
    case 'cs_health_status':
      return (HEALTH_STATUSES as readonly string[]).includes(value)
        ? undefined
        : `${name} = ${JSON.stringify(value)}`;
    case 'cs_health_previous_status':
      return value === '' || (HEALTH_STATUSES as readonly string[]).includes(value)
        ? undefined
        : `${name} = ${JSON.stringify(value)}`;
    case 'cs_health_computed_at':
    case 'cs_health_status_changed_at':
      return isInstant(value) ? undefined : `${name} = ${JSON.stringify(value)}`;
    case 'cs_expansion_signal_at':
      return value === '' || isInstant(value) ? undefined : `${name} = ${JSON.stringify(value)}`;
    case 'cs_expansion_signals':
      // A multiple checkbox value: option values joined by semicolons, or '' for none.
      return value === '' ||
        value
          .split(';')
          .every((option) => (EXPANSION_SIGNAL_KINDS as readonly string[]).includes(option))
        ? undefined
        : `${name} = ${JSON.stringify(value)}`;
    case 'cs_health_config_version':
      return INTEGER.test(value) && number >= 1 ? undefined : `${name} = ${JSON.stringify(value)}`;
    case 'cs_health_workspace':
      return /^[a-z0-9][a-z0-9_-]{0,63}$/.test(value)
        ? undefined
        : `${name} = ${JSON.stringify(value)}`;
    case 'cs_health_drivers':
      return [...value].some((char) => {
        const code = char.charCodeAt(0);
        return code < 0x20 && char !== '\n' && char !== '\t';
      })
        ? `${name} holds control characters`
        : undefined;
    default:
      return `the app wrote ${name}, which is not one of its properties`;
  }
}

/** Checks the company updates and task creations the proxy saw; returns the first problem. */
function writesProblem(
  seen: { method: string; path: string; body: string }[],
  ids: string[],
): string | undefined {
  for (const request of seen) {
    const route = `${request.method} ${request.path.split('?')[0]}`;
    if (route === 'POST /crm/v3/objects/companies/batch/update') {
      const body = JSON.parse(request.body) as {
        inputs?: { id?: unknown; properties?: Record<string, unknown> }[];
      };
      for (const input of body.inputs ?? []) {
        if (typeof input.id !== 'string' || !ids.includes(input.id))
          return `an update went to company ${JSON.stringify(input.id)}, which was not being recomputed`;
        for (const [name, value] of Object.entries(input.properties ?? {})) {
          if (!ALL_WRITTEN_PROPERTIES.includes(name))
            return `the update of company ${input.id} changes ${name}, which the app does not own`;
          const problem = writtenValueProblem(name, value);
          if (problem) return `company ${input.id}: ${problem}`;
        }
      }
    }
    if (route === 'POST /crm/v3/objects/tasks') {
      const task = JSON.parse(request.body) as {
        properties?: Record<string, unknown>;
        associations?: { to?: { id?: unknown } }[];
      };
      const target = task.associations?.[0]?.to?.id;
      if (typeof target !== 'string' || !ids.includes(target))
        return `a task was created for company ${JSON.stringify(target)}, which was not being recomputed`;
      const due = task.properties?.hs_timestamp;
      if (typeof due !== 'string' || !isInstant(due))
        return `a task has the due time ${JSON.stringify(due)}`;
    }
  }
  return undefined;
}

export interface RecomputeCase {
  route: number;
  plan: ResponsePlan;
  companies: number[];
}

export function recomputeTarget(
  stack: FuzzStack,
  portal: ProxiedPortal,
): FuzzTarget<RecomputeCase> {
  const allIds = stack.portal.listObjects('companies').map((company) => company.id);
  const configs = new ConfigStore(stack.redis, portal.prefix);
  const store = new RecomputeStore(stack.redis, portal.prefix);
  return {
    name: 'recompute-on-broken-responses',
    description:
      'recomputeCompanies on sandbox companies with one of its routes (company, ticket and feedback ' +
      'reads, association reads, pipelines, account details, the update, task creation) given broken responses; ' +
      'every update and task the app sent checked',
    arbitrary: fc.record({
      route: fc.integer({ min: 0, max: ROUTES.length - 1 }),
      plan: responsePlan,
      companies: fc.uniqueArray(fc.integer({ min: 0, max: allIds.length - 1 }), {
        minLength: 1,
        maxLength: 5,
      }),
    }),
    describe: (input) =>
      `${ROUTES[input.route]?.name}: ${describePlan(input.plan)}; companies ${input.companies.map((i) => allIds[i]).join(',')}`,
    async run(input): Promise<Verdict> {
      const route = ROUTES[input.route] as (typeof ROUTES)[number];
      const ids = input.companies.map((index) => allIds[index] as string);
      await portal.ready();
      portal.proxy.arm(route.route, input.plan);
      let failure: unknown;
      let failed = false;
      try {
        await recomputeCompanies({
          portalId: portal.portalId,
          client: await portal.client(),
          companyIds: ids,
          reason: 'webhook',
          now: new Date(),
          logger: stack.logger,
          store,
          configs,
        });
      } catch (error) {
        failed = true;
        failure = error;
      }
      const seen = [...portal.proxy.seen];
      portal.proxy.reset();
      const problem = writesProblem(seen, ids);
      if (problem) return { kind: 'acceptedInvalid', reason: problem };
      if (failed) {
        if (!isDocumentedError(failure))
          return {
            kind: 'crash',
            cause: 'undocumentedError',
            reason: `undocumented error ${describeError(failure)}`,
          };
        if (input.plan.kind === 'passThrough')
          return {
            kind: 'mismatch',
            reason: `an unchanged response failed: ${describeError(failure)}`,
          };
        return { kind: 'rejected' };
      }
      return { kind: 'accepted' };
    },
  };
}
