import type { Client } from '@hubspot/api-client';
import { HubSpotApiError } from './errors';
import { resultsOf } from './failure';
import type {
  BatchReadResult,
  BatchUpdateError,
  BatchUpdateResult,
  CallOptions,
  CrmRecord,
  ReadableObjectType,
  RequestKind,
  SearchRequest,
  SdkCallOptions,
  SearchResult,
  TaskInput,
} from './types';

export type Call = <T>(
  endpoint: string,
  kind: RequestKind,
  fn: (client: Client, sdkOptions: SdkCallOptions) => Promise<T>,
  options?: CallOptions,
) => Promise<T>;

/** HubSpot's limits per request (batch reads and writes, search page size and depth). */
export const BATCH_LIMIT = 100;
export const SEARCH_PAGE_LIMIT = 200;
export const SEARCH_MAX_OFFSET = 10_000;
/** HubSpot-defined association type id of task → company. */
const TASK_TO_COMPANY = 192;

export function assertBatchSize(what: string, count: number, max: number): void {
  if (count > max) {
    throw new RangeError(
      `${what} takes at most ${max} ids per request, got ${count}: split the list into chunks of ${max}`,
    );
  }
}

export async function batchReadObjects(
  call: Call,
  type: ReadableObjectType,
  ids: string[],
  properties: string[],
  propertiesWithHistory: string[] = [],
): Promise<BatchReadResult> {
  assertBatchSize(`${type} batch read`, ids.length, BATCH_LIMIT);
  if (ids.length === 0) return { results: [], missing: [] };
  // Mapping inside the call turns a malformed response into a retryable INVALID_RESPONSE error.
  const results = await call(`${type}.batch.read`, 'general', (client, sdk) =>
    client.crm.objects.batchApi
      .read(
        type,
        { inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory },
        false,
        sdk,
      )
      .then((response) => resultsOf(response).map(toRecord)),
  );
  const found = new Set(results.map((record) => record.id));
  return { results, missing: ids.filter((id) => !found.has(id)) };
}

export async function batchUpdateCompanies(
  call: Call,
  inputs: { id: string; properties: Record<string, string> }[],
): Promise<BatchUpdateResult> {
  assertBatchSize('companies batch update', inputs.length, BATCH_LIMIT);
  if (inputs.length === 0) return { updated: [], errors: [] };
  try {
    // Mapping inside the call turns a malformed response into a retryable INVALID_RESPONSE error.
    return await call('companies.batch.update', 'general', async (client, sdk) => {
      let rawBody: Promise<string> | undefined;
      const response = await client.crm.companies.batchApi.update(
        { inputs },
        keepSuccessBody(sdk, (text) => {
          rawBody = text;
        }),
      );
      const updated = resultsOf(response).map((record) => requireId(record.id));
      // The SDK parses a 200 as a response without errors and drops `errors`, but HubSpot can
      // still list per-item errors in a 200 body, so they are read from the raw text.
      const listed =
        'errors' in response && Array.isArray(response.errors)
          ? response.errors
          : errorsInBody(rawBody ? await rawBody : '');
      return { updated, errors: listed.flatMap(toBatchErrors) };
    });
  } catch (error) {
    // HubSpot rejects the whole batch with 400 VALIDATION_ERROR when one value is invalid. The
    // caller needs to know which inputs to drop, so that response is returned as data.
    if (
      error instanceof HubSpotApiError &&
      error.status === 400 &&
      error.category === 'VALIDATION_ERROR'
    ) {
      return { updated: [], errors: validationErrors(error.body) };
    }
    throw error;
  }
}

export async function searchObjects(
  call: Call,
  type: string,
  body: SearchRequest,
): Promise<SearchResult> {
  if (body.limit !== undefined && (body.limit < 1 || body.limit > SEARCH_PAGE_LIMIT)) {
    throw new RangeError(`search limit must be 1-${SEARCH_PAGE_LIMIT}, got ${body.limit}`);
  }
  if (body.after !== undefined && Number(body.after) + (body.limit ?? 10) > SEARCH_MAX_OFFSET) {
    throw new RangeError(
      `search cannot page past ${SEARCH_MAX_OFFSET} results (after=${body.after}): ` +
        'sort by hs_object_id and filter hs_object_id GT the last id seen instead',
    );
  }
  return call(`${type}.search`, 'search', (client, sdk) =>
    // The SDK types `sorts` as string[], but HubSpot takes sort objects; they pass through as-is.
    client.crm.objects.searchApi
      .doSearch(
        type,
        body as unknown as Parameters<Client['crm']['objects']['searchApi']['doSearch']>[1],
        sdk,
      )
      .then((response) => {
        const result: SearchResult = {
          total: Number(response.total) || 0,
          results: resultsOf(response).map(toRecord),
        };
        const after: unknown = response.paging?.next?.after;
        if (after !== undefined && after !== null && after !== '') {
          if (typeof after !== 'string' || !/^\d+$/.test(after)) {
            throw new Error(
              `the search paging cursor is not a number string (got ${JSON.stringify(after)})`,
            );
          }
          result.after = after;
        }
        return result;
      }),
  );
}

