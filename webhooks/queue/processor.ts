import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { requiredInputs } from '../../src/engine/inputs';
import { classifyJobError } from '../../src/hubspot/job-errors';
import type { PortalClient, PortalRateLimiter } from '../../src/hubspot/types';
import type { Logger } from '../../src/log';
import type { ConfigSource } from '../recompute/config-source';
import { DEFAULT_WORKSPACE } from '../recompute/config-source';
import type { ResolveContext, ResolvedRefs } from '../recompute/resolve';
import type { RecomputeStore } from '../recompute/store';
import type { RecomputeContext, RecomputeOutcome, RecomputeReason } from '../recompute/types';
import {
  queueJobsTotal,
  rateLimitDelaysTotal,
  recomputeBatchDuration,
  recomputedCompaniesTotal,
} from '../ops/metrics';
import type { ClaimedCompany } from './marks';
import { JOB, recomputePriority, type RecomputeJobData, type RecomputeQueue } from './queue';
import type { ObjectRef } from './types';

/** Companies per job: one companies batch read and one batch update. */
export const COMPANIES_PER_JOB = 100;
/**
 * Companies a job without webhook work claims from the backfill and sweeps: enough to fill an
 * association batch read (1,000 inputs), which keeps calls per company near the minimum.
 */
export const COLD_COMPANIES_PER_JOB = 1000;
/** Refs per job: one association batch read per object type. */
export const REFS_PER_JOB = 1000;
/** Dropped companies per job; dropping is a Redis-only operation. */
export const DROPS_PER_JOB = 1000;

/** The gateway's entry point; `HubSpotGateway` satisfies it. */
export interface PortalGateway {
  forPortal(portalId: number): Promise<PortalClient>;
}

/**
 * The recompute steps a job runs. The worker process passes `recomputeCompanies` and
 * `resolveObjectRefs` from `webhooks/recompute`.
 */
export interface RecomputeHandlers {
  recomputeCompanies(ctx: RecomputeContext): Promise<RecomputeOutcome>;
  resolveObjectRefs(ctx: ResolveContext, refs: ObjectRef[]): Promise<ResolvedRefs>;
}

export interface RecomputeProcessorDeps {
  queue: RecomputeQueue;
  gateway: PortalGateway;
  /** Checked before a job claims work, so a portal without budget gives its slot back. */
  limiter: Pick<PortalRateLimiter, 'availableIn'>;
  store: RecomputeStore;
  configs: ConfigSource;
  handlers: RecomputeHandlers;
  logger: Logger;
  now?: () => Date;
  /** Aborted when the worker gave the job back at shutdown; the job then stops changing state. */
  signal?: AbortSignal;
}

export interface RecomputeJobResult {
  /** True when another job owned the portal, so this one did nothing. */
  stale?: boolean;
  drops: number;
  refs: number;
  companies: number;
  written: number;
  failed: number;
  apiCalls: number;
  /** The follow-up job named because more work was waiting. */
  next?: string;
}

function emptyResult(): RecomputeJobResult {
  return { drops: 0, refs: 0, companies: 0, written: 0, failed: 0, apiCalls: 0 };
}

/** Groups claims by reason, webhook work first, so each recompute call carries one reason. */
function groupByReason(claimed: ClaimedCompany[]): [RecomputeReason, string[]][] {
  const groups = new Map<RecomputeReason, string[]>();
  for (const reason of ['webhook', 'backfill', 'sweep'] as const) groups.set(reason, []);
  for (const claim of claimed) groups.get(claim.reason)?.push(claim.companyId);
  return [...groups.entries()].filter(([, ids]) => ids.length > 0);
}

function countOutcome(reason: RecomputeReason, outcome: RecomputeOutcome): void {
  const results = {
    written: outcome.written.length,
    unchanged: outcome.unchanged.length,
    missing: outcome.missing.length,
    failed: outcome.failed.length,
  };
  for (const [result, count] of Object.entries(results)) {
    if (count > 0) recomputedCompaniesTotal.inc({ reason, result }, count);
  }
}

