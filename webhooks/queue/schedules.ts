import type { Job } from 'bullmq';
import type IORedis from 'ioredis';
import { rethrowForQueue } from '../../src/hubspot/job-errors';
import type { Logger } from '../../src/log';
import type { Installation, InstallationStatus } from '../../src/store/installations';
import {
  nightlySweepRepeat,
  runFullScoring,
  runIncrementalSweep,
  type ProgressStore,
  type SweepDeps,
} from '../backfill';
import type { RecomputeStore } from '../recompute/store';
import { queueJobsTotal } from '../ops/metrics';
import type { PortalGateway } from './processor';
import { JOB, PRIORITY, type RecomputeQueue, type SweepJobData, type SweepKind } from './queue';

/** How often the canary job runs; `/readyz` fails when none ran for a few of these. */
export const CANARY_INTERVAL_MS = 10_000;
/** How often maintenance repairs lost jobs and keeps the nightly schedulers in step. */
export const MAINTENANCE_INTERVAL_MS = 30_000;
/** A flag whose job is missing is repaired only after this long, so a marker mid-add is left alone. */
export const LOST_JOB_GRACE_MS = 30_000;
/** The portal time zone is re-read this often, so a changed account setting moves the sweep. */
const TIME_ZONE_RECHECK_MS = 6 * 3600_000;

export function canaryKey(prefix: string): string {
  return `${prefix}:ops:canary`;
}

function nightlySchedulersKey(prefix: string): string {
  return `${prefix}:rq:nightly`;
}

function nightlySchedulerId(portalId: number): string {
  return `nightly-sweep-${portalId}`;
}

export interface ScheduleDeps {
  queue: RecomputeQueue;
  /** A connection for plain commands (canary time, scheduler bookkeeping). */
  redis: IORedis;
  prefix: string;
  gateway: PortalGateway;
  installations: {
    list(): Promise<Installation[]>;
    status(portalId: number): Promise<InstallationStatus | undefined>;
  };
  store: RecomputeStore;
  progress: ProgressStore;
  logger: Logger;
  /** `INCREMENTAL_SWEEP_MINUTES`. */
  incrementalSweepMinutes: number;
  /** `NIGHTLY_SWEEP_HOUR`, in each portal's own time zone. */
  nightlySweepHour: number;
  now?: () => Date;
}

/**
 * Registers the app-wide repeatable jobs. Every worker process calls this at start; BullMQ's
 * upsert makes repeated calls with the same id harmless.
 */
