/**
 * The sandbox portal: a local HubSpot-compatible HTTP server with in-memory portals, OAuth,
 * rate limits, fault injection, a scenario player and webhook delivery.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { createLogger } from '../src/log';
import { FaultController, type FaultConfig } from './faults/faults';
import { adminRoutes } from './http/admin-routes';
import { MAX_ASSOCIATION_PAGE, associationRoutes } from './http/association-routes';
import type { AppConfig, SandboxPortal, SandboxState } from './http/context';
import { objectRoutes } from './http/object-routes';
import { propertyRoutes } from './http/property-routes';
import { RequestCounter } from './http/request-counter';
import { Router } from './http/router';
import { startHttpServer } from './http/server';
import { settingsRoutes } from './http/settings-routes';
import { PortalRateLimits } from './limits/rate-limiter';
import { oauthRoutes, uninstallRoutes } from './oauth/routes';
import { TokenStore } from './oauth/tokens';
import { ScenarioPlayer } from './scenario/player';
import { buildEmptyPortal, buildRavenstackPortal } from './seed';
import type { ScenarioChange } from './seed/types';
import { ChangeHub } from './store/change-hub';
import type { ChangeFeed, CrmObjectType } from './store/changes';
import { PortalStore, type WriteSource } from './store/portal-store';
import { loadSeed } from './store/seed-loader';
import { startWebhookDispatcher, type WebhookDispatcher } from './webhooks';

export type { ChangeEvent, ChangeFeed, CrmObjectType } from './store/changes';
export type { FaultConfig } from './faults/faults';

const REPO_ROOT = path.resolve(__dirname, '..');
const DEFAULT_APP_FILE = path.join(REPO_ROOT, 'extensions/app/app-hsmeta.json');

/** The demo app's credentials, printed by `npm run sandbox`. They only work on the sandbox. */
export const DEMO_APP = {
  clientId: 'cs-health-sandbox-client-id',
  clientSecret: 'cs-health-sandbox-client-secret',
  appId: 4_200_001,
} as const;

/** First portal id handed out when `createPortal` gets none. */
const FIRST_PORTAL_ID = 1_234_567;

export interface SandboxOptions {
  /** 0 or undefined: a free port on 127.0.0.1. */
  port?: number;
  /** Default 1; N makes every rate-limit window N times shorter and keeps the counts. */
  timeScale?: number;
  /** Default true. */
  rateLimits?: boolean;
  /** Defaults: the demo app. Redirect URLs default to any http://127.0.0.1:<port>/oauth/callback. */
  app?: {
    clientId?: string;
    clientSecret?: string;
    appId?: number;
    redirectUrls?: string[];
    webhookTargetUrl?: string;
  };
  /** Default: the project's extensions/app/webhooks/webhooks-hsmeta.json. */
  subscriptionsFile?: string;
  /** The project's app component, for the app name and its required scopes. */
  appFile?: string;
  /** Default 1800, as HubSpot's access tokens. */
  accessTokenTtlSeconds?: number;
  webhooks?: {
    maxBatchSize?: number;
    flushIntervalMs?: number;
    timeoutMs?: number;
    maxRetries?: number;
    retryBaseMs?: number;
    maxConcurrentPerPortal?: number;
  };
  /** Faults in force from the start, for every portal. */
  faults?: Partial<FaultConfig>;
  /**
   * Associations per input in one page of a v4 association batch read. Default 500, the largest
   * page the sandbox serves; a smaller value makes paging show up with fewer records.
   */
  associationBatchPageSize?: number;
  logger?: Logger | false;
}

