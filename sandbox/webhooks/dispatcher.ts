import path from 'node:path';

import pino, { type Logger } from 'pino';
import { z } from 'zod';

import type { ChangeEvent, ChangeFeed } from '../store/changes';
import { buildWebhookEvents, type WebhookEvent } from './payload';
import {
  PortalDeliveryQueue,
  type AttemptResult,
  type DeliveryCounters,
  type WebhookFaults,
} from './portal-queue';
import { checkTargetUrl, PostAgents, postWebhook } from './post';
import { webhookRequestHeaders } from './signature';
import { loadWebhooksFile, type WebhookSubscription } from './subscriptions';

/** The project's webhooks component, relative to the repository root. */
export const DEFAULT_SUBSCRIPTIONS_FILE = path.resolve(
  __dirname,
  '../../extensions/app/webhooks/webhooks-hsmeta.json',
);

const deliveryOptionsSchema = z.strictObject({
  /** @defaultValue 100, HubSpot's maximum events per request */
  maxBatchSize: z.number().int().min(1).max(100).default(100),
  /** How long the first event of a batch waits for more. @defaultValue 200 */
  flushIntervalMs: z.number().min(0).default(200),
  /** @defaultValue 5000, HubSpot's limit for a response */
  timeoutMs: z.number().positive().default(5000),
  /** @defaultValue 10, as HubSpot */
  maxRetries: z.number().int().min(0).max(10).default(10),
  /** Delay before the first retry, doubled for each further retry. @defaultValue 1000 */
  retryBaseMs: z.number().min(0).default(1000),
  /** Overrides `maxConcurrentRequests` from the webhooks file. */
  maxConcurrentPerPortal: z.number().int().min(1).optional(),
});

export type WebhookDeliveryOptions = z.input<typeof deliveryOptionsSchema>;

export interface WebhookApp {
  appId: number;
  clientSecret: string;
  /** URL every request goes to. Without one, events are dropped and counted in `eventsDiscarded`. */
  targetUrl?: string;
}

export interface WebhookDispatcherOptions {
  changes: ChangeFeed;
  app: WebhookApp;
  /** @defaultValue `extensions/app/webhooks/webhooks-hsmeta.json` in this repository */
  subscriptionsFile?: string;
  /** Current faults of a portal; read for every event and every attempt. @defaultValue none */
  faults?: (portalId: number) => WebhookFaults;
  /** HubSpot sends events only to portals that installed the app. @defaultValue every portal */
  isInstalled?: (portalId: number) => boolean;
  delivery?: WebhookDeliveryOptions;
  /** Allows target URLs outside 127.0.0.1, localhost and [::1]. @defaultValue false */
  allowRemoteTargets?: boolean;
  /** Random source for retry delays and faults, in [0, 1). @defaultValue Math.random */
  random?: () => number;
  logger?: Logger | false;
}

export interface WebhookStats extends DeliveryCounters {
  /** Events buffered, waiting for a request slot, or waiting for a retry. */
  pending: number;
  /** Requests in flight. */
  inFlight: number;
  /** Events dropped because no target URL was set or the portal had not installed the app. */
  eventsDiscarded: number;
}

export interface WebhookDispatcher {
  /** Every subscription of the webhooks file, active or not, with its subscriptionId. */
  readonly subscriptions: readonly WebhookSubscription[];
  readonly targetUrl: string | undefined;
  /** Changes the target URL for every later attempt, retries included. */
  setTargetUrl(url: string | undefined): void;
  stats(): WebhookStats;
  /**
   * Sends buffered events at once, then resolves when nothing is pending or in flight; rejects
   * after `timeoutMs`. Retry delays are not shortened. Resolves at once after `stop()`.
   */
  flush(timeoutMs?: number): Promise<void>;
  /** Stops listening, drops pending events, cuts off requests in flight and ends waiting flushes. */
  stop(): Promise<void>;
}

const NO_FAULTS: WebhookFaults = {
  webhookDuplicateRate: 0,
  webhookReorder: false,
  webhookFailureRate: 0,
};

const DEFAULT_FLUSH_TIMEOUT_MS = 10_000;

/**
 * Starts delivering the app's webhook events for every change on `options.changes`. Throws when
 * the webhooks file or an option is invalid.
 */
