import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { loadEnv } from '../../../src/config/env';
import { HubSpotApiError, OAuthError, PortalDisconnectedError } from '../../../src/hubspot/errors';
import { HubSpotGateway } from '../../../src/hubspot/gateway';
import { HubSpotOAuthClient } from '../../../src/hubspot/oauth';
import type { PortalClient } from '../../../src/hubspot/types';
import { provisionProperties } from '../../../src/install/provision';
import { InstallationStore } from '../../../src/store/installations';
import { TokenStore } from '../../../src/store/tokens';
import { jsonMutationPlan, textMutationPlan } from './mutate';
import { FuzzProxy, type ResponsePlan } from './proxy';
import { clip, type FuzzTarget, type Verdict } from './runner';
import { baseEnvironment, type FuzzStack } from './stack';

/**
 * HubSpot responses: the real gateway calls the sandbox through a proxy that breaks the responses of
 * one route per case (mutated or truncated JSON, other statuses and content types, odd
 * Retry-After values, inflated result lists, dropped, stalled or short connections). A call
 * must return a well-formed result or raise one of the gateway's documented errors.
 */

/** Gateway settings for fuzzing: real retry rules with short waits and timeouts. */
export const FUZZ_REQUEST_SETTINGS = {
  serverErrorRetries: 1,
  retryBaseMs: 5,
  rateLimitRetries: 1,
  maxInlineRateLimitWaitMs: 100,
  maxLimiterWaitMs: 1000,
  requestTimeoutMs: 1000,
  rateLimitWindowScale: 0.01,
};

export const responsePlan: fc.Arbitrary<ResponsePlan> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'passThrough' as const }) },
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant('json' as const), plan: jsonMutationPlan(3_000_000) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('text' as const), plan: textMutationPlan }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('status' as const),
      status: fc.constantFrom(
        200,
        201,
        204,
        207,
        301,
        400,
        401,
        403,
        404,
        409,
        414,
        423,
        429,
        477,
        500,
        502,
        503,
        504,
        521,
      ),
      body: fc.constantFrom(
        'real' as const,
        'hubspotError' as const,
        'html' as const,
        'empty' as const,
        'rateLimit' as const,
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('contentType' as const),
      value: fc.constantFrom(
        'text/html',
        'text/plain',
        'application/xml',
        'application/octet-stream',
        'application/json; charset=latin1',
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('retryAfter' as const),
      status: fc.constantFrom(429 as const, 503 as const),
      value: fc.constantFrom(
        '0',
        '1',
        '-5',
        'abc',
        '1e9',
        '1000000',
        '99999999',
        'Wed, 21 Oct 2015 07:28:00 GMT',
        'Fri, 01 Jan 2100 00:00:00 GMT',
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('inflate' as const),
      times: fc.constantFrom(1000, 20_000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('network' as const),
      how: fc.constantFrom(
        'reset' as const,
        'stall' as const,
        'partial' as const,
        'shortBody' as const,
      ),
    }),
  },
);

export function describePlan(plan: ResponsePlan): string {
  switch (plan.kind) {
    case 'json':
      return `JSON ${plan.plan.kind} at ${plan.plan.at.toFixed(3)}${'value' in plan.plan ? ` = ${clip(JSON.stringify(plan.plan.value) ?? '', 60)}` : ''}`;
    case 'text':
      return `text ${plan.plan.kind}${'at' in plan.plan ? ` at ${plan.plan.at.toFixed(3)}` : ''}`;
    case 'status':
      return `HTTP ${plan.status} with ${plan.body} body`;
    case 'contentType':
      return `content-type ${plan.value}`;
    case 'retryAfter':
      return `HTTP ${plan.status} Retry-After ${plan.value}`;
    case 'inflate':
      return `results repeated ${plan.times} times`;
    case 'network':
      return `connection ${plan.how}`;
    case 'passThrough':
      return 'unchanged response';
  }
}

/** A gateway and stores of their own, calling the sandbox portal through the proxy. */
export interface ProxiedPortal {
  proxy: FuzzProxy;
  gateway: HubSpotGateway;
  installations: InstallationStore;
  tokens: TokenStore;
  prefix: string;
  portalId: number;
  /** Makes sure the portal is installed with working tokens before a case. */
  ready(): Promise<void>;
  client(): Promise<PortalClient>;
  close(): Promise<void>;
}

