import { Queue, type JobsOptions } from 'bullmq';
import type IORedis from 'ioredis';
import type { Logger } from '../../src/log';
import { throttledErrorLog } from './log-throttle';
import { DirtyMarks, type ScheduleAction, type WorkClass } from './marks';
import type { MarkReason, PortalMarks } from './types';

export const RECOMPUTE_QUEUE_NAME = 'cs-health-recompute';

/** Job names on the recompute queue. */
export const JOB = {
  /** Drains one portal's dirty sets: data `{ portalId }`. */
  recompute: 'recompute',
  /** Runs one sweep of one portal: data `{ portalId, kind }`. */
  sweep: 'sweep',
  /** Repeatable: adds an incremental `sweep` job for every active portal. */
  sweepTick: 'sweep-tick',
  /** Repeatable: proves a worker consumes jobs, for `/readyz`. */
  canary: 'canary',
  /** Repeatable: repairs portals whose recompute job was lost. */
  maintenance: 'maintenance',
} as const;

export type SweepKind = 'backfill' | 'nightly' | 'incremental';

export interface RecomputeJobData {
  portalId: number;
}

export interface SweepJobData {
  portalId: number;
  kind: SweepKind;
}

/**
 * BullMQ priorities: jobs without a priority run first, then lower numbers first. The canary has
 * none, so a busy queue still shows a live worker; webhook work comes next, backfill last.
 */
export const PRIORITY = {
  recomputeHot: 1,
  sweepTick: 2,
  maintenance: 2,
  sweep: 4,
  recomputeCold: 5,
} as const;

export function recomputePriority(workClass: WorkClass): number {
  return workClass === 'hot' ? PRIORITY.recomputeHot : PRIORITY.recomputeCold;
}

/** Retention limits: enough history for the dashboard, bounded so Redis memory stays flat. */
export interface RetentionOptions {
  completedCount: number;
  completedAgeSeconds: number;
  failedCount: number;
  failedAgeSeconds: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  completedCount: 1000,
  completedAgeSeconds: 24 * 3600,
  failedCount: 5000,
  failedAgeSeconds: 7 * 24 * 3600,
};

/** Attempts per recompute or sweep job; 5xx and network errors back off exponentially with jitter. */
export const JOB_ATTEMPTS = 5;

export function defaultJobOptions(retention: RetentionOptions = DEFAULT_RETENTION): JobsOptions {
  return {
    attempts: JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
    removeOnComplete: { count: retention.completedCount, age: retention.completedAgeSeconds },
    removeOnFail: { count: retention.failedCount, age: retention.failedAgeSeconds },
  };
}

export interface RecomputeQueueOptions {
  /**
   * Connection for the queue and the dirty sets. The web process passes one with
   * `enableOfflineQueue: false` and a `commandTimeout`, so intake fails fast when Redis is down.
   */
  connection: IORedis;
  /** `REDIS_PREFIX`; BullMQ keys live under `<prefix>:bull`. */
  prefix: string;
  logger: Logger;
  retention?: RetentionOptions;
  /** Overrides of the default attempts and backoff, e.g. a short backoff in tests. */
  jobOptions?: Pick<JobsOptions, 'attempts' | 'backoff'>;
  /**
   * Delay of a job added for webhook work, so a burst of events on one company within this time
   * gives one recompute instead of one per job run. Backfill work starts at once. @defaultValue 0
   */
  hotDebounceMs?: number;
}

/**
 * The producer side of the recompute queue: marks companies and objects as dirty and makes sure
 * the portal's one recompute job exists. Used by webhook intake, sweeps, backfill and install.
 */
export class RecomputeQueue {
  readonly queue: Queue;
  readonly marks: DirtyMarks;
  readonly prefix: string;
  private readonly logger: Logger;
  private readonly hotDebounceMs: number;

  constructor(options: RecomputeQueueOptions) {
    this.prefix = options.prefix;
    this.hotDebounceMs = options.hotDebounceMs ?? 0;
    this.logger = options.logger;
    this.marks = new DirtyMarks(options.connection, options.prefix);
    this.queue = new Queue(RECOMPUTE_QUEUE_NAME, {
      connection: options.connection,
      prefix: `${options.prefix}:bull`,
      defaultJobOptions: { ...defaultJobOptions(options.retention), ...options.jobOptions },
    });
    this.queue.on('error', throttledErrorLog(this.logger, 'recompute queue connection error'));
  }

  /**
   * Marks webhook work for several portals: one Redis round trip for the marks, then one to add
   * the jobs that portals without a job need.
   */
  async enqueue(batch: PortalMarks[], reason: MarkReason = 'webhook'): Promise<ScheduleAction[]> {
    const actions = await this.marks.mark(batch, reason);
    await this.apply(actions);
    return actions;
  }

  /** Marks companies of one portal for a recompute, e.g. from a sweep or the backfill. */
  async markCompanies(portalId: number, companyIds: string[], reason: MarkReason): Promise<void> {
    if (companyIds.length === 0) return;
    await this.enqueue(
      [{ portalId, companies: companyIds, objectRefs: [], droppedCompanies: [] }],
      reason,
    );
  }

  /** Adds the jobs that marks asked for and raises the priority of queued backfill jobs. */
  async apply(actions: ScheduleAction[]): Promise<void> {
    const adds = actions.filter((action) => action.action === 'add');
    if (adds.length > 0) {
      await this.queue.addBulk(
        adds.map((action) => ({
          name: JOB.recompute,
          data: { portalId: action.portalId } satisfies RecomputeJobData,
          opts: {
            jobId: action.jobId,
            priority: recomputePriority(action.workClass),
            ...this.debounce(action.workClass),
          },
        })),
      );
    }
    for (const action of actions) {
      if (action.action !== 'upgrade') continue;
      const job = await this.queue.getJob(action.jobId);
      // The job may have started meanwhile; an active job needs no priority.
      await job?.changePriority({ priority: PRIORITY.recomputeHot });
    }
  }

  /** Adds the follow-up recompute job a finished job named. */
  async addRecomputeJob(portalId: number, jobId: string, workClass: WorkClass): Promise<void> {
    await this.queue.add(JOB.recompute, { portalId } satisfies RecomputeJobData, {
      jobId,
      priority: recomputePriority(workClass),
      ...this.debounce(workClass),
    });
  }

  private debounce(workClass: WorkClass): Pick<JobsOptions, 'delay'> {
    return workClass === 'hot' && this.hotDebounceMs > 0 ? { delay: this.hotDebounceMs } : {};
  }

  /**
   * Asks for a sweep of one portal. A sweep of the same kind that is still waiting or running
   * absorbs the request (BullMQ deduplication ends when that job completes or fails).
   */
  async requestSweep(portalId: number, kind: SweepKind): Promise<void> {
    await this.queue.add(JOB.sweep, { portalId, kind } satisfies SweepJobData, {
      priority: PRIORITY.sweep,
      deduplication: { id: `sweep-${portalId}-${kind}` },
    });
  }

  /** Drops every queued mark of a portal (uninstall); its running job, if any, turns stale. */
  async purgePortal(portalId: number): Promise<void> {
    await this.marks.purge(portalId);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