export function startWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const delivery = parseDeliveryOptions(options.delivery);
  const file = options.subscriptionsFile ?? DEFAULT_SUBSCRIPTIONS_FILE;
  const project = loadWebhooksFile(file);
  const allowRemote = options.allowRemoteTargets ?? false;
  const random = options.random ?? Math.random;
  const faultsOf = options.faults ?? (() => NO_FAULTS);
  const log = (options.logger || pino({ level: 'silent' })).child({
    component: 'sandbox-webhooks',
  });
  const maxConcurrent = delivery.maxConcurrentPerPortal ?? project.maxConcurrentRequests;

  let targetUrl = options.app.targetUrl;
  let target = targetUrl === undefined ? undefined : checkTargetUrl(targetUrl, allowRemote);
  let nextEventId = 1;
  let discarded = 0;
  let warnedNoTarget = false;
  let stopped = false;
  const agents = new PostAgents();
  const counters: DeliveryCounters = {
    eventsDelivered: 0,
    requestsSent: 0,
    failedAttempts: 0,
    deliveriesAbandoned: 0,
    eventsAbandoned: 0,
  };
  const queues = new Map<number, PortalDeliveryQueue>();
  const idleWaiters = new Set<() => void>();

  const stats = (): WebhookStats => {
    let pending = 0;
    let inFlight = 0;
    for (const queue of queues.values()) {
      pending += queue.pendingEvents;
      inFlight += queue.inFlightRequests;
    }
    return { ...counters, pending, inFlight, eventsDiscarded: discarded };
  };

  const notifyChange = (): void => {
    const { pending, inFlight } = stats();
    if (pending > 0 || inFlight > 0) return;
    for (const resolve of idleWaiters) resolve();
    idleWaiters.clear();
  };

  const send = async (portalId: number, events: WebhookEvent[]): Promise<AttemptResult> => {
    if (!target || targetUrl === undefined)
      return { ok: false, reason: 'no webhook target URL is set' };
    const body = JSON.stringify(events);
    const headers = webhookRequestHeaders(options.app.clientSecret, targetUrl, body, Date.now());
    const result = await postWebhook(target, headers, body, {
      timeoutMs: delivery.timeoutMs,
      agents,
    });
    if (!result.responded) return { ok: false, reason: result.reason };
    if (result.status >= 200 && result.status < 300) return { ok: true };
    return { ok: false, reason: `receiver responded with HTTP ${result.status}` };
  };

  const queueOf = (portalId: number): PortalDeliveryQueue => {
    let queue = queues.get(portalId);
    if (!queue) {
      queue = new PortalDeliveryQueue(
        portalId,
        { ...delivery, maxConcurrent: () => maxConcurrent },
        {
          send,
          faults: () => faultsOf(portalId),
          random,
          counters,
          log,
          onChange: notifyChange,
        },
      );
      queues.set(portalId, queue);
    }
    return queue;
  };

  const deliver = (change: ChangeEvent): void => {
    const events = buildWebhookEvents(change, project.subscriptions, {
      appId: options.app.appId,
      nextEventId: () => nextEventId++,
    });
    if (events.length === 0) return;

    if (options.isInstalled && !options.isInstalled(change.portalId)) {
      discarded += events.length;
      return;
    }
    if (!target) {
      discarded += events.length;
      if (!warnedNoTarget) {
        log.warn(
          { portalId: change.portalId },
          'no webhook target URL is set; events are dropped until one is',
        );
        warnedNoTarget = true;
      }
      return;
    }
    queueOf(change.portalId).enqueue(events);
  };

  // The feed calls this inside the store's write path, so an error here is logged, never thrown.
  const onChange = (change: ChangeEvent): void => {
    if (stopped) return;
    try {
      deliver(change);
    } catch (error) {
      log.error(
        {
          err: error,
          portalId: change.portalId,
          objectType: change.objectType,
          objectId: change.objectId,
          kind: change.kind,
        },
        'webhook events for a change could not be queued; the change is skipped',
      );
    }
  };

  const unsubscribe = options.changes.subscribe(onChange);
  log.info(
    {
      file,
      activeSubscriptions: project.subscriptions.filter((s) => s.active).length,
      maxConcurrent,
      targetUrl,
    },
    'webhook dispatcher started',
  );

  return {
    subscriptions: project.subscriptions,
    get targetUrl() {
      return targetUrl;
    },
    setTargetUrl(url) {
      target = url === undefined ? undefined : checkTargetUrl(url, allowRemote);
      targetUrl = url;
      warnedNoTarget = false;
      log.info({ targetUrl: url }, 'webhook target URL changed');
    },
    stats,
    flush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS) {
      if (stopped) return Promise.resolve();
      for (const queue of queues.values()) queue.flushNow();
      return waitForIdle(timeoutMs);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      for (const queue of queues.values()) queue.stop();
      agents.destroy();
      for (const resolve of idleWaiters) resolve();
      idleWaiters.clear();
      log.info(stats(), 'webhook dispatcher stopped');
    },
  };

  function waitForIdle(timeoutMs: number): Promise<void> {
    const current = stats();
    if (current.pending === 0 && current.inFlight === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        idleWaiters.delete(done);
        const { pending, inFlight } = stats();
        reject(
          new Error(
            `webhook delivery did not finish within ${timeoutMs} ms: ${pending} events pending, ${inFlight} requests in flight`,
          ),
        );
      }, timeoutMs);
      idleWaiters.add(done);
    });
  }
}

function parseDeliveryOptions(input: WebhookDeliveryOptions | undefined) {
  const parsed = deliveryOptionsSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(options)';
    const value =
      issue.path.length > 0 ? (input as Record<string, unknown>)[String(issue.path[0])] : input;
    return `${name}=${JSON.stringify(value)}: ${issue.message}`;
  });
  throw new Error(`invalid webhook delivery options: ${problems.join('; ')}`);
}