/**
 * Processes one `recompute` job: the portal's work is drained by one job at a time.
 *
 * 1. `begin` checks that the portal's flag names this job (else the job is stale and ends) and
 *    puts back whatever an earlier attempt of it had claimed.
 * 2. Without rate-limit budget, the job is delayed and gives its worker slot back.
 * 3. Dropped companies are forgotten; changed objects are resolved to companies and marked.
 * 4. Up to 100 companies are claimed (webhook work first) and recomputed.
 * 5. `finish` either names a follow-up job, when more work waits, or clears the flag.
 */
export async function processRecomputeJob(
  job: Job<RecomputeJobData>,
  token: string | undefined,
  deps: RecomputeProcessorDeps,
): Promise<RecomputeJobResult> {
  const { portalId } = job.data;
  const jobId = job.id;
  if (jobId === undefined) throw new Error('recompute job has no id');
  const marks = deps.queue.marks;
  const logger = deps.logger.child({ portalId, jobId });
  const result = emptyResult();

  if (!(await marks.begin(portalId, jobId))) {
    queueJobsTotal.inc({ name: JOB.recompute, outcome: 'stale' });
    return { ...result, stale: true };
  }

  const wait = await deps.limiter.availableIn(portalId, 'general');
  if (wait > 0) return delayJob(job, token, deps, wait, 'rate-limit budget spent');

  try {
    await runRecompute(portalId, jobId, deps, logger, result);
  } catch (error) {
    return handleJobError(job, token, deps, logger, error);
  }

  checkNotAbandoned(deps, jobId);
  const handOff = await marks.finish(portalId, jobId);
  if (handOff.kind === 'next') {
    await deps.queue.addRecomputeJob(portalId, handOff.jobId, handOff.workClass);
    result.next = handOff.jobId;
  }
  queueJobsTotal.inc({ name: JOB.recompute, outcome: 'completed' });
  return result;
}

/** Throws when the worker handed this job back at shutdown, so this run stops here. */
function checkNotAbandoned(deps: RecomputeProcessorDeps, jobId: string): void {
  if (deps.signal?.aborted) {
    throw new Error(`job ${jobId} was handed back to the queue at shutdown; this run stops`);
  }
}

async function runRecompute(
  portalId: number,
  jobId: string,
  deps: RecomputeProcessorDeps,
  logger: Logger,
  result: RecomputeJobResult,
): Promise<void> {
  const marks = deps.queue.marks;
  const client = await deps.gateway.forPortal(portalId);

  checkNotAbandoned(deps, jobId);
  const claimedRefs = await marks.claimRefs(portalId, jobId, {
    drops: DROPS_PER_JOB,
    refs: REFS_PER_JOB,
  });
  if (!claimedRefs) return;
  if (claimedRefs.drops.length > 0) {
    await deps.store.dropCompanies(portalId, claimedRefs.drops);
    result.drops = claimedRefs.drops.length;
  }
  if (claimedRefs.refs.length > 0) {
    const config = await deps.configs.get(portalId, DEFAULT_WORKSPACE);
    const resolved = await deps.handlers.resolveObjectRefs(
      { portalId, client, store: deps.store, logger, inputs: requiredInputs(config) },
      claimedRefs.refs,
    );
    result.refs = claimedRefs.refs.length;
    result.apiCalls += resolved.apiCalls;
    // This job owns the portal, so the marks only add to the sets it claims from next.
    checkNotAbandoned(deps, jobId);
    const actions = await marks.mark(
      [{ portalId, companies: resolved.companyIds, objectRefs: [], droppedCompanies: [] }],
      'webhook',
    );
    await deps.queue.apply(actions);
  }

  checkNotAbandoned(deps, jobId);
  const claimed = await marks.claimCompanies(
    portalId,
    jobId,
    COMPANIES_PER_JOB,
    Date.now(),
    COLD_COMPANIES_PER_JOB,
  );
  if (!claimed) return;
  for (const [reason, companyIds] of groupByReason(claimed)) {
    const stopTimer = recomputeBatchDuration.startTimer({ reason });
    const outcome = await deps.handlers.recomputeCompanies({
      portalId,
      client,
      companyIds,
      reason,
      now: deps.now?.() ?? new Date(),
      logger,
      store: deps.store,
      configs: deps.configs,
    });
    stopTimer();
    countOutcome(reason, outcome);
    result.companies += companyIds.length;
    result.written += outcome.written.length;
    result.failed += outcome.failed.length;
    result.apiCalls += outcome.apiCalls;
  }
}

