import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type IORedis from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import type { Logger } from '../../src/log';
import type { RecomputeQueue } from '../queue/queue';
import { CANARY_INTERVAL_MS, canaryKey } from '../queue/schedules';
import { requireAdminToken } from './admin-auth';
import { renderMetrics } from './metrics-share';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** `/readyz` fails when no worker consumed a canary job for this long (a few canary periods). */
export const DEFAULT_CANARY_MAX_AGE_MS = 4 * CANARY_INTERVAL_MS + 5_000;

export interface OpsRouterDeps {
  /** A connection with a `commandTimeout`, so probes respond even when Redis hangs. */
  redis: IORedis;
  prefix: string;
  queue: RecomputeQueue;
  adminToken: string;
  logger: Logger;
  /** This process's metrics publisher id, when it publishes (a combined web and worker process). */
  instanceId?: string;
  canaryMaxAgeMs?: number;
  /** Deadline for each Redis probe of `/readyz` and the scrape-time gauges. @defaultValue 1000 */
  probeTimeoutMs?: number;
}

/**
 * The dashboard is a script bundle served from its own path with a `<base href>`, so it needs a
 * policy that allows same-origin scripts and the base URI. Its Google Fonts link stays blocked,
 * and the page falls back to a local font.
 */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

function dashboardSecurityPolicy(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  next();
}

async function withTimeout<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${operation} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Gauges read from Redis when Prometheus scrapes; only the web process registers them. */
function queueGauges(deps: OpsRouterDeps): Registry {
  const registry = new Registry();
  const marks = deps.queue.marks;
  new Gauge({
    name: 'cs_health_queue_companies',
    help: 'Companies and objects waiting per portal, by set (hot, cold, refs, drops, inflight, failed_refs)',
    labelNames: ['portal', 'set'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const depth of await marks.depths()) {
        const portal = String(depth.portalId);
        this.set({ portal, set: 'hot' }, depth.hot);
        this.set({ portal, set: 'cold' }, depth.cold);
        this.set({ portal, set: 'refs' }, depth.refs);
        this.set({ portal, set: 'drops' }, depth.drops);
        this.set({ portal, set: 'inflight' }, depth.inflight);
        this.set({ portal, set: 'failed_refs' }, depth.failedRefs);
      }
    },
  });
  new Gauge({
    name: 'cs_health_queue_lag_seconds',
    help: 'Age of the oldest mark still waiting per portal (0 when none waits)',
    labelNames: ['portal'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const depth of await marks.depths()) {
        this.set({ portal: String(depth.portalId) }, depth.lagMs / 1000);
      }
    },
  });
  new Gauge({
    name: 'cs_health_queue_jobs',
    help: 'BullMQ jobs on the recompute queue by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await deps.queue.queue.getJobCounts(
        'active',
        'waiting',
        'prioritized',
        'delayed',
        'completed',
        'failed',
      );
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'cs_health_worker_canary_age_seconds',
    help: 'Seconds since a worker last consumed a canary job',
    registers: [registry],
    async collect() {
      const last = await deps.redis.get(canaryKey(deps.prefix));
      this.set(last === null ? -1 : (Date.now() - Number(last)) / 1000);
    },
  });
  return registry;
}

/**
 * Builds `/healthz` (the process is up), `/readyz` (Redis responds to PING and a worker consumed
 * a canary job recently), `/metrics` (Prometheus text, merged across processes) and the BullMQ
 * dashboard at `/admin/queues` behind `ADMIN_TOKEN`.
 */
export function createOpsRouter(deps: OpsRouterDeps): Router {
  const router = express.Router();
  const probeTimeoutMs = deps.probeTimeoutMs ?? 1000;
  const canaryMaxAgeMs = deps.canaryMaxAgeMs ?? DEFAULT_CANARY_MAX_AGE_MS;
  const gauges = queueGauges(deps);
  const logger = deps.logger.child({ component: 'ops' });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });

  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      await withTimeout(deps.redis.ping(), probeTimeoutMs, 'Redis PING');
      checks.redis = 'ok';
      const last = await withTimeout(
        deps.redis.get(canaryKey(deps.prefix)),
        probeTimeoutMs,
        'reading the canary time',
      );
      const age = last === null ? undefined : Date.now() - Number(last);
      if (age === undefined) {
        ready = false;
        checks.worker = 'no worker has consumed a canary job yet';
      } else if (age > canaryMaxAgeMs) {
        ready = false;
        checks.worker = `last canary job consumed ${Math.round(age / 1000)} s ago (limit ${Math.round(canaryMaxAgeMs / 1000)} s)`;
      } else {
        checks.worker = 'ok';
      }
    } catch (error) {
      ready = false;
      checks.redis = error instanceof Error ? error.message : String(error);
    }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });

  router.get('/metrics', async (_req, res) => {
    try {
      const rendered = await withTimeout(
        renderMetrics({
          redis: deps.redis,
          prefix: deps.prefix,
          extra: [gauges],
          ...(deps.instanceId ? { instanceId: deps.instanceId } : {}),
        }),
        5 * probeTimeoutMs,
        'collecting metrics',
      );
      res.setHeader('Content-Type', rendered.contentType);
      res.send(rendered.text);
    } catch (error) {
      logger.error({ err: error }, 'collecting metrics failed');
      res
        .status(503)
        .type('text/plain')
        .send(`metrics unavailable: ${String(error)}\n`);
    }
  });

  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(deps.queue.queue)], serverAdapter: board });
  router.use(
    QUEUE_DASHBOARD_PATH,
    requireAdminToken(deps.adminToken),
    dashboardSecurityPolicy,
    board.getRouter(),
  );

  return router;
}
