import { HubSpotApiError } from './errors';
import { assertBatchSize, type Call } from './crm-objects';
import { resultsOf } from './failure';

/** HubSpot's cap on ids per v4 association batch read. */
export const ASSOCIATION_BATCH_LIMIT = 1_000;
const LIST_PAGE_SIZE = 500;

/**
 * Reads the associations of up to 1,000 records with the v4 batch endpoint. An input with more
 * associations than one response holds comes back with its own `paging.next.after`; those inputs
 * are asked again with their cursors until none is left. Every id maps to a list (empty when it
 * has none).
 */
export async function batchReadAssociations(
  call: Call,
  portalId: number,
  from: string,
  to: string,
  ids: string[],
): Promise<Map<string, string[]>> {
  const unique = [...new Set(ids)];
  assertBatchSize(`${from} → ${to} association batch read`, unique.length, ASSOCIATION_BATCH_LIMIT);
  const associated = new Map<string, string[]>(unique.map((id) => [id, []]));
  const seenCursors = new Map<string, Set<string>>();
  let pending: { id: string; after?: string }[] = unique.map((id) => ({ id }));

  while (pending.length > 0) {
    const inputs = pending;
    const results = await call(`associations.${from}.${to}.batch.read`, 'general', (client, sdk) =>
      client.crm.associations.v4.batchApi
        .getPage(from, to, { inputs }, sdk)
        .then((response) => checkAssociationResults(resultsOf(response))),
    );
    pending = [];
    for (const result of results) {
      const fromId = result._from.id;
      const list = associated.get(fromId) ?? [];
      for (const target of result.to) list.push(String(target.toObjectId));
      associated.set(fromId, list);
      const after = result.paging?.next?.after;
      if (!after) continue;
      const seen = seenCursors.get(fromId) ?? new Set<string>();
      if (seen.has(after))
        throw repeatedCursor(portalId, `associations.${from}.${to}.batch.read`, fromId, after);
      seen.add(after);
      seenCursors.set(fromId, seen);
      pending.push({ id: fromId, after });
    }
  }
  for (const [id, list] of associated) associated.set(id, [...new Set(list)]);
  return associated;
}

/**
 * Lists every association of one record, 500 per page, until a response has no `paging`. A
 * cursor HubSpot already returned once would loop forever, so it fails the request instead.
 */
export async function listAssociations(
  call: Call,
  portalId: number,
  from: string,
  id: string,
  to: string,
): Promise<string[]> {
  const ids: string[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const cursor = after;
    const page = await call(`associations.${from}.${to}.list`, 'general', (client, sdk) =>
      client.crm.associations.v4.basicApi
        .getPage(from, id, to, cursor, LIST_PAGE_SIZE, sdk)
        .then((response) => {
          resultsOf(response).forEach((target) => requireTargetId(target.toObjectId));
          return response;
        }),
    );
    for (const target of page.results) ids.push(String(target.toObjectId));
    after = page.paging?.next?.after;
    if (!after) return [...new Set(ids)];
    if (seen.has(after))
      throw repeatedCursor(portalId, `associations.${from}.${to}.list`, id, after);
    seen.add(after);
  }
}

function repeatedCursor(
  portalId: number,
  endpoint: string,
  id: string,
  after: string,
): HubSpotApiError {
  return new HubSpotApiError({
    status: 200,
    category: 'REPEATED_PAGING_CURSOR',
    retryable: false,
    endpoint,
    portalId,
    detail: `HubSpot returned the paging cursor "${after}" twice for record ${id}; stopped to avoid an endless loop`,
  });
}

function requireTargetId(id: unknown): void {
  if (
    (typeof id === 'string' && id !== '') ||
    (typeof id === 'number' && Number.isSafeInteger(id))
  ) {
    return;
  }
  throw new Error(`an association target has no valid toObjectId (got ${JSON.stringify(id)})`);
}

/** Checks the fields the batch read relies on, so a malformed page fails as INVALID_RESPONSE. */
function checkAssociationResults<T extends { _from?: { id?: unknown }; to?: unknown }>(
  results: T[],
): T[] {
  for (const result of results) {
    if (typeof result?._from?.id !== 'string' || !Array.isArray(result.to)) {
      throw new Error('an association result lacks "from.id" or a "to" list');
    }
    for (const target of result.to as { toObjectId?: unknown }[])
      requireTargetId(target?.toObjectId);
  }
  return results;
}