export async function createTask(call: Call, input: TaskInput): Promise<string> {
  const properties: Record<string, string> = {
    hs_task_subject: input.subject,
    hs_task_body: input.body,
    hs_timestamp: input.dueAt.toISOString(),
    hs_task_priority: input.priority,
    hs_task_status: 'NOT_STARTED',
    hs_task_type: 'TODO',
  };
  if (input.ownerId) properties.hubspot_owner_id = input.ownerId;
  const created = await call(
    'tasks.create',
    'general',
    (client, sdk) =>
      client.crm.objects.tasks.basicApi
        .create(
          {
            properties,
            associations: [
              {
                to: { id: input.companyId },
                types: [
                  {
                    associationCategory: 'HUBSPOT_DEFINED' as never,
                    associationTypeId: TASK_TO_COMPANY,
                  },
                ],
              },
            ],
          },
          sdk,
        )
        .then((response) => requireId(response?.id)),
    { idempotent: false },
  );
  return created;
}

interface SdkRecord {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<
    string,
    { value: string; timestamp: Date | string; sourceType?: string }[]
  >;
}

function requireId(id: unknown): string {
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  throw new Error(`a record in the response has no valid id (got ${JSON.stringify(id)})`);
}

function toRecord(record: SdkRecord): CrmRecord {
  if (record === null || typeof record !== 'object') {
    throw new Error('a record in the response is not an object');
  }
  const result: CrmRecord = { id: requireId(record.id), properties: { ...record.properties } };
  if (record.propertiesWithHistory) {
    result.propertiesWithHistory = {};
    for (const [name, values] of Object.entries(record.propertiesWithHistory)) {
      result.propertiesWithHistory[name] = values.map((entry) => ({
        value: entry.value,
        timestamp:
          entry.timestamp instanceof Date ? entry.timestamp.toISOString() : String(entry.timestamp),
        ...(entry.sourceType ? { sourceType: entry.sourceType } : {}),
      }));
    }
  }
  return result;
}

type RawBatchError = Parameters<typeof toBatchErrors>[0];

/**
 * Adds a middleware that keeps the text of a 2xx response body, so fields the SDK's model drops
 * can still be read. The body stays readable for the SDK's own parsing.
 */
function keepSuccessBody(
  sdk: SdkCallOptions,
  keep: (text: Promise<string>) => void,
): SdkCallOptions {
  const options = sdk as unknown as { middleware?: unknown[]; middlewareMergeStrategy?: string };
  const middleware = {
    pre: async (context: unknown) => context,
    post: async (context: unknown) => {
      const response = context as {
        httpStatusCode: number;
        body: { text(): Promise<string>; binary(): Promise<Buffer> };
      };
      if (response.httpStatusCode < 200 || response.httpStatusCode > 299) return context;
      const text = response.body.text();
      keep(text.catch(() => ''));
      response.body = { text: () => text, binary: async () => Buffer.from(await text) };
      return context;
    },
  };
  return {
    ...options,
    middleware: [...(options.middleware ?? []), middleware],
    middlewareMergeStrategy: options.middlewareMergeStrategy ?? 'append',
  } as unknown as SdkCallOptions;
}

/** Returns the `errors` array of a raw batch response body, or none when it has no such array. */
function errorsInBody(text: string): RawBatchError[] {
  if (!text) return [];
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    return Array.isArray(body.errors) ? (body.errors as RawBatchError[]) : [];
  } catch {
    return [];
  }
}

function toBatchErrors(error: {
  category?: string;
  message?: string;
  context?: Record<string, string[]>;
}): BatchUpdateError[] {
  const ids = error.context?.ids ?? error.context?.id ?? [];
  const base = { message: error.message ?? 'no message', category: error.category ?? 'UNKNOWN' };
  const property = error.context?.propertyName?.[0];
  const withProperty = property ? { ...base, property } : base;
  return ids.length === 0 ? [withProperty] : ids.map((id) => ({ ...withProperty, id }));
}

/**
 * Reads per-property problems of a 400 VALIDATION_ERROR. HubSpot lists them in `errors[]` and,
 * for batch writes, as a JSON array inside `message` ("Property values were not valid: [...]").
 */
export function validationErrors(body: unknown): BatchUpdateError[] {
  const fields = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const message = typeof fields.message === 'string' ? fields.message : 'validation failed';
  const found: BatchUpdateError[] = [];
  const embedded = message.indexOf('[');
  if (embedded >= 0) {
    try {
      const items = JSON.parse(message.slice(embedded)) as {
        message?: string;
        name?: string;
        error?: string;
      }[];
      for (const item of items) {
        found.push({
          message: item.message ?? message,
          category: 'VALIDATION_ERROR',
          ...(item.name ? { property: item.name } : {}),
        });
      }
    } catch {
      // Not JSON: the errors[] entries below or the message itself describe the problem.
    }
  }
  if (found.length === 0 && Array.isArray(fields.errors)) {
    for (const item of fields.errors as {
      message?: string;
      context?: Record<string, string[]>;
    }[]) {
      found.push(
        ...toBatchErrors({
          category: 'VALIDATION_ERROR',
          message: item.message ?? message,
          context: item.context ?? {},
        }),
      );
    }
  }
  return found.length > 0 ? found : [{ message, category: 'VALIDATION_ERROR' }];
}
