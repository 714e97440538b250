import { associationTypeIds } from '../store/associations';
import type { CrmObjectType } from '../store/changes';
import { OBJECT_TYPES } from '../store/object-types';
import { json, type ApiRequest, type ApiRoute, type Reply } from './context';
import { notFoundError, standardError, validationError } from './errors';
import { apiSource, requireHubSpotDefined, storeFailure } from './object-routes';
import { associationTypesOf, objectTypeParam } from './serialize';

/** Inputs per v4 association batch read. */
export const MAX_ASSOCIATION_BATCH_INPUTS = 1_000;
/** Associations per page, both per record listing and per input of a batch read. */
export const MAX_ASSOCIATION_PAGE = 500;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Paging cursors are the base64 of the offset, so page two of 100 is "MTAw". */
const encodeCursor = (offset: number) => Buffer.from(String(offset)).toString('base64');

function decodeCursor(cursor: string | undefined | null): number {
  if (cursor === undefined || cursor === null || cursor === '') return 0;
  const offset = Number(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) {
    throw validationError(`after ${cursor} is not a paging cursor from this endpoint.`);
  }
  return offset;
}

function pairScopes(fromParam: string, toParam: string) {
  return (params: Record<string, string>): string[][] => {
    try {
      const from = objectTypeParam(params, fromParam);
      const to = objectTypeParam(params, toParam);
      return [OBJECT_TYPES[from].readScopes, OBJECT_TYPES[to].readScopes];
    } catch {
      return [];
    }
  };
}

function writeScopes(params: Record<string, string>): string[][] {
  try {
    return [OBJECT_TYPES[objectTypeParam(params, 'fromObjectType')].writeScopes];
  } catch {
    return [];
  }
}

function requirePair(from: CrmObjectType, to: CrmObjectType): void {
  if (!associationTypeIds(from, to)) {
    throw validationError(`There is no HUBSPOT_DEFINED association type from ${from} to ${to}.`);
  }
}

function page(
  request: ApiRequest,
  from: CrmObjectType,
  fromId: string,
  to: CrmObjectType,
  offset: number,
  limit: number,
) {
  const store = request.portal.store;
  const targets = store.associations.targets(from, fromId, to);
  // The v4 and 2026-03 specs (and the 13.x client's model) type toObjectId as a string.
  const results = targets.slice(offset, offset + limit).map((toId) => ({
    toObjectId: toId,
    associationTypes: associationTypesOf(store, from, fromId, to, toId),
  }));
  const hasMore = offset + limit < targets.length;
  return { results, nextOffset: hasMore ? offset + limit : undefined };
}

function batchRead(request: ApiRequest): Reply {
  const startedAt = new Date().toISOString();
  const from = objectTypeParam(request.params, 'fromObjectType');
  const to = objectTypeParam(request.params, 'toObjectType');
  requirePair(from, to);
  const body = request.body;
  if (!isObject(body) || !Array.isArray(body.inputs))
    throw validationError('The request body needs an "inputs" array.');
  if (body.inputs.length > MAX_ASSOCIATION_BATCH_INPUTS) {
    throw validationError(
      `Batch input of ${body.inputs.length} items is above the limit of ${MAX_ASSOCIATION_BATCH_INPUTS}. Split it into several requests.`,
    );
  }
  const store = request.portal.store;
  const faults = request.state.faults.forPortal(request.portal.id);
  const pageSize = request.state.associationBatchPageSize;
  const results: unknown[] = [];
  const errors: unknown[] = [];
  body.inputs.forEach((input, index) => {
    if (!isObject(input) || (typeof input.id !== 'string' && typeof input.id !== 'number')) {
      throw validationError(`inputs[${index}] needs an "id".`);
    }
    const id = String(input.id);
    const record = store.get(from, id);
    const after = typeof input.after === 'string' ? input.after : undefined;
    const offset = decodeCursor(after);
    const { results: to_, nextOffset } = record
      ? page(request, from, record.id, to, offset, pageSize)
      : { results: [], nextOffset: undefined };
    if (to_.length === 0) {
      errors.push(
        standardError(
          'OBJECT_NOT_FOUND',
          `No ${OBJECT_TYPES[to].singular} is associated with ${OBJECT_TYPES[from].singular} ${id}.`,
          { fromObjectId: [id] },
          { subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND' },
        ),
      );
      return;
    }
    const result: Record<string, unknown> = { from: { id }, to: to_ };
    if (nextOffset !== undefined) {
      // The repeated-cursor fault hands back the cursor the input sent, so paging never advances.
      const cursor = faults.repeatAssociationCursor && after ? after : encodeCursor(nextOffset);
      result.paging = { next: { after: cursor } };
    }
    results.push(result);
  });
  const reply: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt,
    completedAt: new Date().toISOString(),
  };
  if (errors.length === 0) return json(200, reply);
  reply.numErrors = errors.length;
  reply.errors = errors;
  return json(207, reply);
}

