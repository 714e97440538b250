/**
 * The backend of the company health card: `GET /cards/health` and `POST /cards/health/recompute`,
 * called by the card through `hubspot.fetch`.
 *
 * NOTE for the web process (`src/main/web.ts`): pass
 * `{ path: '/cards', router: cardsRouter(deps) }` in `routers` of `createApp`, and keep app-wide
 * body parsers such as `express.json()` out of the app. The HubSpot signature covers the raw body
 * bytes, so this router reads them itself and responds with 500 when another parser consumed
 * them first.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type IORedis from 'ioredis';
import { z } from 'zod';
import type {
  DisconnectedHealth,
  ErrorBody,
  HealthResponse,
  NotScoredHealth,
  RecomputeResponse,
} from '../../extensions/app/cards/types';
import type { ProgressStore } from '../../webhooks/backfill/progress';
import type { RecomputeQueue } from '../../webhooks/queue/queue';
import type { RecomputeStore } from '../../webhooks/recompute/store';
import type { Logger } from '../log';
import type { InstallationStatus, InstallationStore } from '../store/installations';
import { cardRequestDuration, cardRequestsTotal, routeLabel } from './metrics';
import { scoredHealth, StoredResultError } from './payload';
import { isRecomputePending } from './pending';
import { requireHubSpotSignature } from './verify';

export interface CardsRouterDeps {
  /** `PUBLIC_ORIGIN`: the origin HubSpot calls, used for the signed URI and the install link. */
  publicOrigin: string;
  /** `HUBSPOT_CLIENT_SECRET`, the key of the v3 signature. */
  clientSecret: string;
  /** The connection the stores use; the pending-recompute read goes through it as well. */
  redis: IORedis;
  installations: Pick<InstallationStore, 'status'>;
  results: Pick<RecomputeStore, 'getResult'>;
  progress: Pick<ProgressStore, 'read'>;
  queue: Pick<RecomputeQueue, 'markCompanies' | 'marks'>;
  logger: Logger;
  /** Clock for the signature's timestamp check, in epoch ms. */
  now?: () => number;
  /**
   * Maximum time in ms for the store reads and the mark of one request before the router responds
   * with 503. HubSpot retries a card fetch once after a 5xx.
   * @defaultValue 1500
   */
  storeTimeoutMs?: number;
}

/** Largest accepted body; the recompute body is about 50 bytes. */
const MAX_BODY_BYTES = 4096;

const portalIdText = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'expected the HubSpot account id, a positive integer');
const companyIdText = z
  .string()
  .regex(/^[1-9]\d{0,19}$/, 'expected the HubSpot company record id, a positive integer');

const recomputeBodySchema = z.object({
  portalId: z
    .number({ error: 'expected the HubSpot account id as a JSON number' })
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER),
  companyId: z.union([companyIdText, z.number().int().positive().transform(String)], {
    error: 'expected the HubSpot company record id, a positive integer',
  }),
});

