import { DateTime } from 'luxon';
import { HubSpotApiError } from '../../src/hubspot/errors';
import type { CallCounter } from './read';
import type { RecomputeClient } from './types';

/** The CSM task is due at this portal-local hour, the start of a working day. */
const TASK_DUE_HOUR = 9;

/**
 * Returns when the At-risk task is due: 09:00 in the portal's time zone on the day the next
 * contact falls due (last contact + contact window). That day is at most `window` days from
 * today and at least tomorrow.
 */
export function taskDueAt(
  now: Date,
  timeZone: string,
  contactWindowDays: number,
  lastContactedAt?: Date,
): Date {
  const today = DateTime.fromJSDate(now, { zone: timeZone }).startOf('day');
  const latest = today.plus({ days: Math.max(1, Math.round(contactWindowDays)) });
  let due = latest;
  if (lastContactedAt) {
    const nextContact = DateTime.fromJSDate(lastContactedAt, { zone: timeZone })
      .startOf('day')
      .plus({ days: Math.round(contactWindowDays) });
    if (nextContact < due) due = nextContact;
  }
  const tomorrow = today.plus({ days: 1 });
  if (due < tomorrow) due = tomorrow;
  return due.set({ hour: TASK_DUE_HOUR }).toJSDate();
}

/** Builds the task text: what happened and the drivers, one per line. */
export function atRiskTaskText(
  companyName: string | null | undefined,
  companyId: string,
  score: number,
  drivers: string[],
): { subject: string; body: string } {
  const name = companyName?.trim() || `Company ${companyId}`;
  const lines =
    drivers.length > 0 ? drivers.map((driver) => `- ${driver}`) : ['- No drivers recorded'];
  return {
    subject: `${name} is at risk (health score ${score})`,
    body: [`CS Health scored ${name} at ${score}, which is At risk. Main drivers:`, ...lines].join(
      '\n',
    ),
  };
}

/**
 * Returns true while a task exists and is not completed. A task deleted in HubSpot (404) counts
 * as closed, so a new one can be created.
 */
export async function isTaskOpen(
  client: RecomputeClient,
  taskId: string,
  calls: CallCounter,
): Promise<boolean> {
  try {
    const task = await calls.track(
      client.call('tasks.read', 'general', (api) =>
        api.crm.objects.tasks.basicApi.getById(taskId, ['hs_task_status']),
      ),
    );
    return task.properties.hs_task_status !== 'COMPLETED' && !task.archived;
  } catch (error) {
    if (error instanceof HubSpotApiError && error.status === 404) return false;
    throw error;
  }
}
