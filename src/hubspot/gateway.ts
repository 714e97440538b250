import type { Client } from '@hubspot/api-client';
import type IORedis from 'ioredis';
import type { Env } from '../config/env';
import type { Logger } from '../log';
import type { InstallationStore } from '../store/installations';
import type { TokenStore } from '../store/tokens';
import { batchReadAssociations, listAssociations } from './associations';
import {
  batchReadObjects,
  batchUpdateCompanies,
  createTask,
  searchObjects,
  type Call,
} from './crm-objects';
import { PortalDisconnectedError } from './errors';
import { HubSpotOAuthClient } from './oauth';
import {
  createProperty,
  createPropertyGroup,
  getAccountDetails,
  getClosedTicketStages,
  listProperties,
  listPropertyGroups,
  uninstallApp,
  updateProperty,
} from './portal-settings';
import {
  type GatewayRateLimiter,
  DEFAULT_REQUEST_SETTINGS,
  runRequest,
  type RequestRunnerDeps,
  type RequestSettings,
} from './request-runner';
import { TokenRefresher } from './token-refresher';
import type {
  AccountDetails,
  BatchReadResult,
  BatchUpdateResult,
  CallOptions,
  PortalClient,
  PropertyDefinition,
  PropertyGroup,
  ReadableObjectType,
  RequestKind,
  SearchRequest,
  SdkCallOptions,
  SearchResult,
  TaskInput,
} from './types';

export interface HubSpotGatewayDeps {
  env: Env;
  redis: IORedis;
  prefix: string;
  logger: Logger;
  installations: InstallationStore;
  tokens: TokenStore;
  /** Shared by every process; RedisRateLimiter also settles slots and honours 429 blocks. */
  limiter?: GatewayRateLimiter;
  /** Overrides of the retry and timeout defaults (`DEFAULT_REQUEST_SETTINGS`). */
  settings?: Partial<RequestSettings>;
  /** Defaults to a client for env's token endpoint. */
  oauth?: HubSpotOAuthClient;
  /** Refresh when less than this is left on the access token. @defaultValue 300000 */
  refreshMarginMs?: number;
}

/** How long portal metadata (pipelines, account details) stays cached in the process. */
const METADATA_TTL_MS = 10 * 60_000;

/**
 * The app's only way to call HubSpot. `forPortal` hands out a client bound to one portal; all
 * clients share the token refresher (single-flight refresh) and the Redis rate limiter.
 */
export class HubSpotGateway {
  readonly refresher: TokenRefresher;
  readonly oauth: HubSpotOAuthClient;
  private readonly deps: HubSpotGatewayDeps;
  private readonly settings: RequestSettings;
  private readonly metadata = new Map<string, { value: unknown; expiresAt: number }>();

  constructor(deps: HubSpotGatewayDeps) {
    this.deps = deps;
    this.settings = { ...DEFAULT_REQUEST_SETTINGS, ...deps.settings };
    this.oauth = deps.oauth ?? new HubSpotOAuthClient({ env: deps.env });
    this.refresher = new TokenRefresher({
      redis: deps.redis,
      prefix: deps.prefix,
      tokens: deps.tokens,
      installations: deps.installations,
      oauth: this.oauth,
      logger: deps.logger,
      ...(deps.refreshMarginMs !== undefined ? { refreshMarginMs: deps.refreshMarginMs } : {}),
    });
  }

  /** Throws PortalDisconnectedError when the portal is disconnected, uninstalled or unknown. */
  async forPortal(portalId: number): Promise<PortalClient> {
    const status = await this.deps.installations.status(portalId);
    if (status === 'disconnected')
      throw new PortalDisconnectedError(portalId, 'refresh_token_revoked');
    if (status === 'uninstalled') throw new PortalDisconnectedError(portalId, 'uninstalled');
    if (status === undefined) throw new PortalDisconnectedError(portalId, 'not_installed');
    return new GatewayPortalClient(portalId, this.runnerDeps(portalId), this);
  }

  /** Drops cached pipelines and account details, e.g. after an uninstall. */
  forget(portalId: number): void {
    for (const key of [...this.metadata.keys()])
      if (key.startsWith(`${portalId}:`)) this.metadata.delete(key);
  }

