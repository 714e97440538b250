import {
  detectExpansionSignals,
  formatNumberForHubSpot,
  scoreCompany,
  type ExpansionSignalKind,
  type ReferenceDistributions,
  type ScoreConfig,
} from '../../src/engine';
import {
  WRITTEN_PROPERTIES,
  changedProperties,
  formatDrivers,
  formatMultiCheckbox,
  formatScoreChange,
  splitMultiCheckbox,
  toStatusValue,
  validateForHubSpot,
  type HealthStatus,
  type RejectedValue,
} from './properties';
import type { CompanyRead } from './read';
import { appendScoreHistory, type StoredCompanyResult } from './store';
import type { RecomputeReason } from './types';

const DAY_MS = 86_400_000;

/** The result of scoring one company, and what must be written to show it. */
export interface CompanyPlan {
  companyId: string;
  /** The record stored once the write (if any) has landed. */
  record: StoredCompanyResult;
  /** Properties whose visible value changes; empty when no write is needed. */
  changes: Record<string, string>;
  /** The status HubSpot showed before this computation, if any. */
  shownStatus?: HealthStatus;
  statusChanged: boolean;
  /** True when a CSM task must be created (or retried) for this company. */
  needsTask: boolean;
  /** Expansion signals that are on now but were not shown before this computation. */
  gainedSignals: ExpansionSignalKind[];
  /** True when an expansion task for the account executive must be created (or retried). */
  needsExpansionTask: boolean;
  rejected: RejectedValue[];
}

export interface PlanInput {
  read: CompanyRead;
  previous?: StoredCompanyResult;
  config: ScoreConfig;
  reference?: ReferenceDistributions;
  workspace: string;
  now: Date;
  reason: RecomputeReason;
}

/**
 * Scores one company at `now` and works out the write. Workflows act on the status HubSpot
 * currently shows, so that status decides whether the status changed. The stored result is
 * used when HubSpot shows none. `cs_health_computed_at` is written with any other change, or alone
 * when the last write is more than a day old. So the timestamp never causes a write on every run,
 * and it still shows that the score was confirmed within the last day.
 */
