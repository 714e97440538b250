/**
 * Samples a request counter while the demo runs and finds the busiest rolling window, which
 * shows how close the app came to HubSpot's per-portal limit.
 */
export class RateSampler {
  private readonly samples: [number, number][] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly readCount: () => number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  private sample(): void {
    this.samples.push([Date.now(), this.readCount()]);
  }

  /**
   * Returns the maximum number of requests counted between two samples at most `windowMs` apart. Requests made just
   * before the first sample of a window are not seen, so this can underestimate the true peak
   * by what one sampling interval adds.
   */
  peak(windowMs: number): number {
    let peak = 0;
    let start = 0;
    for (let end = 0; end < this.samples.length; end += 1) {
      const [endTime, endCount] = this.samples[end]!;
      while (start < end && endTime - this.samples[start]![0] > windowMs) start += 1;
      peak = Math.max(peak, endCount - this.samples[start]![1]);
    }
    return peak;
  }
}

/** The HubSpot rate limit a sandbox route counts against, or `none` for OAuth calls. */
export type RateLimitClass = 'general' | 'search' | 'none';

/**
 * Classifies a sandbox request-count key (`METHOD /path`) as the sandbox's limiter does: CRM
 * search routes (`POST .../search`) have their own per-second limit, OAuth routes carry no
 * portal token and count against neither, and every other API route counts against the
 * 10-second limit.
 */
export function rateLimitClassOf(routeKey: string): RateLimitClass {
  const [method = '', path = ''] = routeKey.split(' ');
  if (path.startsWith('/oauth/')) return 'none';
  if (method === 'POST' && path.endsWith('/search')) return 'search';
  return 'general';
}

/** Sums a portal's sandbox request counts per rate-limit class, skipping the `total` entry. */
export function countByRateLimit(countsByRoute: Record<string, number>): {
  general: number;
  search: number;
} {
  const sums = { general: 0, search: 0 };
  for (const [routeKey, count] of Object.entries(countsByRoute)) {
    if (routeKey === 'total') continue;
    const limitClass = rateLimitClassOf(routeKey);
    if (limitClass !== 'none') sums[limitClass] += count;
  }
  return sums;
}