  async cached<T>(portalId: number, name: string, load: () => Promise<T>): Promise<T> {
    const key = `${portalId}:${name}`;
    const hit = this.metadata.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.value as T;
    const value = await load();
    this.metadata.set(key, { value, expiresAt: Date.now() + METADATA_TTL_MS });
    return value;
  }

  private runnerDeps(portalId: number): RequestRunnerDeps {
    const deps: RequestRunnerDeps = {
      portalId,
      basePath: this.deps.env.HUBSPOT_API_BASE.replace(/\/$/, ''),
      installations: this.deps.installations,
      refresher: this.refresher,
      logger: this.deps.logger,
      settings: this.settings,
    };
    if (this.deps.limiter) deps.limiter = this.deps.limiter;
    return deps;
  }
}

class GatewayPortalClient implements PortalClient {
  private readonly bound: Call;

  constructor(
    readonly portalId: number,
    private readonly runner: RequestRunnerDeps,
    private readonly gateway: HubSpotGateway,
  ) {
    this.bound = (endpoint, kind, fn, options) =>
      runRequest(this.runner, endpoint, kind, fn, options);
  }

  call<T>(
    endpoint: string,
    kind: RequestKind,
    fn: (client: Client, sdkOptions: SdkCallOptions) => Promise<T>,
    options?: CallOptions,
  ): Promise<T> {
    return this.bound(endpoint, kind, fn, options);
  }

  batchReadObjects(
    type: ReadableObjectType,
    ids: string[],
    properties: string[],
    propertiesWithHistory?: string[],
  ): Promise<BatchReadResult> {
    return batchReadObjects(this.bound, type, ids, properties, propertiesWithHistory);
  }

  batchUpdateCompanies(
    inputs: { id: string; properties: Record<string, string> }[],
  ): Promise<BatchUpdateResult> {
    return batchUpdateCompanies(this.bound, inputs);
  }

  searchCompanies(body: SearchRequest): Promise<SearchResult> {
    return searchObjects(this.bound, 'companies', body);
  }

  searchObjects(
    type: ReadableObjectType | 'tasks' | 'notes',
    body: SearchRequest,
  ): Promise<SearchResult> {
    return searchObjects(this.bound, type, body);
  }

  batchReadAssociations(from: string, to: string, ids: string[]): Promise<Map<string, string[]>> {
    return batchReadAssociations(this.bound, this.portalId, from, to, ids);
  }

  listAssociations(from: string, id: string, to: string): Promise<string[]> {
    return listAssociations(this.bound, this.portalId, from, id, to);
  }

  createTask(input: TaskInput): Promise<string> {
    return createTask(this.bound, input);
  }

  async getTicketPipelines(): Promise<{ closedStageIds: Set<string> }> {
    const closedStageIds = await this.gateway.cached(this.portalId, 'ticket-pipelines', () =>
      getClosedTicketStages(this.bound),
    );
    return { closedStageIds: new Set(closedStageIds) };
  }

  getAccountDetails(): Promise<AccountDetails> {
    return this.gateway.cached(this.portalId, 'account-details', () =>
      getAccountDetails(this.bound, this.portalId),
    );
  }

  listPropertyGroups(objectType: 'companies'): Promise<PropertyGroup[]> {
    return listPropertyGroups(this.bound, objectType);
  }

  createPropertyGroup(objectType: 'companies', group: PropertyGroup): Promise<void> {
    return createPropertyGroup(this.bound, objectType, group);
  }

  listProperties(objectType: 'companies'): Promise<PropertyDefinition[]> {
    return listProperties(this.bound, objectType);
  }

  createProperty(objectType: 'companies', property: PropertyDefinition): Promise<void> {
    return createProperty(this.bound, objectType, property);
  }

  updateProperty(
    objectType: 'companies',
    name: string,
    changes: Partial<Omit<PropertyDefinition, 'name' | 'type'>>,
  ): Promise<void> {
    return updateProperty(this.bound, objectType, name, changes);
  }

  uninstallApp(): Promise<void> {
    return uninstallApp(this.bound);
  }
}
