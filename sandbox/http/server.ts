import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LimitDecision } from '../limits/rate-limiter';
import { resolveObjectType } from '../store/object-types';
import type { ApiRequest, ApiRoute, OpenRoute, Reply, RouteRequest, SandboxState } from './context';
import {
  errorBody,
  expiredAuthenticationError,
  HubSpotHttpError,
  invalidAuthenticationError,
  methodNotAllowedError,
  missingScopesError,
  notFoundError,
  rateLimitError,
  validationError,
} from './errors';
import type { Router } from './router';

/** Largest request body the sandbox reads; HubSpot's own limits on batch bodies are lower. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

const SERVER_ERRORS: [number, string][] = [
  [502, 'The upstream service did not answer in time (502 Bad Gateway).'],
  [503, 'The service is temporarily unavailable (503 Service Unavailable).'],
  [504, 'The request timed out at the gateway (504 Gateway Timeout).'],
];

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(validationError(`The request body is larger than ${MAX_BODY_BYTES} bytes.`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseJsonBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw validationError(
      `Invalid input JSON: ${detail}. Send a JSON body with Content-Type: application/json.`,
    );
  }
}

function send(response: ServerResponse, reply: Reply): void {
  if (response.headersSent || response.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.html !== undefined) {
    headers['content-type'] = 'text/html; charset=utf-8';
    payload = reply.html;
  } else if (reply.json !== undefined) {
    headers['content-type'] = 'application/json;charset=utf-8';
    payload = JSON.stringify(reply.json);
  }
  response.writeHead(reply.status, headers);
  response.end(payload);
}

function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

function limitHeaders(decision: LimitDecision): Record<string, string> {
  return {
    'x-hubspot-ratelimit-interval-milliseconds': String(decision.windowMs),
    'x-hubspot-ratelimit-max': String(decision.max),
    'x-hubspot-ratelimit-remaining': String(decision.remaining),
  };
}

/** Resolves the bearer token to its portal, or throws HubSpot's 401 error. */
function authenticate(
  state: SandboxState,
  request: IncomingMessage,
): Pick<ApiRequest, 'portal' | 'token'> {
  const value = bearerToken(request);
  if (!value) {
    throw invalidAuthenticationError(
      'Authentication credentials not found. Send an OAuth access token as "Authorization: Bearer <token>".',
    );
  }
  const token = state.tokens.findAccess(value);
  const portal = token ? state.portals.get(token.portalId) : undefined;
  if (!token || token.revoked || !portal || !portal.installed) {
    throw invalidAuthenticationError(
      'The OAuth token used to make this call is not valid. Get a new access token with the refresh token.',
    );
  }
  const now = Date.now();
  if (token.expiresAt <= now)
    throw expiredAuthenticationError(Math.floor((now - token.expiresAt) / 1000));
  return { portal, token };
}

function requireScopes(route: ApiRoute, params: Record<string, string>, granted: string[]): void {
  for (const anyOf of route.scopes(params)) {
    if (anyOf.length > 0 && !anyOf.some((scope) => granted.includes(scope)))
      throw missingScopesError(anyOf);
  }
}

/**
 * Runs the checks HubSpot applies before an API handler, in this order: authentication,
 * injected faults, rate limits, scopes. Returns the rate-limit headers for the response.
 */
async function admitApiRequest(
  state: SandboxState,
  route: ApiRoute,
  request: IncomingMessage,
  response: ServerResponse,
  params: Record<string, string>,
  key: string,
): Promise<
  { auth: Pick<ApiRequest, 'portal' | 'token'>; headers: Record<string, string> } | undefined
