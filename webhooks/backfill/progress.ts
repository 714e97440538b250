import type IORedis from 'ioredis';
import type { RecomputeStore } from '../recompute/store';

/** A full listing and scoring of a portal: on install, or the nightly sweep. */
export type ScoringRunKind = 'install' | 'nightly';

export interface ScoringProgress {
  portalId: number;
  kind: ScoringRunKind;
  /** `listing` while companies are being searched, `scoring` until every listed one is done. */
  state: 'listing' | 'scoring' | 'done' | 'failed';
  /** Companies listed so far. */
  listed: number;
  /** Companies in the portal, known once listing is over (HubSpot's count before that). */
  total: number;
  /** Listed companies scored since the run started. */
  done: number;
  /** Companies whose recompute failed since the run started. */
  failed: number;
  startedAt: number;
  finishedAt?: number;
  error?: string;
}

/**
 * Progress of the latest full scoring run per portal, kept in the Redis hash
 * `<prefix>:backfill:<portalId>` so the demo, the admin endpoint and every process see the same
 * numbers. `done` is counted from the recompute store (companies computed since the start), so
 * it stays right whichever queue lane or worker scored a company.
 */
export class ProgressStore {
  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
    private readonly results: RecomputeStore,
  ) {}

  key(portalId: number): string {
    return `${this.prefix}:backfill:${portalId}`;
  }

  async start(portalId: number, kind: ScoringRunKind, now: Date): Promise<void> {
    await this.redis
      .multi()
      .del(this.key(portalId))
      .hset(this.key(portalId), {
        kind,
        state: 'listing',
        listed: 0,
        total: 0,
        done: 0,
        failed: 0,
        startedAt: now.getTime(),
      })
      .exec();
  }

  async recordListed(portalId: number, listed: number, total: number): Promise<void> {
    await this.redis.hset(this.key(portalId), { listed, total });
  }

  async finishListing(portalId: number, listed: number): Promise<void> {
    await this.redis.hset(this.key(portalId), { state: 'scoring', listed, total: listed });
  }

  async fail(portalId: number, message: string, now: Date): Promise<void> {
    await this.redis.hset(this.key(portalId), {
      state: 'failed',
      error: message.slice(0, 500),
      finishedAt: now.getTime(),
    });
  }

  /**
   * Returns the latest run's progress, or undefined when the portal never had one. Brings the
   * stored `done` and `failed` up to date, and marks the run done once every listed company was
   * scored or failed.
   */
  async read(portalId: number, now: Date = new Date()): Promise<ScoringProgress | undefined> {
    const raw = await this.redis.hgetall(this.key(portalId));
    if (!raw.state || !raw.startedAt) return undefined;
    const progress: ScoringProgress = {
      portalId,
      kind: raw.kind === 'nightly' ? 'nightly' : 'install',
      state: raw.state as ScoringProgress['state'],
      listed: Number(raw.listed ?? 0),
      total: Number(raw.total ?? 0),
      done: Number(raw.done ?? 0),
      failed: Number(raw.failed ?? 0),
      startedAt: Number(raw.startedAt),
      ...(raw.finishedAt ? { finishedAt: Number(raw.finishedAt) } : {}),
      ...(raw.error ? { error: raw.error } : {}),
    };
    if (progress.state === 'failed' || progress.state === 'done') return progress;

    const computed = await this.results.countComputedSince(portalId, progress.startedAt);
    let failed = 0;
    for (const failure of (await this.results.failedCompanies(portalId)).values()) {
      if (failure.at >= progress.startedAt) failed += 1;
    }
    const ceiling = progress.state === 'listing' ? progress.listed : progress.total;
    progress.done = Math.min(computed, ceiling);
    progress.failed = Math.min(failed, ceiling - progress.done);
    const update: Record<string, number | string> = {
      done: progress.done,
      failed: progress.failed,
    };
    if (progress.state === 'scoring' && progress.done + progress.failed >= progress.total) {
      progress.state = 'done';
      progress.finishedAt = now.getTime();
      update.state = 'done';
      update.finishedAt = progress.finishedAt;
    }
    await this.redis.hset(this.key(portalId), update);
    return progress;
  }
}