export interface StoredObjectView {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface PortalHandle {
  readonly id: number;
  readonly timeZone: string;
  getObject(type: CrmObjectType, id: string): StoredObjectView | undefined;
  listObjects(type: CrmObjectType): { id: string; properties: Record<string, string | null> }[];
  associatedIds(fromType: CrmObjectType, id: string, toType: CrmObjectType): string[];
  /** Newest first, as `propertiesWithHistory` returns it. */
  propertyHistory(
    type: CrmObjectType,
    id: string,
    property: string,
  ): { value: string; timestamp: string; sourceType: string }[];
  createObject(
    type: CrmObjectType,
    properties: Record<string, string>,
    associations?: { toType: CrmObjectType; toId: string }[],
    source?: string,
  ): string;
  updateObject(
    type: CrmObjectType,
    id: string,
    properties: Record<string, string>,
    source?: string,
  ): void;
  deleteObject(type: CrmObjectType, id: string): void;
  /** Brings an archived record back, as a user restoring it from the recycle bin. */
  restoreObject(type: CrmObjectType, id: string): void;
  mergeCompanies(primaryId: string, mergedId: string): void;
  associate(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void;
  disassociate(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void;
  advanceScenario(days?: number): Promise<{ days: string[]; changes: number }>;
  /** Applies a caller's own list of changes through the scenario write path. */
  playScript(changes: ScenarioChange[]): Promise<{ changes: number }>;
  scenarioDaysLeft(): number;
  /** Issues tokens as an approved install would, without the consent page. */
  issueTokens(scopes?: string[]): { accessToken: string; refreshToken: string; expiresIn: number };
  /** Makes every access token of the portal get 401 EXPIRED_AUTHENTICATION from now on. */
  expireAccessTokens(): void;
  /** The customer uninstalled: refresh gives BAD_REFRESH_TOKEN and the portal is uninstalled. */
  revokeRefreshTokens(): void;
  isInstalled(): boolean;
}

export interface Sandbox {
  /** http://127.0.0.1:PORT, also the API basePath. */
  readonly baseUrl: string;
  /** `${baseUrl}/oauth/authorize` */
  readonly authorizeUrl: string;
  readonly app: { clientId: string; clientSecret: string; appId: number };
  /** Every portal's changes, in write order. */
  readonly changes: ChangeFeed;
  createPortal(options?: {
    portalId?: number;
    seed?: 'ravenstack' | 'empty';
    companies?: number;
    randomSeed?: number;
    timeZone?: string;
  }): Promise<PortalHandle>;
  portal(portalId: number): PortalHandle;
  portalIds(): number[];
  setWebhookTarget(url: string): void;
  /** Without a portal id the faults apply to all portals. */
  setFaults(faults: Partial<FaultConfig>, portalId?: number): void;
  faultsFor(portalId: number): FaultConfig;
  clearFaults(): void;
  /** Keys are 'METHOD /route/template', e.g. 'POST /crm/v3/objects/{objectType}/batch/update', plus 'total'. */
  requestCounts(): Record<string, number>;
  requestCountsByPortal(portalId: number): Record<string, number>;
  resetCounts(): void;
  webhookStats(): {
    eventsDelivered: number;
    requestsSent: number;
    failedAttempts: number;
    pending: number;
    inFlight: number;
  };
  /** Resolves once no webhook event is pending or in flight. */
  flushWebhooks(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function readAppFile(file: string): {
  name: string;
  requiredScopes: string[];
  optionalScopes: string[];
} {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    config?: { name?: string; auth?: { requiredScopes?: string[]; optionalScopes?: string[] } };
  };
  return {
    name: parsed.config?.name ?? 'Sandbox app',
    requiredScopes: parsed.config?.auth?.requiredScopes ?? [],
    optionalScopes: parsed.config?.auth?.optionalScopes ?? [],
  };
}

function associationBatchPageSize(value: number | undefined): number {
  if (value === undefined) return MAX_ASSOCIATION_PAGE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_ASSOCIATION_PAGE) {
    throw new Error(
      `associationBatchPageSize must be a whole number from 1 to ${MAX_ASSOCIATION_PAGE}, got ${value}`,
    );
  }
  return value;
}

function toSource(source: string | undefined): WriteSource {
  return { sourceType: source ?? 'CRM_UI', sourceId: 'userId:1' };
}

class Handle implements PortalHandle {
  constructor(
    private readonly portal: SandboxPortal,
    private readonly state: SandboxState,
  ) {}

  get id(): number {
    return this.portal.id;
  }

  get timeZone(): string {
    return this.portal.store.timeZone;
  }

  getObject(type: CrmObjectType, id: string): StoredObjectView | undefined {
    const record = this.portal.store.get(type, id, true);
    if (!record) return undefined;
    return {
      id: record.id,
      properties: { ...record.properties },
      createdAt: new Date(record.createdAt).toISOString(),
      updatedAt: new Date(record.updatedAt).toISOString(),
      archived: record.archived,
    };
  }

  listObjects(type: CrmObjectType) {
    const table = this.portal.store.tables[type];
    return table.liveIds().map((id) => {
      const record = table.records.get(String(id));
      return { id: String(id), properties: { ...record?.properties } };
    });
  }

  associatedIds(fromType: CrmObjectType, id: string, toType: CrmObjectType): string[] {
    return this.portal.store.associations.targets(fromType, id, toType);
  }

  propertyHistory(type: CrmObjectType, id: string, property: string) {
    const record = this.portal.store.get(type, id, true);
    if (!record) return [];
    return this.portal.store.history(type, record, property).map((entry) => ({
      value: entry.value,
      timestamp: new Date(entry.timestamp).toISOString(),
      sourceType: entry.sourceType,
    }));
  }

  createObject(
    type: CrmObjectType,
    properties: Record<string, string>,
    associations?: { toType: CrmObjectType; toId: string }[],
    source?: string,
  ): string {
    const store = this.portal.store;
    return store.create(type, store.validateOrThrow(type, properties), toSource(source), {
      associations,
    }).id;
  }

  updateObject(
    type: CrmObjectType,
    id: string,
    properties: Record<string, string>,
    source?: string,
  ): void {
    const store = this.portal.store;
    store.update(type, id, store.validateOrThrow(type, properties), toSource(source));
  }

  deleteObject(type: CrmObjectType, id: string): void {
    this.portal.store.archive(type, id, toSource(undefined));
  }

  restoreObject(type: CrmObjectType, id: string): void {
    this.portal.store.restore(type, id, toSource(undefined));
  }

  mergeCompanies(primaryId: string, mergedId: string): void {
    this.portal.store.mergeCompanies(primaryId, mergedId, toSource(undefined));
  }

  associate(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void {
    this.portal.store.associate(fromType, fromId, toType, toId, toSource(undefined));
  }

  disassociate(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void {
    this.portal.store.disassociate(fromType, fromId, toType, toId, toSource(undefined));
  }

  async advanceScenario(days = 1): Promise<{ days: string[]; changes: number }> {
    const result = this.portal.player.advance(days);
    for (const skipped of result.skipped) {
      this.state.logger?.warn(
        { portalId: this.id, change: skipped.change, reason: skipped.reason },
        'scenario change skipped',
      );
    }
    return { days: result.days, changes: result.changes };
  }

  async playScript(changes: ScenarioChange[]): Promise<{ changes: number }> {
    const result = this.portal.player.play(changes);
    if (result.skipped.length > 0) {
      const first = result.skipped[0];
      throw new Error(
        `${result.skipped.length} scripted change(s) failed; the first: ${first?.reason}`,
      );
    }
    return { changes: result.changes };
  }

  scenarioDaysLeft(): number {
    return this.portal.player.daysLeft();
  }

  issueTokens(scopes?: string[]) {
    const app = this.state.app;
    const granted = scopes ?? [...app.requiredScopes, ...app.optionalScopes];
    const owner = [...this.portal.store.owners.values()].find((candidate) => !candidate.archived);
    this.portal.installed = true;
    const { access, refresh } = this.state.tokens.issue(
      this.id,
      granted,
      owner?.userId ?? 1_000_000 + this.id,
    );
    return {
      accessToken: access.token,
      refreshToken: refresh.token,
      expiresIn: Math.round(this.state.tokens.accessTokenTtlMs / 1000),
    };
  }

  expireAccessTokens(): void {
    this.state.tokens.expireAccessTokens(this.id);
  }

  revokeRefreshTokens(): void {
    this.state.tokens.revokeRefreshTokens(this.id);
    this.portal.installed = false;
  }

  isInstalled(): boolean {
    return this.portal.installed;
  }
}

function buildRouter(): Router {
  const router = new Router();
  const routes = [
    ...objectRoutes(),
    ...associationRoutes(),
    ...propertyRoutes(),
    ...settingsRoutes(),
    ...oauthRoutes(),
    ...uninstallRoutes(),
    ...adminRoutes(),
  ];
  for (const route of routes) router.add(route);
  return router;
}

/** Starts the sandbox server on 127.0.0.1 and its webhook delivery. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const logger =
    options.logger === false ? undefined : (options.logger ?? createLogger({ name: 'sandbox' }));
  const appFile = readAppFile(options.appFile ?? DEFAULT_APP_FILE);
  const app: AppConfig = {
    name: appFile.name,
    clientId: options.app?.clientId ?? DEMO_APP.clientId,
    clientSecret: options.app?.clientSecret ?? DEMO_APP.clientSecret,
    appId: options.app?.appId ?? DEMO_APP.appId,
    redirectUrls: options.app?.redirectUrls ?? [],
    requiredScopes: appFile.requiredScopes,
    optionalScopes: appFile.optionalScopes,
    webhookTargetUrl: options.app?.webhookTargetUrl,
  };
  const ttlSeconds = options.accessTokenTtlSeconds ?? 1800;
  if (!(ttlSeconds > 0))
    throw new Error(`accessTokenTtlSeconds must be positive, got ${ttlSeconds}`);

  const changes = new ChangeHub(logger);
  let baseUrl = '';
  const state: SandboxState = {
    app,
    portals: new Map(),
    tokens: new TokenStore(ttlSeconds * 1000),
    faults: new FaultController(options.faults),
    limits: new PortalRateLimits(options.timeScale ?? 1, options.rateLimits ?? true),
    counter: new RequestCounter(),
    logger,
    baseUrl: () => baseUrl,
    associationBatchPageSize: associationBatchPageSize(options.associationBatchPageSize),
  };

  const webhooks: WebhookDispatcher = startWebhookDispatcher({
    changes,
    app: { appId: app.appId, clientSecret: app.clientSecret, targetUrl: app.webhookTargetUrl },
    subscriptionsFile: options.subscriptionsFile,
    faults: (portalId) => state.faults.forPortal(portalId),
    isInstalled: (portalId) => state.portals.get(portalId)?.installed ?? false,
    delivery: options.webhooks,
    logger: logger ?? false,
  });

  let running;
  try {
    running = await startHttpServer(state, buildRouter(), options.port ?? 0);
  } catch (error) {
    await webhooks.stop();
    throw error;
  }
  baseUrl = `http://127.0.0.1:${running.port}`;
  logger?.info({ baseUrl }, 'sandbox started');

  const handles = new Map<number, Handle>();
  const portal = (portalId: number): PortalHandle => {
    const handle = handles.get(portalId);
    if (!handle)
      throw new Error(`No sandbox portal has id ${portalId}; create it with createPortal first.`);
    return handle;
  };

  return {
    baseUrl,
    authorizeUrl: `${baseUrl}/oauth/authorize`,
    app: { clientId: app.clientId, clientSecret: app.clientSecret, appId: app.appId },
    changes,

    async createPortal(portalOptions = {}) {
      const portalId =
        portalOptions.portalId ?? Math.max(FIRST_PORTAL_ID - 1, ...state.portals.keys()) + 1;
      if (state.portals.has(portalId))
        throw new Error(`A sandbox portal with id ${portalId} already exists.`);
      const now = new Date();
      const built =
        portalOptions.seed === 'empty'
          ? buildEmptyPortal({ now })
          : buildRavenstackPortal({
              now,
              companies: portalOptions.companies,
              randomSeed: portalOptions.randomSeed,
            });
      const store = new PortalStore(
        portalId,
        portalOptions.timeZone ?? built.seed.timeZone,
        (event) => changes.emit(event),
      );
      const added = loadSeed(store, built.seed);
      if (portalOptions.timeZone) store.timeZone = portalOptions.timeZone;
      if (added.length > 0)
        logger?.warn(
          { portalId, properties: added },
          'seed used undefined properties; added them as text',
        );
      const sandboxPortal: SandboxPortal = {
        id: portalId,
        store,
        player: new ScenarioPlayer(store, built.scenario),
        installed: false,
      };
      state.portals.set(portalId, sandboxPortal);
      const handle = new Handle(sandboxPortal, state);
      handles.set(portalId, handle);
      logger?.info(
        { portalId, companies: store.tables.companies.liveCount() },
        'sandbox portal created',
      );
      return handle;
    },
    portal,
    portalIds: () => [...state.portals.keys()],
    setWebhookTarget: (url) => webhooks.setTargetUrl(url),
    setFaults: (faults, portalId) => state.faults.set(faults, portalId),
    faultsFor: (portalId) => state.faults.forPortal(portalId),
    clearFaults: () => state.faults.clear(),
    requestCounts: () => state.counter.counts(),
    requestCountsByPortal: (portalId) => state.counter.countsForPortal(portalId),
    resetCounts: () => state.counter.reset(),
    webhookStats: () => webhooks.stats(),
    flushWebhooks: (timeoutMs) => webhooks.flush(timeoutMs),
    async stop() {
      await webhooks.stop();
      await running.close();
      logger?.info({ baseUrl }, 'sandbox stopped');
    },
  };
}
