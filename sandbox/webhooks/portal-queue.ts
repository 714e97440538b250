import type { Logger } from 'pino';

import type { WebhookEvent } from './payload';

/** The webhook faults of one portal, read again for every event and every attempt. */
export interface WebhookFaults {
  /** Share (0..1) of events that are queued twice, with the same eventId. */
  webhookDuplicateRate: number;
  /** Shuffles events within each request and keeps some back for a later request. */
  webhookReorder: boolean;
  /** Share (0..1) of requests counted as failed after the receiver responded, as if timed out. */
  webhookFailureRate: number;
}

export interface QueueSettings {
  maxBatchSize: number;
  flushIntervalMs: number;
  maxRetries: number;
  retryBaseMs: number;
  maxConcurrent: () => number;
}

/** Counters shared by every portal queue of one dispatcher. */
export interface DeliveryCounters {
  eventsDelivered: number;
  requestsSent: number;
  failedAttempts: number;
  deliveriesAbandoned: number;
  eventsAbandoned: number;
}

export type AttemptResult = { ok: true } | { ok: false; reason: string };

export interface QueueDependencies {
  send: (portalId: number, events: WebhookEvent[]) => Promise<AttemptResult>;
  faults: () => WebhookFaults;
  random: () => number;
  counters: DeliveryCounters;
  log: Logger;
  /** Called whenever pending or in-flight counts may have changed. */
  onChange: () => void;
}

interface Batch {
  events: WebhookEvent[];
  attemptNumber: number;
}

/** Share of events held back for the next request when reordering a batch that is not full. */
const REORDER_HOLD_BACK = 0.3;

/**
 * Delivery state of one portal: events wait up to `flushIntervalMs` to be batched, at most
 * `maxConcurrent()` requests are in flight, and failed requests are retried with growing random
 * delays until `maxRetries` retries have failed.
 */
export class PortalDeliveryQueue {
  private buffer: WebhookEvent[] = [];
  private retryReady: Batch[] = [];
  private retryWaiting = new Map<NodeJS.Timeout, Batch>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushDue = false;
  private inFlight = 0;
  private consecutiveFailures = 0;
  private stopped = false;

  constructor(
    readonly portalId: number,
    private readonly settings: QueueSettings,
    private readonly deps: QueueDependencies,
  ) {}

  enqueue(events: WebhookEvent[]): void {
    const duplicateRate = this.deps.faults().webhookDuplicateRate;
    for (const event of events) {
      this.buffer.push(event);
      if (duplicateRate > 0 && this.deps.random() < duplicateRate) this.buffer.push({ ...event });
    }
    this.pump();
    this.deps.onChange();
  }

  /** Sends buffered events now instead of at the end of the flush interval. */
  flushNow(): void {
    if (this.buffer.length > 0) this.flushDue = true;
    this.pump();
  }

  /** Events buffered, waiting for a free request slot, or waiting for a retry. */
  get pendingEvents(): number {
    let count = this.buffer.length;
    for (const batch of this.retryReady) count += batch.events.length;
    for (const batch of this.retryWaiting.values()) count += batch.events.length;
    return count;
  }

  get inFlightRequests(): number {
    return this.inFlight;
  }

