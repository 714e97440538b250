import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { FaultController } from '../faults/faults';
import type { PortalRateLimits } from '../limits/rate-limiter';
import type { AccessToken, TokenStore } from '../oauth/tokens';
import type { ScenarioPlayer } from '../scenario/player';
import type { PortalStore } from '../store/portal-store';
import type { RequestCounter } from './request-counter';

/** The sandbox's one app, as its HubSpot project and the developer account define it. */
export interface AppConfig {
  name: string;
  clientId: string;
  clientSecret: string;
  appId: number;
  /** Exact redirect URLs allowed besides any http://127.0.0.1:<port>/oauth/callback. */
  redirectUrls: string[];
  requiredScopes: string[];
  optionalScopes: string[];
  webhookTargetUrl?: string;
}

export interface SandboxPortal {
  id: number;
  store: PortalStore;
  player: ScenarioPlayer;
  /** False after an uninstall, until the next approved install. */
  installed: boolean;
}

/** Everything the routes share. */
export interface SandboxState {
  app: AppConfig;
  portals: Map<number, SandboxPortal>;
  tokens: TokenStore;
  faults: FaultController;
  limits: PortalRateLimits;
  counter: RequestCounter;
  logger?: Logger;
  baseUrl: () => string;
  /** Associations per input in one page of a v4 association batch read. */
  associationBatchPageSize: number;
}

export interface RouteRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The JSON body; an empty body is undefined, malformed JSON has already been rejected. */
  body: unknown;
  state: SandboxState;
  /** The request-count key of this request, for routes that learn the portal late. */
  countKey: string;
}

/** A request to an authenticated API route, with the caller's portal and token. */
export interface ApiRequest extends RouteRequest {
  portal: SandboxPortal;
  token: AccessToken;
}

export interface Reply {
  status: number;
  json?: unknown;
  html?: string;
  headers?: Record<string, string>;
}

export type RouteKind = 'api' | 'search' | 'oauth' | 'admin';

interface BaseRoute {
  method: string;
  template: string;
}

export interface ApiRoute extends BaseRoute {
  kind: 'api' | 'search';
  /** The token needs at least one scope of each inner list. */
  scopes: (params: Record<string, string>) => string[][];
  handler: (request: ApiRequest) => Reply | Promise<Reply>;
}

export interface OpenRoute extends BaseRoute {
  kind: 'oauth' | 'admin';
  handler: (request: RouteRequest) => Reply | Promise<Reply>;
}

export type Route = ApiRoute | OpenRoute;

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  json: body,
  headers,
});
