import http from 'node:http';
import { signedHeaders } from '../common/sign';
import { percentile } from '../common/stats';

/**
 * A webhook load generator, run as its own process so its event loop does not share time with
 * the sandbox. It POSTs signed batches at a fixed rate for a fixed time (open loop: a slow
 * response never delays the next send) and prints one JSON line with the latencies.
 *
 * Usage: node --import tsx test/perf/bench/loadgen.ts '<LoadSpec as JSON>'
 */

export interface LoadSpec {
  /** Where to POST, e.g. http://127.0.0.1:3000/hubspot/webhooks. */
  targetUrl: string;
  /** The URL HubSpot signs: PUBLIC_ORIGIN plus the path. */
  signedUrl: string;
  clientSecret: string;
  portalId: number;
  companyIds: string[];
  eventsPerSecond: number;
  eventsPerBatch: number;
  durationMs: number;
  maxSockets: number;
}

export interface LoadResult {
  requests: number;
  events: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  /** Requests sent per second over the run. */
  achievedRequestsPerSecond: number;
  latencyMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  /** The first error seen, when a request failed without a status. */
  firstError?: string;
}

function post(
  agent: http.Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<number | string> {
  return new Promise((resolve) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.setTimeout(10_000, () => request.destroy(new Error('no response within 10 s')));
    request.on('error', (error) => resolve(error.message));
    request.end(body);
  });
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.maxSockets });
  const url = new URL(spec.targetUrl);
  const requestsPerSecond = spec.eventsPerSecond / spec.eventsPerBatch;
  const total = Math.round((requestsPerSecond * spec.durationMs) / 1000);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let firstError: string | undefined;
  let eventSeq = 0;
  const inFlight: Promise<void>[] = [];

  const sendOne = async (): Promise<void> => {
    const events = Array.from({ length: spec.eventsPerBatch }, () => {
      eventSeq += 1;
      return {
        eventId: eventSeq,
        subscriptionId: 1,
        portalId: spec.portalId,
        appId: 1,
        occurredAt: Date.now(),
        subscriptionType: 'company.propertyChange',
        attemptNumber: 0,
        objectId: Number(spec.companyIds[eventSeq % spec.companyIds.length]),
        propertyName: 'seats_used',
        propertyValue: String(eventSeq),
        changeSource: 'CRM_UI',
      };
    });
    const body = JSON.stringify(events);
    const started = performance.now();
    const outcome = await post(
      agent,
      url,
      signedHeaders(spec.clientSecret, spec.signedUrl, body),
      body,
    );
    latencies.push(performance.now() - started);
    const key = typeof outcome === 'number' ? String(outcome) : 'error';
    statuses[key] = (statuses[key] ?? 0) + 1;
    if (typeof outcome === 'string') firstError ??= outcome;
  };

  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(
      total,
      Math.floor(((performance.now() - started) * requestsPerSecond) / 1000) + 1,
    );
    while (sent < due) {
      inFlight.push(sendOne());
      sent += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  agent.destroy();

  const ok = statuses['200'] ?? 0;
  return {
    requests: sent,
    events: sent * spec.eventsPerBatch,
    ok,
    failed: sent - ok,
    statuses,
    achievedRequestsPerSecond: sent / sendSeconds,
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
    },
    ...(firstError ? { firstError } : {}),
  };
}

if (require.main === module) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  runLoad(spec).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`load generator failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
