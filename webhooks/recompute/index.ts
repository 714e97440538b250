import { requiredInputs, type ScoreConfig } from '../../src/engine';
import { HubSpotApiError } from '../../src/hubspot/errors';
import { DEFAULT_WORKSPACE } from './config-source';
import { planCompany, type CompanyPlan } from './plan';
import { ALL_WRITTEN_PROPERTIES } from './properties';
import { CallCounter, readCompanies } from './read';
import type { CachedRecordType, StoredCompanyResult } from './store';
import { atRiskTaskText, isTaskOpen, taskDueAt } from './tasks';
import type { RecomputeContext, RecomputeOutcome } from './types';
import { writeCompanyUpdates } from './write';

export { resolveObjectRefs } from './resolve';
export { RecomputeStore } from './store';
export type { ConfigSource } from './config-source';
export type * from './types';

/** The company property naming the CSM who gets At-risk tasks, unless the config names another. */
export const DEFAULT_OWNER_PROPERTY = 'hubspot_owner_id';

/**
 * How long a cached record is reused. Feedback submissions do not change once given. A closed
 * ticket that is reopened or reprioritised sends a webhook, and `resolveObjectRefs` then drops
 * it from the cache. These limits only bound how long a change that sends no webhook goes unseen.
 */
const CACHE_MAX_AGE_MS: Record<CachedRecordType, number> = {
  feedback_submissions: 7 * 86_400_000,
  tickets: 86_400_000,
};

/** Company properties the At-risk task needs, read besides the config's inputs and the app's own. */
const TASK_PROPERTIES = ['name', 'notes_last_contacted'];

/**
 * Recomputes a batch of companies of one portal. It reads only what the config needs and scores
 * each company with the engine at `ctx.now`. It writes the properties whose visible value
 * changed, with the previous status and change time when the status moves. It creates an
 * At-risk task for the CSM where one is owed, and stores each result, its history and the
 * reverse index.
 *
 * Per-company failures (a rejected write, an engine error) are returned in the outcome and
 * recorded for the nightly sweep. Errors that affect the whole batch (rate limits, 5xx, a
 * disconnected portal) are thrown unchanged, for the queue to delay, retry or fail the job. The
 * batch can safely run again, because unchanged values are never rewritten.
 */
export async function recomputeCompanies(ctx: RecomputeContext): Promise<RecomputeOutcome> {
  const outcome: RecomputeOutcome = {
    computed: [],
    written: [],
    unchanged: [],
    missing: [],
    failed: [],
    statusChanges: [],
    tasksCreated: [],
    apiCalls: 0,
  };
  const companyIds = [...new Set(ctx.companyIds)];
  if (companyIds.length === 0) return outcome;
  const calls = new CallCounter();
  const logger = ctx.logger.child({ portalId: ctx.portalId, reason: ctx.reason });

  const workspace = DEFAULT_WORKSPACE;
  const config = await ctx.configs.get(ctx.portalId, workspace);
  const reference = await ctx.configs.getReference?.(ctx.portalId, workspace, config.version);
  const ownerProperty = ownerPropertyOf(config);
  const read = await readCompanies(
    ctx.client,
    companyIds,
    requiredInputs(config),
    [...ALL_WRITTEN_PROPERTIES, ownerProperty, ...TASK_PROPERTIES],
    calls,
    {
      get: (type, ids) =>
        ctx.store.cachedRecords(ctx.portalId, type, ids, ctx.now, CACHE_MAX_AGE_MS[type]),
      put: (type, records) => ctx.store.cacheRecords(ctx.portalId, type, records, ctx.now),
    },
  );

  if (read.missing.length > 0) {
    await ctx.store.dropCompanies(ctx.portalId, read.missing);
    outcome.missing.push(...read.missing);
  }

  const stored = await ctx.store.getResults(ctx.portalId, [...read.companies.keys()]);
  const plans: CompanyPlan[] = [];
  for (const [companyId, company] of read.companies) {
    try {
      const previous = stored.get(companyId);
      plans.push(
        planCompany({
          read: company,
          ...(previous ? { previous } : {}),
          config,
          ...(reference ? { reference } : {}),
          workspace,
          now: ctx.now,
          reason: ctx.reason,
        }),
      );
      outcome.computed.push(companyId);
    } catch (error) {
      logger.error({ err: error, companyId }, 'scoring a company failed');
      outcome.failed.push({
        companyId,
        message: error instanceof Error ? error.message : String(error),
        category: 'SCORING_ERROR',
      });
    }
  }
  for (const plan of plans) {
    if (plan.rejected.length > 0) {
      logger.error(
        { companyId: plan.companyId, rejected: plan.rejected },
        'left values HubSpot would reject out of the company update',
      );
    }
  }

  const toWrite = plans.filter((plan) => Object.keys(plan.changes).length > 0);
  const written = await writeCompanyUpdates(
    ctx.client,
    toWrite.map((plan) => ({ id: plan.companyId, properties: plan.changes })),
    calls,
    logger,
  );
  const landed = new Set(written.updated);
  const writeFailed = new Set(written.failed.map((failure) => failure.companyId));
  outcome.failed.push(...written.failed);

  // A company whose write failed keeps its old stored result, so the next run computes the
  // same change again instead of believing HubSpot already shows it.
  const saved: StoredCompanyResult[] = [];
  for (const plan of plans) {
    if (writeFailed.has(plan.companyId)) continue;
    const wrote = landed.has(plan.companyId);
    if (wrote) {
      plan.record.writtenAt = ctx.now.getTime();
      outcome.written.push(plan.companyId);
      if (plan.statusChanged && plan.shownStatus !== undefined)
        outcome.statusChanges.push(plan.companyId);
    } else {
      outcome.unchanged.push(plan.companyId);
    }
    saved.push(plan.record);
  }
  await ctx.store.saveResults(ctx.portalId, saved, stored);

  const owed = plans.filter((plan) => plan.needsTask && !writeFailed.has(plan.companyId));
  if (owed.length > 0) {
    await createOwedTasks(ctx, owed, read.companies, config, ownerProperty, calls, outcome);
    await ctx.store.saveResults(
      ctx.portalId,
      owed.map((plan) => plan.record),
      new Map(owed.map((plan) => [plan.companyId, plan.record])),
    );
  }

  if (outcome.failed.length > 0)
    await ctx.store.recordFailures(ctx.portalId, outcome.failed, ctx.now);
  outcome.apiCalls = calls.count;
  await ctx.store.addStats(ctx.portalId, {
    recomputes: outcome.computed.length,
    writes: outcome.written.length,
    unchanged: outcome.unchanged.length,
    failures: outcome.failed.length,
    statusChanges: outcome.statusChanges.length,
    tasksCreated: outcome.tasksCreated.length,
    apiCalls: outcome.apiCalls,
  });
  logger.info(
    {
      companies: companyIds.length,
      written: outcome.written.length,
      unchanged: outcome.unchanged.length,
      missing: outcome.missing.length,
      failed: outcome.failed.length,
      tasksCreated: outcome.tasksCreated.length,
      apiCalls: outcome.apiCalls,
    },
    'recomputed companies',
  );
  return outcome;
}

