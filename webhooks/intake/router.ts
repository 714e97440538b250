import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../../src/log';
import type { InstallationStatus } from '../../src/store/installations';
import {
  webhookEventsIgnoredTotal,
  webhookEventsTotal,
  webhookRequestDuration,
  webhookRequestsTotal,
} from '../ops/metrics';
import type { PortalMarks } from '../queue/types';
import { mapWebhookEvents } from './mapping';
import { parseWebhookBatch, type WebhookEvent } from './schema';
import { checkRequestSignature, type RequestSignatureOptions } from './signature';

export const WEBHOOK_PATH = '/hubspot/webhooks';

/** Largest body accepted. 100 events with long property values stay far below it. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** Intake responds 503 when Redis does not finish within this, well inside HubSpot's 5 s. */
export const DEFAULT_REDIS_DEADLINE_MS = 1500;

export interface WebhookIntakeDeps {
  /** `HUBSPOT_CLIENT_SECRET` and `PUBLIC_ORIGIN`, plus an optional clock for tests. */
  signature: RequestSignatureOptions;
  /** The destination of the marks; `RecomputeQueue` satisfies it. */
  queue: { enqueue(batch: PortalMarks[]): Promise<unknown> };
  /** `InstallationStore` satisfies it. */
  installations: { status(portalId: number): Promise<InstallationStatus | undefined> };
  logger: Logger;
  redisDeadlineMs?: number;
}

export interface WebhookIntake {
  router: Router;
  /** Makes the route respond 503 from now on (HubSpot retries), for a graceful shutdown. */
  stop(): void;
}

class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/**
 * Races `work` against a deadline. The work is not cancelled: a late mark still lands, which is
 * harmless because marks are idempotent and HubSpot redelivers the batch after the 503.
 */
async function withDeadline<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineError(`${operation} timed out after ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function portalOutcome(status: InstallationStatus | undefined): string {
  if (status === undefined) return 'portal_unknown';
  return status === 'disconnected' ? 'portal_disconnected' : 'portal_uninstalled';
}

/**
 * Builds `POST /hubspot/webhooks`: checks the v3 signature over the raw bytes, validates the
 * batch, maps events to per-portal marks, stores the marks in one Redis pipeline (adding a
 * portal's job when it has none) and responds 200.
 * No HubSpot call is made here; the worker reads the CRM's current state.
 *
 * Mount the router before any global body parser, because the signature is computed over the
 * bytes exactly as received.
 */
export function createWebhookIntake(deps: WebhookIntakeDeps): WebhookIntake {
  const logger = deps.logger.child({ component: 'webhook-intake' });
  const deadlineMs = deps.redisDeadlineMs ?? DEFAULT_REDIS_DEADLINE_MS;
  let stopped = false;
  const router = express.Router();

  const respond = (res: Response, status: number, body: Record<string, unknown>): void => {
    webhookRequestsTotal.inc({ status: String(status) });
    res.status(status).json(body);
  };

  router.post(
    WEBHOOK_PATH,
    express.raw({ type: () => true, limit: MAX_WEBHOOK_BODY_BYTES }),
    async (req: Request, res: Response) => {
      const stopTimer = webhookRequestDuration.startTimer();
      try {
        if (stopped) {
          respond(res, 503, { status: 'error', message: 'shutting down, retry later' });
          return;
        }
        const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const check = checkRequestSignature(req, rawBody, deps.signature);
        if (!check.valid) {
          logger.warn({ reason: check.reason, url: req.originalUrl }, 'rejected a webhook request');
          respond(res, 401, {
            status: 'error',
            message: `invalid request signature (${check.reason})`,
          });
          return;
        }
        const parsed = parseWebhookBatch(rawBody);
        if (!parsed.ok) {
          logger.warn({ problem: parsed.message }, 'rejected a malformed webhook batch');
          respond(res, 400, { status: 'error', message: parsed.message });
          return;
        }
        const queued = await withDeadline(accept(parsed.events), deadlineMs, 'queueing the batch');
        respond(res, 200, { status: 'ok', received: parsed.events.length, queued });
      } catch (error) {
        const timedOut = error instanceof DeadlineError;
        logger.error({ err: error, timedOut }, 'could not queue a webhook batch; responded 503');
        respond(res, 503, { status: 'error', message: 'queue unavailable, retry later' });
      } finally {
        stopTimer();
      }
    },
  );

  /** Drops events of portals that cannot be worked on, then marks the rest. */
  async function accept(events: WebhookEvent[]): Promise<number> {
    const portalIds = [...new Set(events.map((event) => event.portalId))];
    const statuses = new Map<number, InstallationStatus | undefined>();
    await Promise.all(
      portalIds.map(async (portalId) => {
        statuses.set(portalId, await deps.installations.status(portalId));
      }),
    );

    const accepted: WebhookEvent[] = [];
    for (const event of events) {
      const status = statuses.get(event.portalId);
      if (status === 'active') accepted.push(event);
      else webhookEventsTotal.inc({ outcome: portalOutcome(status) });
    }
    const skipped = events.length - accepted.length;
    if (skipped > 0) {
      logger.info(
        { skipped, portals: portalIds.filter((id) => statuses.get(id) !== 'active') },
        'acknowledged webhook events of portals that are not active',
      );
    }

    const mapped = mapWebhookEvents(accepted);
    for (const [reason, count] of mapped.ignored) {
      webhookEventsIgnoredTotal.inc({ reason }, count);
      webhookEventsTotal.inc({ outcome: 'ignored' }, count);
    }
    if (mapped.used > 0) webhookEventsTotal.inc({ outcome: 'queued' }, mapped.used);
    if (mapped.portals.size > 0) await deps.queue.enqueue([...mapped.portals.values()]);
    return mapped.used;
  }

  return {
    router,
    stop() {
      stopped = true;
    },
  };
}