/**
 * Gives the worker slot back until `waitMs` has passed. Claims return to the dirty sets, the
 * job's priority follows the work now waiting, and BullMQ keeps the job in its delayed set.
 */
async function delayJob(
  job: Job<RecomputeJobData>,
  token: string | undefined,
  deps: RecomputeProcessorDeps,
  waitMs: number,
  reason: string,
): Promise<never> {
  const { portalId } = job.data;
  const workClass = await deps.queue.marks.suspend(portalId, job.id as string);
  if (workClass) await job.changePriority({ priority: recomputePriority(workClass) });
  if (!token) throw new Error(`cannot delay job ${job.id} without its lock token`);
  rateLimitDelaysTotal.inc({ name: JOB.recompute });
  queueJobsTotal.inc({ name: JOB.recompute, outcome: 'delayed' });
  await job.moveToDelayed(Date.now() + waitMs, token);
  throw new DelayedError(`portal ${portalId}: ${reason}, delayed ${waitMs} ms`);
}

async function handleJobError(
  job: Job<RecomputeJobData>,
  token: string | undefined,
  deps: RecomputeProcessorDeps,
  logger: Logger,
  error: unknown,
): Promise<never> {
  const { portalId } = job.data;
  const outcome = classifyJobError(error);
  if (outcome.kind === 'delay') {
    logger.warn(
      { err: error, delayMs: outcome.delayMs },
      'recompute rate-limited; delaying the job',
    );
    return delayJob(job, token, deps, outcome.delayMs, 'HubSpot rate limit');
  }
  if (outcome.kind === 'unrecoverable') {
    if (error instanceof Error && error.name === 'PortalDisconnectedError') {
      // Nothing can run for this portal until it is reinstalled; its waiting work is dropped.
      await deps.queue.purgePortal(portalId);
      logger.warn({ err: error }, 'portal is disconnected; dropped its queued work');
    } else {
      logger.error({ err: error }, 'recompute job failed permanently');
    }
    const unrecoverable = new UnrecoverableError(outcome.message);
    unrecoverable.cause = error;
    throw unrecoverable;
  }
  queueJobsTotal.inc({ name: JOB.recompute, outcome: 'retried' });
  logger.warn(
    { err: error, attemptsMade: job.attemptsMade },
    'recompute job failed; BullMQ retries it with backoff',
  );
  throw error;
}

/**
 * Ends the claims of a job that failed for good (attempts used up, unrecoverable, or stalled too
 * often). Its companies are recorded as failed for the nightly sweep, and the next job is named
 * when other work waits. Runs from the worker's `failed` event and from maintenance.
 */
export async function settleFailedJob(
  portalId: number,
  jobId: string,
  reason: string,
  deps: Pick<RecomputeProcessorDeps, 'queue' | 'store' | 'logger' | 'now'>,
): Promise<void> {
  const { handOff, companies } = await deps.queue.marks.fail(portalId, jobId);
  if (handOff.kind === 'stale') return;
  queueJobsTotal.inc({ name: JOB.recompute, outcome: 'failed' });
  if (companies.length > 0) {
    await deps.store.recordFailures(
      portalId,
      companies.map((companyId) => ({ companyId, message: reason, category: 'JOB_FAILED' })),
      deps.now?.() ?? new Date(),
    );
  }
  if (handOff.kind === 'next') {
    await deps.queue.addRecomputeJob(portalId, handOff.jobId, handOff.workClass);
  }
  deps.logger.error(
    {
      portalId,
      jobId,
      companies: companies.length,
      next: handOff.kind === 'next' ? handOff.jobId : undefined,
    },
    'recompute job failed for good; its companies wait for the nightly sweep',
  );
}
