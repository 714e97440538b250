import { requiredInputs, type ReferenceDistributions, type ScoreConfig } from '../../src/engine';
import { HubSpotApiError } from '../../src/hubspot/errors';
import type { Logger } from '../../src/log';
import { DEFAULT_WORKSPACE } from './config-source';
import { createExpansionTasks, expansionTaskProperties } from './expansion-tasks';
import { planCompany, type CompanyPlan } from './plan';
import { ALL_WRITTEN_PROPERTIES } from './properties';
import { CallCounter, readCompanies, type ReadResult } from './read';
import type { CachedRecordType, StoredCompanyResult } from './store';
import { atRiskTaskText, isTaskOpen, taskDueAt } from './tasks';
import type { RecomputeContext, RecomputeOutcome } from './types';
import { writeCompanyUpdates, type WriteResult } from './write';

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
  const outcome = emptyOutcome();
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
    [
      ...ALL_WRITTEN_PROPERTIES,
      ownerProperty,
      ...TASK_PROPERTIES,
      ...expansionTaskProperties(config),
    ],
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
  const plans = planAll(ctx, read, stored, { config, reference, workspace }, outcome, logger);

  const toWrite = plans.filter((plan) => Object.keys(plan.changes).length > 0);
  const written = await writeCompanyUpdates(
    ctx.client,
    toWrite.map((plan) => ({ id: plan.companyId, properties: plan.changes })),
    calls,
    logger,
  );
  const writeFailed = settleWrites(ctx, plans, written, outcome);
  await ctx.store.saveResults(
    ctx.portalId,
    plans.filter((plan) => !writeFailed.has(plan.companyId)).map((plan) => plan.record),
    stored,
  );

  const landed = plans.filter((plan) => !writeFailed.has(plan.companyId));
  const owed = landed.filter((plan) => plan.needsTask);
  const owedExpansion = landed.filter((plan) => plan.needsExpansionTask);
  if (owed.length > 0) {
    await createOwedTasks(ctx, owed, read.companies, config, ownerProperty, calls, outcome);
  }
  await createExpansionTasks(ctx, owedExpansion, read.companies, config, calls, outcome);
  const withTasks = [...new Set([...owed, ...owedExpansion])];
  if (withTasks.length > 0) {
    // Stores the task ids and the cleared pending flags; the associations are unchanged.
    await ctx.store.saveResults(
      ctx.portalId,
      withTasks.map((plan) => plan.record),
      new Map(withTasks.map((plan) => [plan.companyId, plan.record])),
    );
  }

  outcome.apiCalls = calls.count;
  await recordOutcome(ctx, outcome);
  logger.info(
    {
      companies: companyIds.length,
      written: outcome.written.length,
      unchanged: outcome.unchanged.length,
      missing: outcome.missing.length,
      failed: outcome.failed.length,
      tasksCreated: outcome.tasksCreated.length,
      expansionTasksCreated: outcome.expansionTasksCreated.length,
      apiCalls: outcome.apiCalls,
    },
    'recomputed companies',
  );
  return outcome;
}

function emptyOutcome(): RecomputeOutcome {
  return {
    computed: [],
    written: [],
    unchanged: [],
    missing: [],
    failed: [],
    statusChanges: [],
    tasksCreated: [],
    expansionTasksCreated: [],
    apiCalls: 0,
  };
}

/** Scores every company read; a company the engine fails on is recorded as failed. */
function planAll(
  ctx: RecomputeContext,
  read: ReadResult,
  stored: Map<string, StoredCompanyResult>,
  scoring: {
    config: ScoreConfig;
    reference: ReferenceDistributions | undefined;
    workspace: string;
  },
  outcome: RecomputeOutcome,
  logger: Logger,
): CompanyPlan[] {
  const plans: CompanyPlan[] = [];
  for (const [companyId, company] of read.companies) {
    try {
      const previous = stored.get(companyId);
      const plan = planCompany({
        read: company,
        ...(previous ? { previous } : {}),
        config: scoring.config,
        ...(scoring.reference ? { reference: scoring.reference } : {}),
        workspace: scoring.workspace,
        now: ctx.now,
        reason: ctx.reason,
      });
      if (plan.rejected.length > 0) {
        logger.error(
          { companyId, rejected: plan.rejected },
          'left values HubSpot would reject out of the company update',
        );
      }
      plans.push(plan);
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
  return plans;
}

/**
 * Sorts the planned companies into written, unchanged and failed, and returns the failed ids.
 * A company whose write failed keeps its old stored result, so the next run computes the same
 * change again instead of believing HubSpot already shows it.
 */
function settleWrites(
  ctx: RecomputeContext,
  plans: CompanyPlan[],
  written: WriteResult,
  outcome: RecomputeOutcome,
): Set<string> {
  const landed = new Set(written.updated);
  const writeFailed = new Set(written.failed.map((failure) => failure.companyId));
  outcome.failed.push(...written.failed);
  for (const plan of plans) {
    if (writeFailed.has(plan.companyId)) continue;
    if (!landed.has(plan.companyId)) {
      outcome.unchanged.push(plan.companyId);
      continue;
    }
    plan.record.writtenAt = ctx.now.getTime();
    outcome.written.push(plan.companyId);
    // A first status is not a change: nothing was shown before it.
    if (plan.statusChanged && plan.shownStatus !== undefined) {
      outcome.statusChanges.push(plan.companyId);
    }
  }
  return writeFailed;
}

/** Records failures for the nightly sweep and adds the outcome to the portal's counters. */
async function recordOutcome(ctx: RecomputeContext, outcome: RecomputeOutcome): Promise<void> {
  if (outcome.failed.length > 0) {
    await ctx.store.recordFailures(ctx.portalId, outcome.failed, ctx.now);
  }
  await ctx.store.addStats(ctx.portalId, {
    recomputes: outcome.computed.length,
    writes: outcome.written.length,
    unchanged: outcome.unchanged.length,
    failures: outcome.failed.length,
    statusChanges: outcome.statusChanges.length,
    tasksCreated: outcome.tasksCreated.length,
    expansionTasksCreated: outcome.expansionTasksCreated.length,
    apiCalls: outcome.apiCalls,
  });
}

/** Returns the company property that names the At-risk task's owner in this workspace. */
export function ownerPropertyOf(config: ScoreConfig): string {
  return config.taskOwnerProperty || DEFAULT_OWNER_PROPERTY;
}

/**
 * Creates the At-risk task for each company that owes one, unless the task remembered for it is
 * still open. A task that fails to be created stays owed (`taskPending`, already stored) and is
 * retried at the company's next recompute while the company stays At risk.
 * NOTE: a create whose response is lost (timeout, dropped connection) may still have made the
 * task in HubSpot. Its id was never seen, so the retry makes a second task.
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
            config.contactFrequencyDays,
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