/**
 * Reads the owner property from the config when it names one; HubSpot's owner otherwise.
 * TODO: the score config schema has no `taskOwnerProperty` field yet, so every workspace uses
 * `hubspot_owner_id` until the schema gains one.
 */
export function ownerPropertyOf(config: ScoreConfig): string {
  const named = (config as { taskOwnerProperty?: unknown }).taskOwnerProperty;
  return typeof named === 'string' && named.length > 0 ? named : DEFAULT_OWNER_PROPERTY;
}

/** Reads the workspace's contact window in days; 30 when the config does not set one. */
export function contactWindowOf(config: ScoreConfig): number {
  const days = (config as { contactFrequencyDays?: unknown }).contactFrequencyDays;
  return typeof days === 'number' && days > 0 ? days : 30;
}

/**
 * Creates the At-risk task for each company that owes one, unless the task remembered for it is
 * still open. A task that fails to be created stays owed (`taskPending`, already stored) and is
 * retried at the company's next recompute while the company stays At risk.
 * NOTE: a create whose response is lost (timeout, dropped connection) may have made the task in
 * HubSpot; the retry then makes a second one, because the first id was never seen.
 */
async function createOwedTasks(
  ctx: RecomputeContext,
  owed: CompanyPlan[],
  companies: Awaited<ReturnType<typeof readCompanies>>['companies'],
  config: ScoreConfig,
  ownerProperty: string,
  calls: CallCounter,
  outcome: RecomputeOutcome,
): Promise<void> {
  const { timeZone } = await ctx.client.getAccountDetails();
  for (const plan of owed) {
    const record = plan.record;
    const current = companies.get(plan.companyId)?.current ?? {};
    try {
      if (record.openTaskId && (await isTaskOpen(ctx.client, record.openTaskId, calls))) {
        delete record.taskPending;
        continue;
      }
      const lastContact = current.notes_last_contacted
        ? new Date(current.notes_last_contacted)
        : undefined;
      const text = atRiskTaskText(
        current.name,
        plan.companyId,
        record.score,
        record.result.drivers,
      );
      const ownerId = current[ownerProperty] || undefined;
      const taskId = await calls.track(
        ctx.client.createTask({
          ...(ownerId ? { ownerId } : {}),
          subject: text.subject,
          body: text.body,
          dueAt: taskDueAt(
            ctx.now,
            timeZone,
            contactWindowOf(config),
            lastContact && !Number.isNaN(lastContact.getTime()) ? lastContact : undefined,
          ),
          priority: 'HIGH',
          companyId: plan.companyId,
        }),
      );
      record.openTaskId = taskId;
      delete record.taskPending;
      outcome.tasksCreated.push({ companyId: plan.companyId, taskId });
    } catch (error) {
      if (!(error instanceof HubSpotApiError)) throw error;
      ctx.logger.warn(
        { err: error, portalId: ctx.portalId, companyId: plan.companyId },
        'creating the At-risk task failed; it is retried at the next recompute of the company',
      );
    }
  }
}