function listForRecord(request: ApiRequest): Reply {
  const from = objectTypeParam(request.params, 'objectType');
  const to = objectTypeParam(request.params, 'toObjectType');
  requirePair(from, to);
  const store = request.portal.store;
  const id = request.params.objectId as string;
  const record = store.get(from, id);
  if (!record) throw notFoundError(`No ${OBJECT_TYPES[from].singular} with id ${id} exists.`);
  const limitText = request.query.get('limit');
  const limit = limitText === null ? MAX_ASSOCIATION_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ASSOCIATION_PAGE) {
    throw validationError(
      `limit must be a whole number from 1 to ${MAX_ASSOCIATION_PAGE}, got ${limitText}.`,
    );
  }
  const after = request.query.get('after');
  const { results, nextOffset } = page(request, from, record.id, to, decodeCursor(after), limit);
  const body: Record<string, unknown> = { results };
  if (nextOffset !== undefined) {
    const faults = request.state.faults.forPortal(request.portal.id);
    // The repeated-cursor fault hands back the cursor the caller sent, so a loop never advances.
    const cursor = faults.repeatAssociationCursor && after ? after : encodeCursor(nextOffset);
    body.paging = {
      next: {
        after: cursor,
        link: `${request.state.baseUrl()}${request.path}?limit=${limit}&after=${cursor}`,
      },
    };
  }
  return json(200, body);
}

function createDefault(request: ApiRequest): Reply {
  const startedAt = new Date().toISOString();
  const from = objectTypeParam(request.params, 'fromObjectType');
  const to = objectTypeParam(request.params, 'toObjectType');
  requirePair(from, to);
  const fromId = request.params.fromObjectId as string;
  const toId = request.params.toObjectId as string;
  try {
    request.portal.store.associate(from, fromId, to, toId, apiSource(request));
  } catch (error) {
    storeFailure(error);
  }
  const typeId = associationTypeIds(from, to)?.typeId as number;
  return json(200, {
    status: 'COMPLETE',
    results: [
      {
        from: { id: fromId },
        to: { id: toId },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
      },
    ],
    startedAt,
    completedAt: new Date().toISOString(),
  });
}

/** Creates an association from a body of association specs; only HUBSPOT_DEFINED types exist here. */
function createWithTypes(request: ApiRequest): Reply {
  const from = objectTypeParam(request.params, 'fromObjectType');
  const to = objectTypeParam(request.params, 'toObjectType');
  requirePair(from, to);
  const ids = associationTypeIds(from, to) as { typeId: number; primaryTypeId?: number };
  if (!Array.isArray(request.body) || request.body.length === 0) {
    throw validationError(
      'The request body must be a non-empty array of {associationCategory, associationTypeId}.',
    );
  }
  let primary = false;
  for (const spec of request.body) {
    requireHubSpotDefined(spec);
    const typeId = isObject(spec) ? Number(spec.associationTypeId) : Number.NaN;
    if (typeId === ids.primaryTypeId) primary = true;
    else if (typeId !== ids.typeId) {
      throw validationError(
        `associationTypeId ${String(isObject(spec) ? spec.associationTypeId : spec)} is not a HUBSPOT_DEFINED type from ${from} to ${to}.`,
      );
    }
  }
  const fromId = request.params.fromObjectId as string;
  const toId = request.params.toObjectId as string;
  try {
    request.portal.store.associate(from, fromId, to, toId, apiSource(request), primary);
  } catch (error) {
    storeFailure(error);
  }
  return json(201, {
    fromObjectTypeId: OBJECT_TYPES[from].objectTypeId,
    fromObjectId: fromId,
    toObjectTypeId: OBJECT_TYPES[to].objectTypeId,
    toObjectId: toId,
    labels: primary ? ['Primary'] : [],
  });
}

function removeAssociation(request: ApiRequest): Reply {
  const from = objectTypeParam(request.params, 'fromObjectType');
  const to = objectTypeParam(request.params, 'toObjectType');
  request.portal.store.disassociate(
    from,
    request.params.fromObjectId as string,
    to,
    request.params.toObjectId as string,
    apiSource(request),
  );
  return { status: 204 };
}

export function associationRoutes(): ApiRoute[] {
  const routes: ApiRoute[] = [];
  const batchPaths = ['/crm/v4/associations', '/crm/associations/2026-03'];
  const recordPaths = ['/crm/v4/objects', '/crm/objects/2026-03'];
  for (const prefix of batchPaths) {
    routes.push({
      method: 'POST',
      template: `${prefix}/{fromObjectType}/{toObjectType}/batch/read`,
      kind: 'api',
      scopes: pairScopes('fromObjectType', 'toObjectType'),
      handler: batchRead,
    });
  }
  for (const prefix of recordPaths) {
    routes.push(
      {
        method: 'GET',
        template: `${prefix}/{objectType}/{objectId}/associations/{toObjectType}`,
        kind: 'api',
        scopes: pairScopes('objectType', 'toObjectType'),
        handler: listForRecord,
      },
      {
        method: 'PUT',
        template: `${prefix}/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}`,
        kind: 'api',
        scopes: writeScopes,
        handler: createDefault,
      },
      {
        method: 'PUT',
        template: `${prefix}/{fromObjectType}/{fromObjectId}/associations/{toObjectType}/{toObjectId}`,
        kind: 'api',
        scopes: writeScopes,
        handler: createWithTypes,
      },
      {
        method: 'DELETE',
        template: `${prefix}/{fromObjectType}/{fromObjectId}/associations/{toObjectType}/{toObjectId}`,
        kind: 'api',
        scopes: writeScopes,
        handler: removeAssociation,
      },
    );
  }
  return routes;
}