export async function upsertAppSchedulers(deps: ScheduleDeps): Promise<void> {
  const queue = deps.queue.queue;
  await queue.upsertJobScheduler(
    'canary',
    { every: CANARY_INTERVAL_MS },
    { name: JOB.canary, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  await queue.upsertJobScheduler(
    'maintenance',
    { every: MAINTENANCE_INTERVAL_MS },
    {
      name: JOB.maintenance,
      data: {},
      opts: { priority: PRIORITY.maintenance, removeOnComplete: 100, removeOnFail: 100 },
    },
  );
  await queue.upsertJobScheduler(
    'incremental-sweep',
    { every: Math.round(deps.incrementalSweepMinutes * 60_000) },
    {
      name: JOB.sweepTick,
      data: { kind: 'incremental' },
      opts: { priority: PRIORITY.sweepTick, removeOnComplete: 100, removeOnFail: 100 },
    },
  );
}

/** Records that a worker consumed a job; `/readyz` reads the time back. */
export async function processCanaryJob(
  deps: Pick<ScheduleDeps, 'redis' | 'prefix'>,
): Promise<number> {
  const now = Date.now();
  await deps.redis.set(canaryKey(deps.prefix), String(now), 'PX', 24 * 3600_000);
  return now;
}

/** Adds an incremental sweep job for every active portal. */
export async function processSweepTick(deps: ScheduleDeps): Promise<{ portals: number }> {
  const active = (await deps.installations.list()).filter((item) => item.status === 'active');
  for (const installation of active) {
    await deps.queue.requestSweep(installation.portalId, 'incremental');
  }
  return { portals: active.length };
}

function sweepDeps(deps: ScheduleDeps, client: SweepDeps['client']): SweepDeps {
  const sweep: SweepDeps = {
    client,
    redis: deps.redis,
    prefix: deps.prefix,
    store: deps.store,
    progress: deps.progress,
    mark: (portalId, companyIds, reason) => deps.queue.markCompanies(portalId, companyIds, reason),
    logger: deps.logger,
  };
  if (deps.now) sweep.now = deps.now;
  return sweep;
}

/**
 * Runs one sweep of one portal: `backfill` (first scoring after install) and `nightly` list
 * every company; `incremental` lists those modified since the last sweep. The nightly sweep
 * also puts back object refs whose recompute job failed. Portals that are not active are
 * skipped without a HubSpot call.
 */
export async function processSweepJob(
  job: Job<SweepJobData>,
  token: string | undefined,
  deps: ScheduleDeps,
): Promise<Record<string, unknown>> {
  const { portalId, kind } = job.data;
  const status = await deps.installations.status(portalId);
  if (status !== 'active') {
    deps.logger.info(
      { portalId, kind, status: status ?? 'unknown' },
      'skipped the sweep of an inactive portal',
    );
    queueJobsTotal.inc({ name: JOB.sweep, outcome: 'skipped' });
    return { skipped: status ?? 'unknown' };
  }
  try {
    const client = await deps.gateway.forPortal(portalId);
    const sweep = sweepDeps(deps, client);
    let result: Record<string, unknown>;
    if (kind === 'incremental') {
      result = { ...(await runIncrementalSweep(sweep, portalId)) };
    } else {
      if (kind === 'nightly') {
        const { requeued, action } = await deps.queue.marks.requeueFailedRefs(portalId);
        await deps.queue.apply([action]);
        if (requeued > 0) deps.logger.info({ portalId, requeued }, 'requeued failed object refs');
      }
      result = {
        ...(await runFullScoring(sweep, portalId, kind === 'backfill' ? 'install' : 'nightly')),
      };
    }
    queueJobsTotal.inc({ name: JOB.sweep, outcome: 'completed' });
    return result;
  } catch (error) {
    queueJobsTotal.inc({ name: JOB.sweep, outcome: 'retried' });
    return rethrowForQueue(error, job, token);
  }
}

/**
 * Keeps one nightly scheduler per active portal, at `nightlySweepHour` in the portal's time zone
 * from HubSpot's account details, and removes the schedulers of portals no longer active.
 */
export async function syncNightlySchedulers(deps: ScheduleDeps): Promise<void> {
  const key = nightlySchedulersKey(deps.prefix);
  const known = await deps.redis.hgetall(key);
  const installations = await deps.installations.list();
  const now = Date.now();

  for (const installation of installations) {
    const field = String(installation.portalId);
    if (installation.status !== 'active') {
      if (known[field] !== undefined) {
        await deps.queue.queue.removeJobScheduler(nightlySchedulerId(installation.portalId));
        await deps.redis.hdel(key, field);
      }
      continue;
    }
    const [knownZone, checkedAt] = (known[field] ?? '').split('|');
    if (knownZone && now - Number(checkedAt) < TIME_ZONE_RECHECK_MS) continue;
    try {
      const client = await deps.gateway.forPortal(installation.portalId);
      const { timeZone } = await client.getAccountDetails();
      if (timeZone !== knownZone) {
        await deps.queue.queue.upsertJobScheduler(
          nightlySchedulerId(installation.portalId),
          nightlySweepRepeat(timeZone, deps.nightlySweepHour),
          {
            name: JOB.sweep,
            data: { portalId: installation.portalId, kind: 'nightly' } satisfies SweepJobData,
            opts: { priority: PRIORITY.sweep },
          },
        );
        deps.logger.info(
          { portalId: installation.portalId, timeZone, hour: deps.nightlySweepHour },
          'scheduled the nightly sweep in the portal time zone',
        );
      }
      await deps.redis.hset(key, field, `${timeZone}|${now}`);
    } catch (error) {
      deps.logger.warn(
        { err: error, portalId: installation.portalId },
        'could not read the portal time zone; the nightly sweep is scheduled at the next maintenance',
      );
    }
  }
}

/**
 * Repairs portals whose recompute job is gone while the flag still names it: the process that
 * set the flag died before adding the job, or the job was removed from the dashboard. Claims go
 * back to wait and a new job is added. The worker's `failed` event settles a job that failed for
 * good, so maintenance repairs such a job only when that did not happen within the grace time.
 */
export async function repairLostJobs(
  deps: Pick<ScheduleDeps, 'queue' | 'logger'>,
  now = Date.now(),
): Promise<{ repaired: number[] }> {
  const repaired: number[] = [];
  const marks = deps.queue.marks;
  for (const portalId of await marks.portals()) {
    const schedule = await marks.schedule(portalId);
    let seen = '';
    if (schedule) {
      if (now - schedule.since < LOST_JOB_GRACE_MS) continue;
      const state = await deps.queue.queue.getJobState(schedule.jobId);
      if (state !== 'unknown' && state !== 'completed' && state !== 'failed') continue;
      seen = schedule.jobId;
    }
    const handOff = await marks.repair(portalId, seen);
    if (handOff.kind === 'next') {
      await deps.queue.addRecomputeJob(portalId, handOff.jobId, handOff.workClass);
      repaired.push(portalId);
      deps.logger.warn(
        { portalId, lostJobId: seen || undefined, jobId: handOff.jobId },
        'repaired a portal whose recompute job was lost',
      );
    }
  }
  return { repaired };
}

export async function processMaintenanceJob(deps: ScheduleDeps): Promise<{ repaired: number[] }> {
  const result = await repairLostJobs(deps);
  await syncNightlySchedulers(deps);
  return result;
}

export type { SweepKind };
