import { AggregatorRegistry, type Registry } from 'prom-client';
import type IORedis from 'ioredis';
import type { Logger } from '../../src/log';
import { metricsRegistry } from '../../src/metrics';

/**
 * Worker processes count recomputes and HubSpot calls, but Prometheus scrapes the web process.
 * Each worker therefore publishes its registry as JSON to one Redis hash every few seconds, and
 * `/metrics` merges the fresh snapshots with prom-client's `AggregatorRegistry` (counters and
 * histograms are summed across processes).
 */
export const METRICS_PUBLISH_INTERVAL_MS = 5_000;
/** Snapshots older than this belong to a stopped process and are deleted when read. */
export const METRICS_SNAPSHOT_MAX_AGE_MS = 60_000;

export function metricsSnapshotsKey(prefix: string): string {
  return `${prefix}:ops:metrics`;
}

interface Snapshot {
  at: number;
  metrics: object[];
}

export interface MetricsPublisher {
  /** Publishes one last snapshot, so the final counts of a stopping worker are kept. */
  stop(): Promise<void>;
}

/** Publishes this process's metrics for `/metrics` every `intervalMs`. */
export function startMetricsPublisher(options: {
  redis: IORedis;
  prefix: string;
  instanceId: string;
  logger: Logger;
  intervalMs?: number;
}): MetricsPublisher {
  const key = metricsSnapshotsKey(options.prefix);
  let failures = 0;
  const publish = async (): Promise<void> => {
    const snapshot: Snapshot = {
      at: Date.now(),
      metrics: await metricsRegistry.getMetricsAsJSON(),
    };
    await options.redis.hset(key, options.instanceId, JSON.stringify(snapshot));
  };
  const tick = (): void => {
    publish().then(
      () => {
        failures = 0;
      },
      (error: unknown) => {
        failures += 1;
        // One line per minute of outage at most; the next success resets the count.
        if (failures === 1 || failures % 12 === 0) {
          options.logger.warn(
            { err: error, failures },
            'publishing worker metrics to Redis failed',
          );
        }
      },
    );
  };
  const timer = setInterval(tick, options.intervalMs ?? METRICS_PUBLISH_INTERVAL_MS);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await publish().catch(() => undefined);
    },
  };
}

/**
 * Renders the Prometheus text of this process merged with every fresh worker snapshot and with
 * `extra` registries (scrape-time gauges such as queue depth).
 */
export async function renderMetrics(options: {
  redis: IORedis;
  prefix: string;
  /** This process's id, so its own published snapshot (if any) is not counted twice. */
  instanceId?: string;
  extra?: Registry[];
  now?: number;
}): Promise<{ contentType: string; text: string }> {
  const now = options.now ?? Date.now();
  const parts: object[][] = [await metricsRegistry.getMetricsAsJSON()];
  for (const registry of options.extra ?? []) parts.push(await registry.getMetricsAsJSON());

  const key = metricsSnapshotsKey(options.prefix);
  const stored = await options.redis.hgetall(key);
  const expired: string[] = [];
  for (const [instanceId, text] of Object.entries(stored)) {
    if (instanceId === options.instanceId) continue;
    const snapshot = JSON.parse(text) as Snapshot;
    if (now - snapshot.at > METRICS_SNAPSHOT_MAX_AGE_MS) expired.push(instanceId);
    else parts.push(snapshot.metrics);
  }
  if (expired.length > 0) await options.redis.hdel(key, ...expired);

  const merged = AggregatorRegistry.aggregate(parts);
  return { contentType: merged.contentType, text: await merged.metrics() };
}