export async function connectThroughProxy(stack: FuzzStack, label: string): Promise<ProxiedPortal> {
  const proxy = await FuzzProxy.start(stack.sandbox.baseUrl);
  const prefix = `${stack.prefix}-${label}`;
  const env = loadEnv(
    baseEnvironment({
      HUBSPOT_CLIENT_ID: stack.sandbox.app.clientId,
      HUBSPOT_CLIENT_SECRET: stack.sandbox.app.clientSecret,
      HUBSPOT_API_BASE: proxy.url,
      REDIS_URL: stack.redisServer.url,
      REDIS_PREFIX: prefix,
      TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    }),
  );
  const installations = new InstallationStore({ redis: stack.redis, prefix });
  const tokens = new TokenStore({ redis: stack.redis, prefix, cipher: stack.cipherFor(env) });
  const gateway = new HubSpotGateway({
    env,
    redis: stack.redis,
    prefix,
    logger: stack.logger,
    installations,
    tokens,
    settings: FUZZ_REQUEST_SETTINGS,
    oauth: new HubSpotOAuthClient({ env, timeoutMs: 1500 }),
  });
  const portalId = stack.portal.id;

  const install = async (): Promise<void> => {
    const issued = stack.portal.issueTokens();
    await tokens.save(portalId, {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: Date.now() + issued.expiresIn * 1000,
    });
    await installations.markInstalled(portalId, { scopes: [] });
  };
  await install();
  const provisioned = await provisionProperties(await gateway.forPortal(portalId), stack.logger);
  if (provisioned.conflicts.length > 0)
    throw new Error(
      `provisioning the fuzz portal found conflicts: ${JSON.stringify(provisioned.conflicts)}`,
    );

  return {
    proxy,
    gateway,
    installations,
    tokens,
    prefix,
    portalId,
    async ready() {
      proxy.reset();
      gateway.forget(portalId);
      const stored = await tokens.get(portalId);
      if (
        (await installations.status(portalId)) !== 'active' ||
        !stored ||
        stored.expiresAt < Date.now() + 600_000
      )
        await install();
    },
    client: () => gateway.forPortal(portalId),
    close: () => proxy.stop(),
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function recordProblem(record: unknown, allowed?: Set<string>): string | undefined {
  if (!isPlainObject(record)) return 'a record is not an object';
  if (typeof record.id !== 'string' || !/^\d+$/.test(record.id))
    return `record id ${JSON.stringify(record.id)}`;
  if (allowed && !allowed.has(record.id)) return `record ${record.id} was never requested`;
  if (!isPlainObject(record.properties)) return `record ${record.id} has no properties object`;
  for (const [name, value] of Object.entries(record.properties)) {
    if (value !== null && typeof value !== 'string') return `property ${name} is ${typeof value}`;
  }
  return undefined;
}

function stringList(value: unknown, pattern = /./): boolean {
  return (
    Array.isArray(value) && value.every((item) => typeof item === 'string' && pattern.test(item))
  );
}

function validTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface GatewayOperation {
  name: string;
  /** `METHOD path` of the requests whose responses the case breaks. */
  route: RegExp;
  call(client: PortalClient, portal: ProxiedPortal, ids: string[]): Promise<unknown>;
  /** Returns what is wrong with a result the call returned, or undefined when it is sound. */
  check(result: unknown, ids: string[]): string | undefined;
}

const OPERATIONS: GatewayOperation[] = [
  {
    name: 'batchReadObjects',
    route: /^POST \/crm\/v3\/objects\/companies\/batch\/read$/,
    call: (client, _portal, ids) =>
      client.batchReadObjects(
        'companies',
        ids,
        ['name', 'mrr', 'licensed_seats'],
        ['usage_events_7d'],
      ),
    check(result, ids) {
      const read = result as { results?: unknown; missing?: unknown };
      if (!Array.isArray(read.results)) return 'results is not a list';
      for (const record of read.results) {
        const problem = recordProblem(record, new Set(ids));
        if (problem) return problem;
      }
      return stringList(read.missing) ? undefined : 'missing is not a list of ids';
    },
  },
  {
    name: 'batchUpdateCompanies',
    route: /^POST \/crm\/v3\/objects\/companies\/batch\/update$/,
    call: (client, _portal, ids) =>
      client.batchUpdateCompanies(
        ids.map((id) => ({ id, properties: { cs_health_coverage: '50' } })),
      ),
    check(result, ids) {
      const update = result as { updated?: unknown; errors?: unknown };
      if (!stringList(update.updated)) return 'updated is not a list of ids';
      const unknown = (update.updated as string[]).find((id) => !ids.includes(id));
      if (unknown) return `update reports company ${unknown}, which was not sent`;
      if (!Array.isArray(update.errors)) return 'errors is not a list';
      for (const error of update.errors as unknown[]) {
        if (
          !isPlainObject(error) ||
          typeof error.message !== 'string' ||
          typeof error.category !== 'string'
        )
          return `malformed error entry ${clip(JSON.stringify(error) ?? '', 80)}`;
      }
      return undefined;
    },
  },
  {
    name: 'searchCompanies',
    route: /^POST \/crm\/v3\/objects\/companies\/search$/,
    call: (client) =>
      client.searchCompanies({
        filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'GT', value: '0' }] }],
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
        properties: ['hs_object_id'],
        limit: 5,
      }),
    check(result) {
      const page = result as { total?: unknown; results?: unknown; after?: unknown };
      if (typeof page.total !== 'number' || !Number.isFinite(page.total) || page.total < 0)
        return `total ${JSON.stringify(page.total)}`;
      if (!Array.isArray(page.results)) return 'results is not a list';
      for (const record of page.results) {
        const problem = recordProblem(record);
        if (problem) return problem;
      }
      if (page.after !== undefined && typeof page.after !== 'string')
        return `after ${JSON.stringify(page.after)}`;
      return undefined;
    },
  },
  {
    name: 'batchReadAssociations',
    route: /^POST \/crm\/v4\/associations\/companies\/tickets\/batch\/read$/,
    call: (client, _portal, ids) => client.batchReadAssociations('companies', 'tickets', ids),
    check(result, ids) {
      if (!(result instanceof Map)) return 'not a Map';
      for (const [id, targets] of result as Map<unknown, unknown>) {
        if (typeof id !== 'string' || !ids.includes(id))
          return `associations for ${String(id)}, which was not requested`;
        if (!stringList(targets, /^\d+$/)) return `targets of ${id} are not numeric ids`;
      }
      return undefined;
    },
  },
  {
    name: 'listAssociations',
    route: /^GET \/crm\/v4\/objects\/companies\/\d+\/associations\/tickets$/,
    call: (client, _portal, ids) =>
      client.listAssociations('companies', ids[0] as string, 'tickets'),
    check: (result) => (stringList(result, /^\d+$/) ? undefined : 'not a list of numeric ids'),
  },
  {
    name: 'getTicketPipelines',
    route: /^GET \/crm\/v3\/pipelines\/tickets$/,
    call: (client) => client.getTicketPipelines(),
    check(result) {
      const stages = (result as { closedStageIds?: unknown }).closedStageIds;
      return stages instanceof Set && [...stages].every((id) => typeof id === 'string')
        ? undefined
        : 'closedStageIds is not a set of ids';
    },
  },
  {
    name: 'getAccountDetails',
    route: /^GET \/account-info\/2026-03\/details$/,
    call: (client) => client.getAccountDetails(),
    check(result) {
      const details = result as { portalId?: unknown; timeZone?: unknown };
      if (!Number.isSafeInteger(details.portalId) || (details.portalId as number) <= 0)
        return `portalId ${JSON.stringify(details.portalId)}`;
      return validTimeZone(details.timeZone)
        ? undefined
        : `time zone ${clip(JSON.stringify(details.timeZone) ?? '', 60)} is not an IANA zone`;
    },
  },
  {
    name: 'listProperties',
    route: /^GET \/crm\/v3\/properties\/companies$/,
    call: (client) => client.listProperties('companies'),
    check(result) {
      if (!Array.isArray(result)) return 'not a list';
      for (const definition of result as unknown[]) {
        if (!isPlainObject(definition)) return 'a definition is not an object';
        for (const field of ['name', 'label', 'type', 'fieldType', 'groupName']) {
          if (typeof definition[field] !== 'string')
            return `definition field ${field} is ${typeof definition[field]}`;
        }
        if (!Array.isArray(definition.options)) return 'options is not a list';
      }
      return undefined;
    },
  },
  {
    name: 'createTask',
    route: /^POST \/crm\/v3\/objects\/tasks$/,
    call: (client, _portal, ids) =>
      client.createTask({
        subject: 'Fuzz task',
        body: 'Created by the fuzz suite',
        dueAt: new Date(Date.now() + 86_400_000),
        priority: 'HIGH',
        companyId: ids[0] as string,
      }),
    check: (result) =>
      typeof result === 'string' && /^\d+$/.test(result)
        ? undefined
        : `task id ${JSON.stringify(result)}`,
  },
  {
    name: 'oauth.refresh',
    route: /^POST \/oauth\/2026-03\/token$/,
    async call(_client, portal) {
      const stored = await portal.tokens.get(portal.portalId);
      return portal.gateway.oauth.refresh(stored?.refreshToken ?? '');
    },
    check(result) {
      const tokens = result as {
        accessToken?: unknown;
        refreshToken?: unknown;
        expiresAt?: unknown;
      };
      if (typeof tokens.accessToken !== 'string' || tokens.accessToken === '')
        return 'no access token';
      if (typeof tokens.refreshToken !== 'string' || tokens.refreshToken === '')
        return 'no refresh token';
      if (
        typeof tokens.expiresAt !== 'number' ||
        !Number.isFinite(tokens.expiresAt) ||
        tokens.expiresAt <= Date.now()
      )
        return `expiresAt ${JSON.stringify(tokens.expiresAt)}`;
      return undefined;
    },
  },
  {
    name: 'oauth.introspect',
    route: /^POST \/oauth\/2026-03\/token\/introspect$/,
    async call(_client, portal) {
      const stored = await portal.tokens.get(portal.portalId);
      return portal.gateway.oauth.introspect(stored?.accessToken ?? '');
    },
    check(result) {
      const info = result as { active?: unknown; scopes?: unknown; hubId?: unknown };
      if (typeof info.active !== 'boolean') return 'active is not a boolean';
      if (!stringList(info.scopes)) return 'scopes is not a list';
      if (
        info.hubId !== undefined &&
        (!Number.isSafeInteger(info.hubId) || (info.hubId as number) <= 0)
      )
        return `hubId ${JSON.stringify(info.hubId)}`;
      return undefined;
    },
  },
];

