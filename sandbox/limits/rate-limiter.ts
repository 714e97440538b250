/** HubSpot's limits for public OAuth apps, per portal and app. */
export const RATE_LIMITS = {
  /** Every request except CRM search: 110 per rolling 10 seconds. */
  burst: { max: 110, windowMs: 10_000, policy: 'TEN_SECONDLY_ROLLING' as const },
  /** CRM search: 5 requests per second, counted apart from the burst limit. */
  search: { max: 5, windowMs: 1_000, policy: 'SECONDLY' as const },
};

export interface LimitDecision {
  allowed: boolean;
  max: number;
  remaining: number;
  windowMs: number;
}

/**
 * A rolling-window limiter: a request is admitted when fewer than `max` admitted requests fall
 * in the last `windowMs`. Rejected requests do not use up the window.
 */
export class RollingWindowLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  take(key: string, now: number): LimitDecision {
    let times = this.windows.get(key);
    if (!times) {
      times = [];
      this.windows.set(key, times);
    }
    const cutoff = now - this.windowMs;
    let expired = 0;
    while (expired < times.length && (times[expired] as number) <= cutoff) expired += 1;
    if (expired > 0) times.splice(0, expired);
    const decision = { max: this.max, windowMs: this.windowMs };
    if (times.length >= this.max) return { ...decision, allowed: false, remaining: 0 };
    times.push(now);
    return { ...decision, allowed: true, remaining: this.max - times.length };
  }

  reset(): void {
    this.windows.clear();
  }
}

/** Both HubSpot limits, with windows divided by `timeScale` and the counts kept. */
export class PortalRateLimits {
  readonly burst: RollingWindowLimiter;
  readonly search: RollingWindowLimiter;

  constructor(
    timeScale = 1,
    readonly enabled = true,
  ) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
    this.burst = new RollingWindowLimiter(
      RATE_LIMITS.burst.max,
      RATE_LIMITS.burst.windowMs / timeScale,
    );
    this.search = new RollingWindowLimiter(
      RATE_LIMITS.search.max,
      RATE_LIMITS.search.windowMs / timeScale,
    );
  }
}
