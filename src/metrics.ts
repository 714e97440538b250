import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The app's one Prometheus registry. Modules add their metrics to it with
 * `registers: [metricsRegistry]`; the `/metrics` route serializes it.
 */
export const metricsRegistry = new Registry();

let defaultMetricsStarted = false;

/** Adds Node's process metrics (event loop lag, heap, CPU) once per process. */
export function startDefaultMetrics(): void {
  if (defaultMetricsStarted) return;
  defaultMetricsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

export const hubspotRequestsTotal = new Counter({
  name: 'cs_health_hubspot_requests_total',
  help: 'HubSpot API attempts by endpoint label and outcome (ok, 4xx status, 429, 5xx, network)',
  labelNames: ['endpoint', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const hubspotRequestDuration = new Histogram({
  name: 'cs_health_hubspot_request_duration_seconds',
  help: 'Duration of one HubSpot API attempt, excluding rate-limit waits',
  labelNames: ['endpoint'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
  registers: [metricsRegistry],
});

export const hubspotRateLimitWaitSeconds = new Histogram({
  name: 'cs_health_hubspot_rate_limit_wait_seconds',
  help: 'Time spent waiting for a slot of the per-portal rate limiter',
  labelNames: ['kind'] as const,
  buckets: [0, 0.01, 0.1, 0.5, 1, 2, 5, 10],
  registers: [metricsRegistry],
});

export const tokenRefreshTotal = new Counter({
  name: 'cs_health_token_refresh_total',
  help: 'Access token refreshes by result (ok, revoked, failed)',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

export const installationsTotal = new Counter({
  name: 'cs_health_installations_total',
  help: 'Install callback outcomes: installed, or the failure reason (access_denied, code_rejected, provisioning_failed, ...)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const portalsDisconnectedTotal = new Counter({
  name: 'cs_health_portals_disconnected_total',
  help: 'Portals marked disconnected after HubSpot rejected their refresh token',
  registers: [metricsRegistry],
});
