import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../../src/metrics';

/** Webhook requests by the HTTP status of the response (200, 400, 401, 503). */
export const webhookRequestsTotal = new Counter({
  name: 'cs_health_webhook_requests_total',
  help: 'Webhook requests from HubSpot by the HTTP status of the response',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

export const webhookRequestDuration = new Histogram({
  name: 'cs_health_webhook_request_duration_seconds',
  help: 'Time from receiving a webhook request to sending the response',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
  registers: [metricsRegistry],
});

/**
 * Webhook events by what became of them: `queued` (led to work), `ignored` (no work, see the
 * reason counter), or `portal_unknown`, `portal_disconnected`, `portal_uninstalled` (acknowledged
 * but dropped because the portal cannot be worked on).
 */
export const webhookEventsTotal = new Counter({
  name: 'cs_health_webhook_events_total',
  help: 'Webhook events received, by outcome (queued, ignored, portal_unknown, portal_disconnected, portal_uninstalled)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const webhookEventsIgnoredTotal = new Counter({
  name: 'cs_health_webhook_events_ignored_total',
  help: 'Webhook events that led to no work, by reason (own_property, unsupported_object, ...)',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

/** Companies recomputed, by why they were queued and what the recompute did. */
export const recomputedCompaniesTotal = new Counter({
  name: 'cs_health_recomputed_companies_total',
  help: 'Companies recomputed, by reason (webhook, backfill, sweep) and result (written, unchanged, missing, failed)',
  labelNames: ['reason', 'result'] as const,
  registers: [metricsRegistry],
});

export const recomputeBatchDuration = new Histogram({
  name: 'cs_health_recompute_batch_duration_seconds',
  help: 'Duration of one recomputeCompanies call (one batch of up to 100 companies)',
  labelNames: ['reason'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [metricsRegistry],
});

/** Queue jobs by name and how the attempt ended. */
export const queueJobsTotal = new Counter({
  name: 'cs_health_queue_jobs_total',
  help: 'Queue job attempts by job name and outcome (completed, stale, delayed, retried, failed, skipped)',
  labelNames: ['name', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** Jobs that gave their worker slot back because the portal's rate-limit budget was spent. */
export const rateLimitDelaysTotal = new Counter({
  name: 'cs_health_queue_rate_limit_delays_total',
  help: 'Jobs moved to delayed because the portal had no rate-limit budget left, by job name',
  labelNames: ['name'] as const,
  registers: [metricsRegistry],
});
