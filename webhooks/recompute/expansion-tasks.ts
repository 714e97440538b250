import {
  EXPANSION_SIGNAL_LABELS,
  type ExpansionSignal,
  type ExpansionSignalKind,
  type ScoreConfig,
} from '../../src/engine';
import { HubSpotApiError } from '../../src/hubspot/errors';
import type { CompanyPlan } from './plan';
import type { CallCounter, CompanyRead } from './read';
import { isTaskOpen, taskDueAt } from './tasks';
import type { RecomputeContext, RecomputeOutcome } from './types';

/** The expansion task is due this many days from today, at 09:00 in the portal's time zone. */
export const EXPANSION_TASK_DUE_DAYS = 7;

/** The owner property used when the config's account executive property is empty on a company. */
export const FALLBACK_EXPANSION_OWNER_PROPERTY = 'hubspot_owner_id';

/** Company properties the expansion task reads besides the config's inputs. */
export function expansionTaskProperties(config: ScoreConfig): string[] {
  return ['name', config.expansion.ownerProperty, FALLBACK_EXPANSION_OWNER_PROPERTY];
}

/** Builds the task text: the new signals in the subject, every active signal's reason in the body. */
export function expansionTaskText(
  companyName: string | null | undefined,
  companyId: string,
  signals: ExpansionSignal[],
  gained: ExpansionSignalKind[],
): { subject: string; body: string } {
  const name = companyName?.trim() || `Company ${companyId}`;
  const headline = gained.length > 0 ? gained : signals.map((signal) => signal.kind);
  const labels = headline.map((kind) => EXPANSION_SIGNAL_LABELS[kind]).join(', ');
  const lines = signals.map((signal) => {
    const marker = gained.includes(signal.kind) ? ' (new)' : '';
    return `- ${EXPANSION_SIGNAL_LABELS[signal.kind]}${marker}: ${signal.reason}`;
  });
  return {
    subject: `Expansion opportunity at ${name}: ${labels}`,
    body: [`CS Health found signals that ${name} may be ready to expand:`, ...lines].join('\n'),
  };
}

/**
 * Creates the expansion task for each company that owes one, unless the task remembered for it
 * is still open. The task goes to the account executive named by the config's owner property,
 * or to `hubspot_owner_id` when that is empty. A task that fails to be created stays owed
 * (`expansionTaskPending`) and is retried at the next recompute while a signal stays on.
 */
export async function createExpansionTasks(
  ctx: RecomputeContext,
  owed: CompanyPlan[],
  companies: Map<string, CompanyRead>,
  config: ScoreConfig,
  calls: CallCounter,
  outcome: RecomputeOutcome,
): Promise<void> {
  if (owed.length === 0) return;
  const { timeZone } = await ctx.client.getAccountDetails();
  for (const plan of owed) {
    const record = plan.record;
    const current = companies.get(plan.companyId)?.current ?? {};
    try {
      if (
        record.openExpansionTaskId &&
        (await isTaskOpen(ctx.client, record.openExpansionTaskId, calls))
      ) {
        // TODO: add a signal gained while the task is open to that task; today only the
        // property and cs_expansion_signal_at show it.
        delete record.expansionTaskPending;
        continue;
      }
      const text = expansionTaskText(
        current.name,
        plan.companyId,
        record.expansionSignals ?? [],
        plan.gainedSignals,
      );
      const ownerId =
        current[config.expansion.ownerProperty] ||
        current[FALLBACK_EXPANSION_OWNER_PROPERTY] ||
        undefined;
      const taskId = await calls.track(
        ctx.client.createTask({
          ...(ownerId ? { ownerId } : {}),
          subject: text.subject,
          body: text.body,
          dueAt: taskDueAt(ctx.now, timeZone, EXPANSION_TASK_DUE_DAYS),
          priority: 'MEDIUM',
          companyId: plan.companyId,
        }),
      );
      record.openExpansionTaskId = taskId;
      delete record.expansionTaskPending;
      outcome.expansionTasksCreated.push({ companyId: plan.companyId, taskId });
    } catch (error) {
      if (!(error instanceof HubSpotApiError)) throw error;
      ctx.logger.warn(
        { err: error, portalId: ctx.portalId, companyId: plan.companyId },
        'creating the expansion task failed; it is retried at the next recompute of the company',
      );
    }
  }
}