class DeadlineError extends Error {
  constructor(ms: number) {
    super(`the store did not respond within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/** Rejects with {@link DeadlineError} unless `work` settles within `ms`. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function sendError(response: Response, status: number, error: string, message: string): void {
  response.status(status).json({ error, message } satisfies ErrorBody);
}

/**
 * Reads one query parameter. HubSpot may append parameters of its own, and a repeated parameter
 * is accepted only when every copy has the same value.
 */
function queryValue(
  request: Request,
  name: string,
  schema: z.ZodString,
): { value: string } | { error: string } {
  const raw = request.query[name];
  const values = (Array.isArray(raw) ? raw : [raw]).filter((value) => value !== undefined);
  if (values.length === 0) {
    return { error: `${name} is missing: call /cards/health?portalId=<id>&companyId=<id>` };
  }
  const first = values[0];
  if (typeof first !== 'string' || values.some((value) => value !== first)) {
    return { error: `${name} must be given once, got ${JSON.stringify(raw)}` };
  }
  const parsed = schema.safeParse(first);
  if (!parsed.success) {
    return { error: `${name} "${first}" is invalid: ${parsed.error.issues[0]?.message}` };
  }
  return { value: parsed.data };
}

function disconnectedHealth(
  portalId: number,
  status: InstallationStatus | undefined,
  publicOrigin: string,
): DisconnectedHealth {
  return {
    state: 'disconnected',
    portalId,
    reason: status === 'disconnected' ? 'revoked' : 'not_installed',
    reinstallUrl: `${publicOrigin.replace(/\/+$/, '')}/oauth/install`,
  };
}

async function readHealth(
  deps: CardsRouterDeps,
  portalId: number,
  companyId: string,
): Promise<HealthResponse> {
  // One round trip each, sent together: the install status, the stored result and the queue.
  const [status, stored, pending] = await Promise.all([
    deps.installations.status(portalId),
    deps.results.getResult(portalId, companyId),
    isRecomputePending(deps.redis, deps.queue.marks, portalId, companyId),
  ]);
  if (status !== 'active') return disconnectedHealth(portalId, status, deps.publicOrigin);
  if (stored) return scoredHealth(portalId, companyId, stored, pending);

  const progress = await deps.progress.read(portalId);
  const running = progress?.state === 'listing' || progress?.state === 'scoring';
  const notScored: NotScoredHealth = {
    state: 'not_scored',
    portalId,
    companyId,
    recomputePending: pending,
    backfill:
      progress && running
        ? { done: progress.done, total: Math.max(progress.total, progress.listed) }
        : null,
  };
  return notScored;
}

async function markForRecompute(
  deps: CardsRouterDeps,
  portalId: number,
  companyId: string,
): Promise<{ status: number; body: RecomputeResponse }> {
  const status = await deps.installations.status(portalId);
  if (status !== 'active') {
    return { status: 409, body: disconnectedHealth(portalId, status, deps.publicOrigin) };
  }
  const alreadyQueued = await isRecomputePending(deps.redis, deps.queue.marks, portalId, companyId);
  // A mark of a waiting company changes nothing, so HubSpot's retry after a 5xx is harmless.
  await deps.queue.markCompanies(portalId, [companyId], 'webhook');
  return { status: 202, body: { state: 'queued', alreadyQueued } };
}

/** Builds the router the web app mounts at `/cards`. */
export function cardsRouter(deps: CardsRouterDeps): Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.storeTimeoutMs ?? 1500;
  const logger = deps.logger.child({ module: 'cards' });

  const fail = (
    request: Request,
    response: Response,
    error: unknown,
    ids: { portalId: number; companyId: string },
  ) => {
    const route = routeLabel(request);
    if (error instanceof StoredResultError) {
      logger.error({ err: error, ...ids }, 'stored result of a company cannot be shown');
      cardRequestsTotal.inc({ route, outcome: 'error' });
      sendError(response, 500, 'invalid_stored_result', error.message);
      return;
    }
    // A timeout, or any error while Redis is not connected, means the store is unavailable.
    if (error instanceof DeadlineError || deps.redis.status !== 'ready') {
      logger.error({ err: error, ...ids }, 'card request failed: store unavailable');
      cardRequestsTotal.inc({ route, outcome: 'store_timeout' });
      sendError(
        response,
        503,
        'store_unavailable',
        'CS Health could not read its data in time. Try again in a few seconds.',
      );
      return;
    }
    logger.error({ err: error, ...ids }, 'card request failed');
    cardRequestsTotal.inc({ route, outcome: 'error' });
    sendError(
      response,
      500,
      'internal_error',
      'CS Health failed to process this request. Try again in a few seconds.',
    );
  };

  router.use((request, response, next) => {
    response.set('Cache-Control', 'no-store');
    const stopTimer = cardRequestDuration.startTimer({ route: routeLabel(request) });
    response.on('finish', () => stopTimer());
    next();
  });
  router.use(express.raw({ type: () => true, limit: MAX_BODY_BYTES }));
  router.use(
    requireHubSpotSignature({
      clientSecret: deps.clientSecret,
      publicOrigin: deps.publicOrigin,
      logger,
      now,
    }),
  );

  router.get('/health', async (request, response) => {
    const portal = queryValue(request, 'portalId', portalIdText);
    const company = queryValue(request, 'companyId', companyIdText);
    if ('error' in portal || 'error' in company) {
      const message = 'error' in portal ? portal.error : (company as { error: string }).error;
      cardRequestsTotal.inc({ route: 'health', outcome: 'invalid_request' });
      sendError(response, 400, 'invalid_request', message);
      return;
    }
    const ids = { portalId: Number(portal.value), companyId: company.value };
    try {
      const health = await withDeadline(readHealth(deps, ids.portalId, ids.companyId), timeoutMs);
      cardRequestsTotal.inc({
        route: 'health',
        outcome: health.state === 'disconnected' ? 'disconnected' : 'ok',
      });
      response.status(200).json(health);
    } catch (error) {
      fail(request, response, error, ids);
    }
  });

  router.post('/health/recompute', async (request, response) => {
    const body = parseRecomputeBody(request.body as Buffer);
    if ('error' in body) {
      cardRequestsTotal.inc({ route: 'recompute', outcome: 'invalid_request' });
      sendError(response, 400, 'invalid_request', body.error);
      return;
    }
    const ids = body.value;
    try {
      const result = await withDeadline(
        markForRecompute(deps, ids.portalId, ids.companyId),
        timeoutMs,
      );
      if (result.body.state === 'queued') {
        logger.info(
          { ...ids, alreadyQueued: result.body.alreadyQueued },
          'card requested a recompute',
        );
      }
      cardRequestsTotal.inc({
        route: 'recompute',
        outcome: result.status === 409 ? 'disconnected' : 'ok',
      });
      response.status(result.status).json(result.body);
    } catch (error) {
      fail(request, response, error, ids);
    }
  });

  // Errors of express.raw (a body over the limit, a broken encoding) carry their HTTP status.
  router.use((error: unknown, request: Request, response: Response, next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    if (response.headersSent || typeof status !== 'number' || status < 400 || status >= 500) {
      next(error);
      return;
    }
    logger.warn({ err: error, path: request.path, status }, 'rejected a card request body');
    cardRequestsTotal.inc({ route: routeLabel(request), outcome: 'invalid_request' });
    const message =
      status === 413
        ? `The request body is larger than ${MAX_BODY_BYTES} bytes.`
        : 'The request body could not be read.';
    sendError(response, status, 'invalid_request', message);
  });

  return router;
}

function parseRecomputeBody(
  raw: Buffer | undefined,
): { value: { portalId: number; companyId: string } } | { error: string } {
  const text = raw?.toString('utf8') ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'The body must be JSON like {"portalId": 123, "companyId": "456"}.' };
  }
  const parsed = recomputeBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    const value = JSON.stringify((json as Record<string, unknown> | null)?.[field] ?? null);
    return { error: `${field} ${value} is invalid: ${issue?.message ?? 'unknown problem'}` };
  }
  return { value: parsed.data };
}