> {
  const auth = authenticate(state, request);
  const portalId = auth.portal.id;
  state.counter.countForPortal(key, portalId);

  const faults = state.faults.forPortal(portalId);
  if (faults.refuseConnections) {
    request.socket.destroy();
    return undefined;
  }
  if (faults.latencyMs > 0) await sleep(faults.latencyMs);
  if (state.faults.takeBurst429(portalId)) throw rateLimitError('TEN_SECONDLY_ROLLING');
  if (faults.serverErrorRate > 0 && Math.random() < faults.serverErrorRate) {
    const [status, message] = SERVER_ERRORS[Math.floor(Math.random() * SERVER_ERRORS.length)] as [
      number,
      string,
    ];
    throw new HubSpotHttpError(status, errorBody('SERVICE_UNAVAILABLE', message));
  }

  let headers: Record<string, string> = {};
  if (state.limits.enabled) {
    const limitKey = `${portalId}:${state.app.appId}`;
    if (route.kind === 'search') {
      // HubSpot sends no rate-limit headers on search responses.
      if (!state.limits.search.take(limitKey, Date.now()).allowed) throw rateLimitError('SECONDLY');
    } else {
      const decision = state.limits.burst.take(limitKey, Date.now());
      headers = limitHeaders(decision);
      if (!decision.allowed) throw rateLimitError('TEN_SECONDLY_ROLLING', headers);
    }
  }
  requireScopes(route, params, auth.token.scopes);
  if (response.destroyed) return undefined;
  return { auth, headers };
}

const TYPE_PARAMS = new Set(['objectType', 'fromObjectType', 'toObjectType']);

/** Builds the count key: the route template with object types filled in and ids left as parameters. */
function countKey(method: string, template: string, params: Record<string, string>): string {
  const path = template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    if (!TYPE_PARAMS.has(name)) return placeholder;
    const raw = params[name] ?? '';
    return resolveObjectType(raw) ?? raw;
  });
  return `${method} ${path}`;
}

async function handle(
  state: SandboxState,
  router: Router,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const method = request.method ?? 'GET';
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const match = router.match(method, url.pathname);
  const key =
    match.kind === 'found'
      ? countKey(method, match.route.template, match.params)
      : `${method} (no route)`;
  state.counter.count(key);

  let extraHeaders: Record<string, string> = {};
  try {
    if (match.kind === 'not-found')
      throw notFoundError(`No endpoint at ${method} ${url.pathname}.`);
    if (match.kind === 'method-not-allowed') throw methodNotAllowedError(method, url.pathname);
    const rawBody = await readBody(request);
    const base: RouteRequest = {
      method,
      path: url.pathname,
      params: match.params,
      query: url.searchParams,
      headers: request.headers,
      rawBody,
      body: undefined,
      state,
      countKey: key,
    };

    const route = match.route;
    let reply: Reply;
    if (route.kind === 'api' || route.kind === 'search') {
      const admitted = await admitApiRequest(state, route, request, response, match.params, key);
      if (!admitted) return;
      extraHeaders = admitted.headers;
      base.body = parseJsonBody(rawBody, request.headers['content-type']);
      reply = await route.handler({ ...base, ...admitted.auth });
    } else {
      base.body = parseJsonBody(rawBody, request.headers['content-type']);
      reply = await (route as OpenRoute).handler(base);
    }
    send(response, { ...reply, headers: { ...extraHeaders, ...reply.headers } });
  } catch (error) {
    if (error instanceof HubSpotHttpError) {
      send(response, {
        status: error.status,
        json: error.body,
        headers: { ...extraHeaders, ...error.headers },
      });
      return;
    }
    state.logger?.error({ err: error, method, path: url.pathname }, 'sandbox request failed');
    send(response, {
      status: 500,
      json: errorBody(
        'INTERNAL_ERROR',
        'The sandbox failed to handle this request; its log has the details.',
      ),
    });
  }
}

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Starts the HTTP server on 127.0.0.1 only. Port 0 picks a free port. */
export async function startHttpServer(
  state: SandboxState,
  router: Router,
  port: number,
): Promise<RunningServer> {
  const server = createServer((request, response) => {
    void handle(state, router, request, response);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
