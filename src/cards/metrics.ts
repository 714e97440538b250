import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../metrics';

export const cardRequestsTotal = new Counter({
  name: 'cs_health_card_requests_total',
  help: 'Card API requests by route (health, recompute) and outcome (ok, disconnected, invalid_signature, invalid_request, store_timeout, error)',
  labelNames: ['route', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const cardRequestDuration = new Histogram({
  name: 'cs_health_card_request_duration_seconds',
  help: 'Time from receiving a card API request to sending the response',
  labelNames: ['route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
  registers: [metricsRegistry],
});

/** Returns the metric label of a card API request: `recompute` or `health`. */
export function routeLabel(request: { path: string }): 'health' | 'recompute' {
  return request.path.endsWith('/recompute') ? 'recompute' : 'health';
}
