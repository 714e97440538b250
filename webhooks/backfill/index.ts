import type IORedis from 'ioredis';
import type { Logger } from '../../src/log';
import type { MarkReason } from '../queue/types';
import type { RecomputeStore } from '../recompute/store';
import type { RecomputeClient } from '../recompute/types';
import { listCompanyWindows } from './list';
import { ProgressStore, type ScoringRunKind } from './progress';

export { listCompanyWindows, SEARCH_PAGE_LIMIT } from './list';
export { ProgressStore, type ScoringProgress, type ScoringRunKind } from './progress';

/** Queues companies for a recompute in the given lane; the queue runtime provides it. */
export type MarkCompanies = (
  portalId: number,
  companyIds: string[],
  reason: MarkReason,
) => Promise<void>;

export interface SweepDeps {
  client: RecomputeClient;
  redis: IORedis;
  prefix: string;
  store: RecomputeStore;
  progress: ProgressStore;
  mark: MarkCompanies;
  logger: Logger;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/**
 * Search results lag a little behind writes, so each incremental sweep looks back this far
 * before the previous sweep's start. Companies seen twice are only recomputed once more.
 */
export const SEARCH_LAG_MS = 60_000;

export interface FullScoringResult {
  listed: number;
  searches: number;
  /** Companies re-queued because their last score is over a day old or their recompute failed. */
  requeued: number;
}

/**
 * Lists every company of the portal and queues each one for a recompute in the cold lane, so
 * webhook work keeps going first. `install` is the first scoring after the app is installed.
 * `nightly` also re-queues companies whose last score is older than a day or whose recompute
 * failed, because those may be missing from the search results. Progress is kept in the
 * `ProgressStore` while it runs.
 */
export async function runFullScoring(
  deps: SweepDeps,
  portalId: number,
  kind: ScoringRunKind,
): Promise<FullScoringResult> {
  const now = deps.now?.() ?? new Date();
  const reason: MarkReason = kind === 'install' ? 'backfill' : 'sweep';
  const logger = deps.logger.child({ portalId, run: kind });
  await deps.progress.start(portalId, kind, now);
  let listed = 0;
  let searches = 0;
  const seen = new Set<string>();
  try {
    for await (const window of listCompanyWindows(deps.client)) {
      searches += 1;
      const fresh = window.ids.filter((id) => !seen.has(id));
      for (const id of fresh) seen.add(id);
      if (fresh.length > 0) await deps.mark(portalId, fresh, reason);
      listed += fresh.length;
      await deps.progress.recordListed(
        portalId,
        listed,
        searches === 1 ? window.total : listed + window.total - window.ids.length,
      );
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await deps.progress.fail(portalId, message, deps.now?.() ?? new Date());
    logger.error({ err: error, listed }, 'listing the companies of the portal failed');
    throw error;
  }

  let requeued = 0;
  if (kind === 'nightly') {
    const stale = await deps.store.staleCompanies(portalId, now, DAY_MS);
    const failed = [...(await deps.store.failedCompanies(portalId)).keys()];
    const extra = [...new Set([...stale, ...failed])].filter((id) => !seen.has(id));
    if (extra.length > 0) await deps.mark(portalId, extra, reason);
    requeued = extra.length;
    listed += extra.length;
  }
  await deps.progress.finishListing(portalId, listed);
  logger.info({ listed, searches, requeued }, 'queued every company of the portal for scoring');
  return { listed, searches, requeued };
}

export interface IncrementalSweepResult {
  /** Epoch ms the search started from, or undefined on the first sweep, which only sets the mark. */
  since?: number;
  marked: number;
  searches: number;
}

/**
 * Queues the companies modified since the previous sweep (`hs_lastmodifieddate`), so metrics on
 * properties the app has no webhook subscription for still refresh within minutes. The first
 * sweep of a portal starts from its last full scoring, or only records the time when there was
 * none. The app's own writes also move `hs_lastmodifieddate`, so a company written since the
 * last sweep is recomputed once more. That run finds nothing changed and writes nothing.
 */
export async function runIncrementalSweep(
  deps: SweepDeps,
  portalId: number,
): Promise<IncrementalSweepResult> {
  const now = deps.now?.() ?? new Date();
  const key = `${deps.prefix}:sweep:${portalId}`;
  const previous = await deps.redis.hget(key, 'lastIncrementalAt');
  const fullRun = await deps.progress.read(portalId, now);
  const from = previous !== null ? Number(previous) : fullRun?.startedAt;
  if (from === undefined) {
    await deps.redis.hset(key, 'lastIncrementalAt', now.getTime());
    return { marked: 0, searches: 0 };
  }
  const since = from - SEARCH_LAG_MS;
  let marked = 0;
  let searches = 0;
  for await (const window of listCompanyWindows(deps.client, [
    { propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(since) },
  ])) {
    searches += 1;
    await deps.mark(portalId, window.ids, 'sweep');
    marked += window.ids.length;
  }
  // The next sweep starts from this sweep's start, so changes made while it ran are not missed.
  await deps.redis.hset(key, 'lastIncrementalAt', now.getTime());
  deps.logger.info(
    { portalId, since: new Date(since).toISOString(), marked, searches },
    'incremental sweep done',
  );
  return { since, marked, searches };
}

/**
 * Builds the BullMQ repeat options for a portal's nightly sweep: every day at `hour` in the
 * portal's time zone (from HubSpot's account details), so it runs at night where the customer is.
 */
export function nightlySweepRepeat(timeZone: string, hour = 2): { pattern: string; tz: string } {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) {
    throw new Error(`nightly sweep hour must be an integer from 0 to 23, got ${hour}`);
  }
  return { pattern: `0 ${hour} * * *`, tz: timeZone };
}
