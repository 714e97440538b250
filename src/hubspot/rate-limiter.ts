import { randomUUID } from 'node:crypto';
import type IORedis from 'ioredis';
import { hubspotRateLimitWaitSeconds } from '../metrics';
import { HubSpotApiError } from './errors';
import type { PortalRateLimiter, RequestKind } from './types';

export interface RedisRateLimiterOptions {
  redis: IORedis;
  prefix: string;
  /** Requests per rolling 10 s per portal (HubSpot allows 110 for public apps). */
  generalPerWindow: number;
  /** CRM search requests per rolling second per portal (HubSpot allows 5). */
  searchPerWindow: number;
  /**
   * Multiplies both windows; the sandbox's `timeScale` N shortens its windows N times, so tests
   * pass 1/N. @defaultValue 1
   */
  windowScale?: number;
  /** @defaultValue 30000 */
  defaultMaxWaitMs?: number;
}

/** A granted slot; `settle` restamps it when the request finished. */
export interface RateLimitSlot {
  settle(): Promise<void>;
}

/**
 * A sliding-window log per portal and kind, shared by every process through Redis. Each granted
 * request adds one sorted-set entry stamped with Redis's own clock (TIME), so processes with
 * skewed clocks still agree. HubSpot counts a request when it arrives, which is after the grant.
 * `acquireSlot(...).settle()` therefore moves the entry to the finish time, so the local window
 * ends no earlier than HubSpot's for requests that take less than one window. A 429 from HubSpot
 * can block a portal's kind with `block`.
 */
export class RedisRateLimiter implements PortalRateLimiter {
  private readonly redis: IORedis;
  private readonly prefix: string;
  private readonly limits: Record<RequestKind, { max: number; windowMs: number }>;
  private readonly defaultMaxWaitMs: number;

  constructor(options: RedisRateLimiterOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    const scale = options.windowScale ?? 1;
    this.limits = {
      general: { max: options.generalPerWindow, windowMs: Math.max(1, Math.round(10_000 * scale)) },
      search: { max: options.searchPerWindow, windowMs: Math.max(1, Math.round(1_000 * scale)) },
    };
    this.defaultMaxWaitMs = options.defaultMaxWaitMs ?? 30_000;
  }

  windowMs(kind: RequestKind): number {
    return this.limits[kind].windowMs;
  }

  async tryAcquire(portalId: number, kind: RequestKind): Promise<number> {
    return this.take(portalId, kind, randomUUID());
  }

  async availableIn(portalId: number, kind: RequestKind): Promise<number> {
    const { max, windowMs } = this.limits[kind];
    const wait = await this.redis.eval(
      SLIDING_WINDOW_PEEK,
      2,
      this.windowKey(portalId, kind),
      this.blockKey(portalId, kind),
      String(max),
      String(windowMs),
    );
    return Number(wait);
  }

  async acquire(
    portalId: number,
    kind: RequestKind,
    maxWaitMs = this.defaultMaxWaitMs,
  ): Promise<void> {
    await this.acquireSlot(portalId, kind, maxWaitMs);
  }

  /** Like `acquire`, and returns the slot so the caller can settle it when the request ends. */
  async acquireSlot(
    portalId: number,
    kind: RequestKind,
    maxWaitMs = this.defaultMaxWaitMs,
  ): Promise<RateLimitSlot> {
    const member = randomUUID();
    const started = Date.now();
    for (;;) {
      const wait = await this.take(portalId, kind, member);
      if (wait === 0) {
        hubspotRateLimitWaitSeconds.observe({ kind }, (Date.now() - started) / 1000);
        return { settle: () => this.settle(portalId, kind, member) };
      }
      const waited = Date.now() - started;
      if (waited + wait > maxWaitMs) {
        throw new HubSpotApiError({
          status: 429,
          category: 'LOCAL_RATE_LIMIT',
          retryable: true,
          retryAfterMs: wait,
          endpoint: `rate-limiter.${kind}`,
          portalId,
          detail: `the portal's ${kind} budget is spent for another ${wait} ms (waited ${waited} ms)`,
        });
      }
      // A little jitter keeps waiting processes from all retrying in the same millisecond.
      await sleep(wait + Math.floor(Math.random() * 15));
    }
  }

  private async take(portalId: number, kind: RequestKind, member: string): Promise<number> {
    const { max, windowMs } = this.limits[kind];
    const wait = await this.redis.eval(
      SLIDING_WINDOW_ACQUIRE,
      2,
      this.windowKey(portalId, kind),
      this.blockKey(portalId, kind),
      String(max),
      String(windowMs),
      member,
    );
    return Number(wait);
  }

  private async settle(portalId: number, kind: RequestKind, member: string): Promise<void> {
    await this.redis.eval(
      RESTAMP_SLOT,
      1,
      this.windowKey(portalId, kind),
      member,
      String(this.limits[kind].windowMs),
    );
  }

  /** Refuses every slot of the kind for `ms`, after HubSpot responded with 429. */
  async block(portalId: number, kind: RequestKind, ms: number): Promise<void> {
    await this.redis.set(this.blockKey(portalId, kind), '1', 'PX', Math.max(1, Math.round(ms)));
  }

  private windowKey(portalId: number, kind: RequestKind): string {
    return `${this.prefix}:ratelimit:${portalId}:${kind}`;
  }

  private blockKey(portalId: number, kind: RequestKind): string {
    return `${this.prefix}:ratelimit:${portalId}:${kind}:blocked`;
  }
}

/**
 * KEYS[1] window set, KEYS[2] block flag; ARGV max, window ms, unique member. Returns 0 when a
 * slot was taken, else the ms until one frees up.
 */
const SLIDING_WINDOW_ACQUIRE = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return blocked end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < max then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local entry = redis.call('ZRANGE', KEYS[1], count - max, count - max, 'WITHSCORES')
local wait = tonumber(entry[2]) + window - now
if wait < 1 then wait = 1 end
return wait`;

/** Like SLIDING_WINDOW_ACQUIRE without taking the slot: 0 when one is free, else the ms to wait. */
const SLIDING_WINDOW_PEEK = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return blocked end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local count = redis.call('ZCOUNT', KEYS[1], now - window + 1, '+inf')
if count < max then return 0 end
local entries = redis.call('ZRANGEBYSCORE', KEYS[1], now - window + 1, '+inf', 'WITHSCORES', 'LIMIT', count - max, 1)
local wait = tonumber(entries[2]) + window - now
if wait < 1 then wait = 1 end
return wait`;

/** KEYS[1] window set; ARGV member, window ms. Moves a granted entry to Redis's current time. */
const RESTAMP_SLOT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now, ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
