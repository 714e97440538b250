import { Worker, type Job } from 'bullmq';
import type IORedis from 'ioredis';
import { processRecomputeJob, settleFailedJob, type RecomputeProcessorDeps } from './processor';
import { throttledErrorLog } from './log-throttle';
import { JOB, RECOMPUTE_QUEUE_NAME, type RecomputeJobData, type SweepJobData } from './queue';
import {
  processCanaryJob,
  processMaintenanceJob,
  processSweepJob,
  processSweepTick,
  upsertAppSchedulers,
  type ScheduleDeps,
} from './schedules';

export type WorkerRuntimeDeps = RecomputeProcessorDeps &
  ScheduleDeps & {
    /**
     * A dedicated connection for the BullMQ worker (`maxRetriesPerRequest: null`, as BullMQ
     * requires for its blocking commands). The caller closes it after `close`.
     */
    workerConnection: IORedis;
    concurrency: number;
    /** Register the canary, maintenance and sweep schedulers. @defaultValue true */
    schedulers?: boolean;
    /** Worker name in BullMQ, shown on the dashboard. */
    name?: string;
  };

export interface WorkerRuntime {
  readonly worker: Worker;
  /**
   * Stops taking jobs and waits up to `graceMs` for running ones. Jobs still running then are
   * handed back to the wait list for another worker, and their claims return to the dirty sets
   * when that run begins.
   */
  close(graceMs?: number): Promise<{ forced: boolean }>;
}

type AnyJob = Job<unknown, unknown, string>;

/** Starts a BullMQ worker on the recompute queue for every job name the queue carries. */
export async function startWorkers(deps: WorkerRuntimeDeps): Promise<WorkerRuntime> {
  const logger = deps.logger.child({ component: 'worker' });
  if (deps.schedulers !== false) await upsertAppSchedulers(deps);

  /** Aborted by a forced shutdown; processors check it before each step that changes state. */
  const abandon = new AbortController();
  const processorDeps = { ...deps, signal: abandon.signal };
  /** Running jobs with their lock tokens, so a forced shutdown can hand them back. */
  const running = new Map<string, { job: AnyJob; token: string | undefined }>();

  const dispatch = async (job: AnyJob, token?: string): Promise<unknown> => {
    switch (job.name) {
      case JOB.recompute:
        return processRecomputeJob(job as Job<RecomputeJobData>, token, processorDeps);
      case JOB.sweep:
        return processSweepJob(job as Job<SweepJobData>, token, deps);
      case JOB.sweepTick:
        return processSweepTick(deps);
      case JOB.canary:
        return processCanaryJob(deps);
      case JOB.maintenance:
        return processMaintenanceJob(deps);
      default:
        throw new Error(`unknown job name "${job.name}" on ${RECOMPUTE_QUEUE_NAME}`);
    }
  };

  const abandoned = new Promise<never>((_, reject) => {
    abandon.signal.addEventListener('abort', () => {
      reject(new Error('the worker handed this job back to the queue at shutdown'));
    });
  });
  abandoned.catch(() => undefined);

  const processor = async (job: AnyJob, token?: string): Promise<unknown> => {
    const key = job.id ?? '';
    running.set(key, { job, token });
    try {
      return await Promise.race([dispatch(job, token), abandoned]);
    } finally {
      running.delete(key);
    }
  };

  const worker = new Worker(RECOMPUTE_QUEUE_NAME, processor, {
    connection: deps.workerConnection,
    prefix: `${deps.prefix}:bull`,
    concurrency: deps.concurrency,
    ...(deps.name ? { name: deps.name } : {}),
  });

  worker.on('failed', (job, error) => {
    if (!job) return;
    void onFailed(job, error);
  });
  worker.on('error', throttledErrorLog(logger, 'worker error'));

  async function onFailed(job: AnyJob, error: Error): Promise<void> {
    try {
      if (job.name !== JOB.recompute) {
        logger.error({ err: error, jobId: job.id, name: job.name }, 'queue job failed');
        return;
      }
      // The event also fires for attempts BullMQ retries; only a job in the failed set is over.
      if (!(await job.isFailed())) return;
      const { portalId } = job.data as RecomputeJobData;
      await settleFailedJob(portalId, job.id as string, error.message, deps);
    } catch (settleError) {
      // Maintenance repairs the portal after LOST_JOB_GRACE_MS and puts the claims back to wait.
      logger.error({ err: settleError, jobId: job.id }, 'settling a failed recompute job failed');
    }
  }

  await worker.waitUntilReady();
  logger.info({ concurrency: deps.concurrency, queue: RECOMPUTE_QUEUE_NAME }, 'worker started');

  return {
    worker,
    async close(graceMs = 25_000) {
      // Pausing stops fetching and resolves once the running jobs are done.
      let timer: NodeJS.Timeout | undefined;
      const drained = worker.pause().then(() => 'drained' as const);
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const ended = await Promise.race([drained, deadline]);
      clearTimeout(timer);
      if (ended === 'drained') {
        await worker.close();
        logger.info('worker stopped after its running jobs finished');
        return { forced: false };
      }
      // Hand the running jobs back to the wait list, so another worker starts them at once
      // instead of after their lock expires. Aborting then ends their processors here: the
      // wrapper rejects at once and the processors stop before their next Redis step, so two
      // runs never finish the same job, and the worker closes without BullMQ's forced close.
      logger.warn(
        { graceMs, running: [...running.keys()] },
        'jobs still running at the shutdown deadline; handing them back to the queue',
      );
      for (const { job, token } of running.values()) {
        try {
          await job.moveToWait(token);
        } catch (error) {
          logger.warn(
            { err: error, jobId: job.id },
            'could not hand a job back; its lock expires instead',
          );
        }
      }
      abandon.abort();
      await worker.close();
      return { forced: true };
    },
  };
}