/** True for the errors the gateway documents: everything a caller is meant to catch. */
export function isDocumentedError(error: unknown): boolean {
  return (
    error instanceof HubSpotApiError ||
    error instanceof OAuthError ||
    error instanceof PortalDisconnectedError
  );
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${clip(error.message, 300)}` : String(error);
}

export interface GatewayCase {
  operation: number;
  plan: ResponsePlan;
}

export function gatewayTarget(stack: FuzzStack, portal: ProxiedPortal): FuzzTarget<GatewayCase> {
  const companyIds = stack.portal
    .listObjects('companies')
    .slice(0, 3)
    .map((company) => company.id);
  return {
    name: 'hubspot-responses',
    description:
      'each gateway method (batch read and update, search, association reads, pipelines, account ' +
      'details, properties, task creation, token refresh and introspection) with one route given broken responses ' +
      'broken by the fuzz proxy',
    arbitrary: fc.record({
      operation: fc.integer({ min: 0, max: OPERATIONS.length - 1 }),
      plan: responsePlan,
    }),
    describe: (input) => `${OPERATIONS[input.operation]?.name}: ${describePlan(input.plan)}`,
    async run(input): Promise<Verdict> {
      const operation = OPERATIONS[input.operation] as GatewayOperation;
      await portal.ready();
      const stored = await portal.tokens.get(portal.portalId);
      portal.proxy.arm(operation.route, input.plan);
      let result: unknown;
      let failure: unknown;
      let failed = false;
      try {
        result = await operation.call(await portal.client(), portal, companyIds);
      } catch (error) {
        failed = true;
        failure = error;
      } finally {
        portal.proxy.reset();
      }
      if (failed) {
        if (!isDocumentedError(failure))
          return {
            kind: 'crash',
            cause: 'undocumentedError',
            reason: `undocumented error ${describeError(failure)}`,
          };
        const message = (failure as Error).message;
        if (
          stored &&
          (message.includes(stored.accessToken) || message.includes(stored.refreshToken))
        )
          return { kind: 'mismatch', reason: 'the error message contains a token' };
        if (input.plan.kind === 'passThrough')
          return {
            kind: 'mismatch',
            reason: `an unchanged response failed: ${describeError(failure)}`,
          };
        return { kind: 'rejected' };
      }
      const problem = operation.check(result, companyIds);
      if (problem)
        return {
          kind: 'acceptedInvalid',
          reason: `${operation.name} returned a result where ${problem}`,
        };
      const after = await portal.tokens.get(portal.portalId);
      if (!after || after.accessToken === '' || !Number.isFinite(after.expiresAt))
        return {
          kind: 'acceptedInvalid',
          reason: 'the token store holds an unusable token after the call',
        };
      return { kind: 'accepted' };
    },
  };
}
