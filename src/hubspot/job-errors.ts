import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { HubSpotApiError, PortalDisconnectedError } from './errors';

/** What a queue job should do after a gateway call failed. */
export type JobErrorOutcome =
  | { kind: 'unrecoverable'; message: string }
  | { kind: 'delay'; delayMs: number; message: string }
  | { kind: 'retry'; message: string };

/**
 * Decides the BullMQ outcome of an error thrown by the gateway:
 * - a disconnected or uninstalled portal, and permanent HubSpot errors (400, 403, 404 …), are
 *   unrecoverable, so BullMQ does not retry them;
 * - rate limits (429, or the local limiter's wait) delay the job by the advertised wait, so the
 *   job gives up its worker slot instead of sleeping in it;
 * - 5xx and network errors, and anything the gateway did not classify, use the queue's
 *   `attempts` and `backoff`.
 */
export function classifyJobError(error: unknown): JobErrorOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PortalDisconnectedError) return { kind: 'unrecoverable', message };
  if (error instanceof HubSpotApiError) {
    if (!error.retryable) return { kind: 'unrecoverable', message };
    if (error.retryAfterMs !== undefined && (error.status === 429 || error.status === 0)) {
      return { kind: 'delay', delayMs: Math.max(error.retryAfterMs, 100), message };
    }
    return { kind: 'retry', message };
  }
  return { kind: 'retry', message };
}

/**
 * Rethrows a gateway error the way BullMQ understands it, for use in a processor's `catch`:
 * `UnrecoverableError` for permanent failures, `DelayedError` after moving the job to the
 * delayed set for rate limits (needs the job and the processor's lock token; without them the
 * error is rethrown for an ordinary retry), the original error otherwise.
 */
export async function rethrowForQueue(error: unknown, job?: Job, token?: string): Promise<never> {
  const outcome = classifyJobError(error);
  if (outcome.kind === 'unrecoverable') {
    const unrecoverable = new UnrecoverableError(outcome.message);
    unrecoverable.cause = error;
    throw unrecoverable;
  }
  if (outcome.kind === 'delay' && job && token) {
    await job.moveToDelayed(Date.now() + outcome.delayMs, token);
    throw new DelayedError(outcome.message);
  }
  throw error instanceof Error ? error : new Error(outcome.message);
}