export function planCompany(input: PlanInput): CompanyPlan {
  const { read, previous, config, now } = input;
  const companyId = read.snapshot.id;
  const result = scoreCompany(read.snapshot, config, now, {
    ...(previous ? { previous: previous.result } : {}),
    ...(input.reference ? { reference: input.reference } : {}),
  });
  const status = toStatusValue(result.status);
  if (status === undefined) {
    throw new Error(
      `the engine returned an unknown status "${String(result.status)}" for company ${companyId}`,
    );
  }
  const shownStatus =
    toStatusValue(read.current[WRITTEN_PROPERTIES.status]) ?? previous?.status ?? undefined;
  const history = appendScoreHistory(previous?.history ?? [], now.getTime(), result.score);

  const desired: Record<string, string> = {
    [WRITTEN_PROPERTIES.score]: formatNumberForHubSpot(result.score, 0),
    [WRITTEN_PROPERTIES.status]: status,
    [WRITTEN_PROPERTIES.change7d]: formatScoreChange(history, result.score, now, 7),
    [WRITTEN_PROPERTIES.change30d]: formatScoreChange(history, result.score, now, 30),
    [WRITTEN_PROPERTIES.drivers]: formatDrivers(result.drivers),
    [WRITTEN_PROPERTIES.coverage]: formatNumberForHubSpot(result.coverage, 1),
    [WRITTEN_PROPERTIES.workspace]: input.workspace,
    [WRITTEN_PROPERTIES.configVersion]: String(config.version),
  };
  const statusChanged = status !== shownStatus;
  if (statusChanged) {
    // Written in the same update as the status, so a workflow triggered by the status change
    // reads the matching previous status and time.
    desired[WRITTEN_PROPERTIES.previousStatus] = shownStatus ?? '';
    desired[WRITTEN_PROPERTIES.statusChangedAt] = now.toISOString();
  }
  const signals = detectExpansionSignals(read.snapshot, result, config, now);
  const signalKinds = signals.map((signal) => signal.kind);
  const shownSignals = shownExpansionSignals(read, previous);
  const gainedSignals = signalKinds.filter((kind) => !(shownSignals ?? []).includes(kind));
  desired[WRITTEN_PROPERTIES.expansionSignals] = formatMultiCheckbox(signalKinds);
  if (gainedSignals.length > 0) desired[WRITTEN_PROPERTIES.expansionSignalAt] = now.toISOString();

  const { valid, rejected } = validateForHubSpot(desired);
  const changes = changedProperties(read.current, valid);
  const lastWrite =
    previous?.writtenAt ?? parseInstant(read.current[WRITTEN_PROPERTIES.computedAt]);
  if (
    Object.keys(changes).length > 0 ||
    lastWrite === undefined ||
    now.getTime() - lastWrite >= DAY_MS
  ) {
    changes[WRITTEN_PROPERTIES.computedAt] = now.toISOString();
  }

  const turnedAtRisk =
    status === 'at_risk' &&
    statusChanged &&
    // A first score during the install backfill is not a change a CSM must act on; every later
    // move into At risk is.
    (shownStatus !== undefined || input.reason !== 'backfill');
  // As with At-risk tasks, a first score during the install backfill owes no task. Neither does
  // a stored result from before expansion signals existed, whose shown signals are unknown.
  const signalsKnown =
    shownSignals !== undefined || (previous === undefined && input.reason !== 'backfill');
  const owesExpansionTask =
    (gainedSignals.length > 0 && signalsKnown) ||
    (previous?.expansionTaskPending === true && signalKinds.length > 0);
  const record: StoredCompanyResult = {
    companyId,
    score: result.score,
    status,
    computedAt: now.getTime(),
    ...(previous?.writtenAt !== undefined ? { writtenAt: previous.writtenAt } : {}),
    ...(statusChanged
      ? { statusChangedAt: now.getTime(), ...(shownStatus ? { previousStatus: shownStatus } : {}) }
      : {
          ...(previous?.statusChangedAt !== undefined
            ? { statusChangedAt: previous.statusChangedAt }
            : {}),
          ...(previous?.previousStatus ? { previousStatus: previous.previousStatus } : {}),
        }),
    workspace: input.workspace,
    configVersion: config.version,
    result,
    history,
    ticketIds: read.ticketIds,
    contactIds: read.contactIds,
    feedbackIds: read.feedbackIds,
    ...(previous?.openTaskId ? { openTaskId: previous.openTaskId } : {}),
    expansionSignals: signals,
    ...(previous?.openExpansionTaskId ? { openExpansionTaskId: previous.openExpansionTaskId } : {}),
    // A task that could not be created last time is retried while any signal stays on.
    ...(owesExpansionTask ? { expansionTaskPending: true } : {}),
    // A task that could not be created last time is retried while the company stays At risk.
    ...(turnedAtRisk || (previous?.taskPending && status === 'at_risk')
      ? { taskPending: true }
      : {}),
  };
  return {
    companyId,
    record,
    changes,
    ...(shownStatus ? { shownStatus } : {}),
    statusChanged,
    needsTask: record.taskPending === true,
    gainedSignals,
    needsExpansionTask: record.expansionTaskPending === true,
    rejected,
  };
}

/**
 * Returns the expansion signals HubSpot showed before this computation, or the stored ones when
 * HubSpot shows none. Returns undefined when neither is known.
 */
function shownExpansionSignals(
  read: CompanyRead,
  previous: StoredCompanyResult | undefined,
): string[] | undefined {
  const shown = splitMultiCheckbox(read.current[WRITTEN_PROPERTIES.expansionSignals]);
  if (shown.length > 0) return shown;
  return previous?.expansionSignals?.map((signal) => signal.kind);
}

function parseInstant(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isNaN(value) ? undefined : value;
}
