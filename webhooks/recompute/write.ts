import type { Logger } from '../../src/log';
import { type CallCounter, chunk, BATCH_READ_LIMIT } from './read';
import type { BatchUpdateInput, RecomputeClient } from './types';

export interface WriteFailure {
  companyId: string;
  message: string;
  category: string;
  property?: string;
}

export interface WriteResult {
  updated: string[];
  failed: WriteFailure[];
}

/** The fields of the gateway's `HubSpotApiError` the writer looks at. */
interface ApiErrorShape {
  status: number;
  category?: string;
  message: string;
}

function asApiError(error: unknown): ApiErrorShape | undefined {
  if (error instanceof Error && typeof (error as Partial<ApiErrorShape>).status === 'number') {
    return error as Error & ApiErrorShape;
  }
  return undefined;
}

/**
 * Returns true for a 400 that one input can cause (an invalid number, an unknown option). A
 * missing property fails every input alike, so splitting the batch would only multiply requests.
 */
function isPerInputRejection(error: ApiErrorShape): boolean {
  if (error.status !== 400) return false;
  if (/does not exist|doesn't exist/i.test(error.message)) return false;
  return error.category === undefined || error.category === 'VALIDATION_ERROR';
}

/**
 * Writes company properties in batch updates of at most 100. A batch rejected with 400 because
 * of one input is split in halves until the invalid inputs stand alone, so every valid input
 * still lands and only the offending companies are reported. Per-item errors of a 2xx or 207
 * response are recorded per id and not retried. Other errors (rate limits, 5xx, revoked
 * tokens) are thrown, for the job to retry or fail.
 */
export async function writeCompanyUpdates(
  client: RecomputeClient,
  inputs: BatchUpdateInput[],
  calls: CallCounter,
  logger: Logger,
): Promise<WriteResult> {
  const result: WriteResult = { updated: [], failed: [] };
  for (const batch of chunk(inputs, BATCH_READ_LIMIT)) {
    await writeBatch(client, batch, calls, logger, result);
  }
  return result;
}

async function writeBatch(
  client: RecomputeClient,
  batch: BatchUpdateInput[],
  calls: CallCounter,
  logger: Logger,
  result: WriteResult,
): Promise<void> {
  if (batch.length === 0) return;
  let response: Awaited<ReturnType<RecomputeClient['batchUpdateCompanies']>>;
  try {
    response = await calls.track(client.batchUpdateCompanies(batch));
  } catch (error) {
    const apiError = asApiError(error);
    if (!apiError || apiError.status !== 400) throw error;
    await handleRejectedBatch(client, batch, calls, logger, result, {
      message: apiError.message,
      category: apiError.category ?? 'VALIDATION_ERROR',
      splittable: isPerInputRejection(apiError),
    });
    return;
  }

  // The gateway returns a whole-batch 400 VALIDATION_ERROR as errors that name no input.
  const unnamedErrors = response.errors.filter((error) => !error.id);
  if (
    response.updated.length === 0 &&
    unnamedErrors.length === response.errors.length &&
    unnamedErrors.length > 0
  ) {
    const first = unnamedErrors[0]!;
    await handleRejectedBatch(client, batch, calls, logger, result, {
      message: unnamedErrors.map((error) => error.message).join('; '),
      category: first.category,
      ...(first.property ? { property: first.property } : {}),
      splittable: isPerInputRejection({
        status: 400,
        category: first.category,
        message: first.message,
      }),
    });
    return;
  }

  const updated = new Set(response.updated);
  const failedIds = new Set<string>();
  for (const error of response.errors) {
    if (error.id && !updated.has(error.id)) {
      failedIds.add(error.id);
      result.failed.push({
        companyId: error.id,
        message: error.message,
        category: error.category,
        ...(error.property ? { property: error.property } : {}),
      });
    }
  }
  for (const input of batch) {
    if (updated.has(input.id)) {
      result.updated.push(input.id);
    } else if (!failedIds.has(input.id)) {
      // Neither a result nor an error names this input: report it with whatever error the
      // response carried, so the sweep retries it instead of counting it as written.
      const cause = unnamedErrors[0];
      result.failed.push({
        companyId: input.id,
        message:
          cause?.message ?? 'HubSpot returned no result for this company in the batch update',
        category: cause?.category ?? 'MISSING_RESULT',
      });
    }
  }
  if (response.errors.length > 0) {
    logger.warn(
      { errors: response.errors.slice(0, 10), errorCount: response.errors.length },
      'HubSpot reported per-item errors in a company batch update',
    );
  }
}

/**
 * Handles a batch HubSpot rejected as a whole: splits it in halves while the rejection can come
 * from a single input, and records the inputs that still fail on their own.
 */
async function handleRejectedBatch(
  client: RecomputeClient,
  batch: BatchUpdateInput[],
  calls: CallCounter,
  logger: Logger,
  result: WriteResult,
  rejection: { message: string; category: string; property?: string; splittable: boolean },
): Promise<void> {
  if (batch.length > 1 && rejection.splittable) {
    const middle = Math.ceil(batch.length / 2);
    await writeBatch(client, batch.slice(0, middle), calls, logger, result);
    await writeBatch(client, batch.slice(middle), calls, logger, result);
    return;
  }
  for (const input of batch) {
    result.failed.push({
      companyId: input.id,
      message: rejection.message,
      category: rejection.category,
      ...(rejection.property ? { property: rejection.property } : {}),
    });
  }
  logger.warn(
    {
      companyIds: batch.map((input) => input.id),
      category: rejection.category,
      message: rejection.message,
    },
    'HubSpot rejected the company update; the companies are recorded as failed',
  );
}