  /** Drops everything pending. Responses to requests still in flight are ignored. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.flushTimer);
    for (const timer of this.retryWaiting.keys()) clearTimeout(timer);
    this.retryWaiting.clear();
    this.retryReady = [];
    this.buffer = [];
  }

  private pump(): void {
    if (this.stopped) return;
    while (this.inFlight < this.settings.maxConcurrent()) {
      const batch = this.retryReady.shift() ?? this.takeBatch();
      if (!batch) break;
      void this.attempt(batch);
    }
    if (this.buffer.length > 0 && !this.flushDue && !this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        if (this.buffer.length > 0) this.flushDue = true;
        this.pump();
      }, this.settings.flushIntervalMs);
    }
  }

  /** Cuts the next request from the buffer once the interval has passed or a batch is full. */
  private takeBatch(): Batch | undefined {
    const { maxBatchSize } = this.settings;
    if (this.buffer.length === 0) {
      this.flushDue = false;
      return undefined;
    }
    if (!this.flushDue && this.buffer.length < maxBatchSize) return undefined;

    const events = this.deps.faults().webhookReorder
      ? this.takeReordered()
      : this.buffer.splice(0, maxBatchSize);
    if (this.buffer.length === 0) {
      this.flushDue = false;
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    return { events, attemptNumber: 0 };
  }

  /**
   * Shuffles the buffer and takes a batch from its front. When everything would fit in one
   * request, a random share stays behind for the next one, so order breaks across requests too.
   */
  private takeReordered(): WebhookEvent[] {
    shuffle(this.buffer, this.deps.random);
    const { maxBatchSize } = this.settings;
    if (this.buffer.length > maxBatchSize) return this.buffer.splice(0, maxBatchSize);
    let count = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      if (this.deps.random() >= REORDER_HOLD_BACK) count++;
    }
    return this.buffer.splice(0, Math.max(1, count));
  }

  private async attempt(batch: Batch): Promise<void> {
    const faults = this.deps.faults();
    if (faults.webhookReorder) shuffle(batch.events, this.deps.random);
    const events = batch.events.map((event) => ({ ...event, attemptNumber: batch.attemptNumber }));

    this.inFlight++;
    this.deps.counters.requestsSent++;
    let result: AttemptResult;
    try {
      result = await this.deps.send(this.portalId, events);
    } catch (error) {
      result = { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
    this.inFlight--;
    if (this.stopped) return;

    let injected = false;
    if (
      result.ok &&
      faults.webhookFailureRate > 0 &&
      this.deps.random() < faults.webhookFailureRate
    ) {
      result = { ok: false, reason: 'counted as timed out by the webhookFailureRate fault' };
      injected = true;
    }
    if (result.ok) this.recordSuccess(batch);
    else this.recordFailure(batch, result.reason, injected);
    this.pump();
    this.deps.onChange();
  }

  private recordSuccess(batch: Batch): void {
    this.deps.counters.eventsDelivered += batch.events.length;
    if (this.consecutiveFailures > 0) {
      this.deps.log.info(
        { portalId: this.portalId, failedAttempts: this.consecutiveFailures },
        'webhook delivery recovered',
      );
    }
    this.consecutiveFailures = 0;
  }

  private recordFailure(batch: Batch, reason: string, injected: boolean): void {
    const { counters, log } = this.deps;
    counters.failedAttempts++;
    if (!injected) this.consecutiveFailures++;
    const fields = {
      portalId: this.portalId,
      attemptNumber: batch.attemptNumber,
      events: batch.events.length,
      reason,
      consecutiveFailures: this.consecutiveFailures,
    };

    if (batch.attemptNumber >= this.settings.maxRetries) {
      counters.deliveriesAbandoned++;
      counters.eventsAbandoned += batch.events.length;
      log.error(fields, 'webhook delivery abandoned after the last retry');
      return;
    }
    const delayMs = this.retryDelayMs(batch.attemptNumber + 1);
    // Only the first failure of a run and every tenth after it reach warn, so a receiver that
    // is down does not write a line per request.
    const level = !injected && this.consecutiveFailures % 10 === 1 ? 'warn' : 'debug';
    log[level]({ ...fields, retryInMs: Math.round(delayMs) }, 'webhook delivery failed; retrying');

    const next: Batch = { events: batch.events, attemptNumber: batch.attemptNumber + 1 };
    const timer = setTimeout(() => {
      this.retryWaiting.delete(timer);
      this.retryReady.push(next);
      this.pump();
    }, delayMs);
    this.retryWaiting.set(timer, next);
  }

  /**
   * Delay before retry number `retry` (1-based): `retryBaseMs` doubled per retry, times a random
   * factor between 0.5 and 1.5. HubSpot spreads its 10 retries over about a day.
   */
  private retryDelayMs(retry: number): number {
    return this.settings.retryBaseMs * 2 ** (retry - 1) * (0.5 + this.deps.random());
  }
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
}
