/** Request counts keyed by 'METHOD /route/template', overall and per portal, plus 'total'. */
export class RequestCounter {
  private overall = new Map<string, number>();
  private byPortal = new Map<number, Map<string, number>>();

  /** Counts one request under `key`, and under the portal when the request named one. */
  count(key: string, portalId?: number): void {
    increment(this.overall, key);
    increment(this.overall, 'total');
    if (portalId !== undefined) this.countForPortal(key, portalId);
  }

  /** Counts a request for a portal that `count` already counted overall. */
  countForPortal(key: string, portalId: number): void {
    let counts = this.byPortal.get(portalId);
    if (!counts) {
      counts = new Map();
      this.byPortal.set(portalId, counts);
    }
    increment(counts, key);
    increment(counts, 'total');
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.overall);
  }

  countsForPortal(portalId: number): Record<string, number> {
    return Object.fromEntries(this.byPortal.get(portalId) ?? []);
  }

  reset(): void {
    this.overall = new Map();
    this.byPortal = new Map();
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
