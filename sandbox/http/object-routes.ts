import { associationTypeIds } from '../store/associations';
import type { CrmObjectType } from '../store/changes';
import type { StoredRecord } from '../store/object-table';
import { CRM_OBJECT_TYPES, OBJECT_TYPES } from '../store/object-types';
import { StoreError, type PortalStore, type WriteSource } from '../store/portal-store';
import type { PropertyValueError } from '../store/property-values';
import { SearchRequestError, searchRecords } from '../store/search';
import { json, type ApiRequest, type ApiRoute, type Reply } from './context';
import {
  errorBody,
  HubSpotHttpError,
  notFoundError,
  standardError,
  validationError,
} from './errors';
import { listParam, objectTypeParam, serializeRecord, type RecordView } from './serialize';

/** Inputs per batch request, the same for read, create, update and archive. */
export const MAX_BATCH_INPUTS = 100;
/** Records per page of the list endpoint. */
const MAX_LIST_LIMIT = 100;
/** HubSpot rejects search request bodies longer than this many characters. */
const MAX_SEARCH_BODY_CHARS = 3_000;

const PREFIXES = ['/crm/v3/objects', '/crm/objects/2026-03'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function readScopes(params: Record<string, string>): string[][] {
  try {
    const info = OBJECT_TYPES[objectTypeParam(params)];
    return [info.readScopes, ...(info.additionalReadScopes ?? []).map((scope) => [scope])];
  } catch {
    return [];
  }
}

function writeScopes(params: Record<string, string>): string[][] {
  try {
    return [OBJECT_TYPES[objectTypeParam(params)].writeScopes];
  } catch {
    return [];
  }
}

export function apiSource(request: ApiRequest): WriteSource {
  const appId = request.state.app.appId;
  return { sourceType: 'API', sourceId: String(appId), appId };
}

/** HubSpot's 400 for values that failed property validation, listing every failure. */
export function propertyValidationError(errors: PropertyValueError[]): HubSpotHttpError {
  return new HubSpotHttpError(400, {
    status: 'error',
    message: `Property values were not valid: ${JSON.stringify(errors)}`,
    correlationId: errorBody('VALIDATION_ERROR', '').correlationId,
    category: 'VALIDATION_ERROR',
  });
}

/** Converts a store failure to HubSpot's answer. */
export function storeFailure(error: unknown): never {
  if (error instanceof StoreError) {
    throw error.category === 'OBJECT_NOT_FOUND'
      ? notFoundError(error.message)
      : validationError(error.message);
  }
  throw error;
}

function writableType(request: ApiRequest): CrmObjectType {
  const type = objectTypeParam(request.params);
  if (OBJECT_TYPES[type].readOnly) {
    throw new HubSpotHttpError(
      405,
      errorBody(
        'VALIDATION_ERROR',
        `${type} are read-only through the API; they cannot be created, changed or archived.`,
      ),
    );
  }
  return type;
}

function viewFromQuery(query: URLSearchParams): RecordView {
  const associations = listParam(query, 'associations')
    ?.map((name) =>
      CRM_OBJECT_TYPES.find((type) => type === name || OBJECT_TYPES[type].singular === name),
    )
    .filter((type): type is CrmObjectType => type !== undefined);
  return {
    properties: listParam(query, 'properties'),
    propertiesWithHistory: listParam(query, 'propertiesWithHistory'),
    associations,
  };
}

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw validationError(`${field} must be an array of property names.`);
  }
  return value as string[];
}

function batchInputs(body: unknown): unknown[] {
  if (!isObject(body) || !Array.isArray(body.inputs)) {
    throw validationError('The request body needs an "inputs" array.');
  }
  if (body.inputs.length > MAX_BATCH_INPUTS) {
    throw validationError(
      `Batch input of ${body.inputs.length} items is above the limit of ${MAX_BATCH_INPUTS}. Split it into several requests.`,
      { context: { maxInputs: [String(MAX_BATCH_INPUTS)] } },
    );
  }
  return body.inputs;
}

function inputId(input: unknown, index: number): string {
  if (!isObject(input) || (typeof input.id !== 'string' && typeof input.id !== 'number')) {
    throw validationError(`inputs[${index}] needs an "id".`);
  }
  return String(input.id);
}

function batchTimes(startedAt: string) {
  return { startedAt, completedAt: new Date().toISOString() };
}

function missingIdsError(type: CrmObjectType, ids: string[]) {
  return standardError(
    'OBJECT_NOT_FOUND',
    `Could not find some ${OBJECT_TYPES[type].associationName} records; they may be archived or never existed. Check that the ids are right.`,
    { ids },
  );
}

/** Finds records by a unique property other than the record id (for example email). */
function findByIdProperty(
  store: PortalStore,
  type: CrmObjectType,
  idProperty: string | undefined,
  value: string,
) {
  if (!idProperty || idProperty === 'hs_object_id') return store.get(type, value);
  const definition = store.properties[type].get(idProperty);
  if (!definition?.hasUniqueValue && idProperty !== 'email') {
    throw validationError(
      `${idProperty} is not a unique-value property, so it cannot be the idProperty.`,
    );
  }
  for (const id of store.tables[type].liveIds()) {
    const record = store.tables[type].records.get(String(id)) as StoredRecord;
    if (record.properties[idProperty] === value) return record;
  }
  return undefined;
}

function getRecord(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  const id = request.params.objectId as string;
  const archived = request.query.get('archived') === 'true';
  const record = archived
    ? store.get(type, id, true)
    : findByIdProperty(store, type, request.query.get('idProperty') ?? undefined, id);
  if (!record || record.archived !== archived) {
    throw notFoundError(`No ${OBJECT_TYPES[type].singular} with id ${id} exists.`, {
      context: { id: [id] },
    });
  }
  return json(200, serializeRecord(store, type, record, viewFromQuery(request.query)));
}

function listRecords(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  const limit = Number(request.query.get('limit') ?? '10');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw validationError(
      `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got ${request.query.get('limit')}.`,
    );
  }
  const afterText = request.query.get('after');
  const after = afterText === null ? 0 : Number(afterText);
  if (!Number.isInteger(after) || after < 0)
    throw validationError(`after ${afterText} is not a paging cursor from this endpoint.`);
  const view = viewFromQuery(request.query);
  const table = store.tables[type];

  let page: StoredRecord[];
  let next: string | undefined;
  if (request.query.get('archived') === 'true') {
    const archived = [...table.records.values()]
      .filter((record) => record.archived && Number(record.id) >= after)
      .sort((a, b) => Number(a.id) - Number(b.id));
    page = archived.slice(0, limit);
    next = archived[limit]?.id;
  } else {
    const ids = table.liveIds();
    const start = table.indexAtLeast(after);
    page = ids
      .slice(start, start + limit)
      .map((id) => table.records.get(String(id)) as StoredRecord);
    const following = ids[start + limit];
    next = following === undefined ? undefined : String(following);
  }

  const body: Record<string, unknown> = {
    results: page.map((record) => serializeRecord(store, type, record, view)),
  };
  if (next !== undefined) {
    const link = `${request.state.baseUrl()}${request.path}?limit=${limit}&after=${next}`;
    body.paging = { next: { after: next, link } };
  }
  return json(200, body);
}

/** The associationCategory values of the AssociationSpec schema (CRM v3 and associations v4). */
const ASSOCIATION_CATEGORIES = ['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED'];

/**
 * Checks the `associationCategory` of an AssociationSpec. A value outside the spec's enum is
 * invalid, and the sandbox defines types in HUBSPOT_DEFINED only, so the other two find no type.
 */
export function requireHubSpotDefined(spec: unknown): void {
  const category = isObject(spec) ? spec.associationCategory : undefined;
  if (typeof category !== 'string' || !ASSOCIATION_CATEGORIES.includes(category)) {
    throw validationError(
      `associationCategory ${JSON.stringify(category)} is not valid. Use one of ${ASSOCIATION_CATEGORIES.join(', ')}.`,
    );
  }
  if (category !== 'HUBSPOT_DEFINED') {
    throw validationError(
      `No ${category} association type ${JSON.stringify(isObject(spec) ? spec.associationTypeId : undefined)} exists in this portal. The sandbox defines HUBSPOT_DEFINED types only.`,
    );
  }
}

/** Parses create-time associations: [{ to: { id }, types: [{ associationCategory, associationTypeId }] }]. */
function parseCreateAssociations(
  type: CrmObjectType,
  raw: unknown,
): { toType: CrmObjectType; toId: string; primary: boolean }[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw validationError('associations must be an array.');
  return raw.flatMap((entry, index) => {
    if (
      !isObject(entry) ||
      !isObject(entry.to) ||
      entry.to.id === undefined ||
      !Array.isArray(entry.types)
    ) {
      throw validationError(`associations[${index}] needs "to": {"id"} and a "types" array.`);
    }
    const toId = String(entry.to.id);
    return entry.types.map((typeSpec) => {
      requireHubSpotDefined(typeSpec);
      const typeId = isObject(typeSpec) ? Number(typeSpec.associationTypeId) : Number.NaN;
      for (const toType of CRM_OBJECT_TYPES) {
        const ids = associationTypeIds(type, toType);
        if (ids?.typeId === typeId) return { toType, toId, primary: false };
        if (ids?.primaryTypeId === typeId) return { toType, toId, primary: true };
      }
      throw validationError(
        `associationTypeId ${JSON.stringify(isObject(typeSpec) ? typeSpec.associationTypeId : typeSpec)} is not a HUBSPOT_DEFINED association type from ${type}.`,
      );
    });
  });
}

function createOne(
  request: ApiRequest,
  type: CrmObjectType,
  input: unknown,
  source: WriteSource,
): StoredRecord {
  const store = request.portal.store;
  if (!isObject(input)) throw validationError('Each input needs a "properties" object.');
  const properties = input.properties ?? {};
  if (!isObject(properties))
    throw validationError('"properties" must be an object of property names to values.');
  const { values, errors } = store.validate(type, properties);
  if (
    (type === 'tasks' || type === 'notes') &&
    (values.hs_timestamp ?? '') === '' &&
    !errors.some((e) => e.name === 'hs_timestamp')
  ) {
    errors.push({
      isValid: false,
      message: 'hs_timestamp is required.',
      error: 'REQUIRED_PROPERTY',
      name: 'hs_timestamp',
    });
  }
  if (errors.length > 0) throw propertyValidationError(errors);
  const associations = parseCreateAssociations(type, input.associations);
  for (const association of associations) {
    if (!store.get(association.toType, association.toId)) {
      throw validationError(
        `Cannot associate with ${association.toType} ${association.toId}: no such record.`,
      );
    }
  }
  try {
    const record = store.create(type, values, source);
    for (const association of associations) {
      store.associate(
        type,
        record.id,
        association.toType,
        association.toId,
        source,
        association.primary,
      );
    }
    return record;
  } catch (error) {
    return storeFailure(error);
  }
}

function createRecord(request: ApiRequest): Reply {
  const type = writableType(request);
  const record = createOne(request, type, request.body, apiSource(request));
  return json(
    201,
    serializeRecord(request.portal.store, type, record, {
      properties: Object.keys(record.properties),
    }),
  );
}

function updateRecord(request: ApiRequest): Reply {
  const type = writableType(request);
  const store = request.portal.store;
  const id = request.params.objectId as string;
  const body = request.body;
  if (!isObject(body) || !isObject(body.properties))
    throw validationError('The request body needs a "properties" object.');
  const record = findByIdProperty(store, type, request.query.get('idProperty') ?? undefined, id);
  if (!record)
    throw notFoundError(`No ${OBJECT_TYPES[type].singular} with id ${id} exists.`, {
      context: { id: [id] },
    });
  const { values, errors } = store.validate(type, body.properties);
  if (errors.length > 0) throw propertyValidationError(errors);
  store.update(type, record.id, values, apiSource(request));
  return json(
    200,
    serializeRecord(store, type, record, { properties: Object.keys(record.properties) }),
  );
}

function archiveRecord(request: ApiRequest): Reply {
  const type = writableType(request);
  const store = request.portal.store;
  // HubSpot answers 204 for an id that is already archived or never existed.
  if (store.get(type, request.params.objectId as string)) {
    store.archive(type, request.params.objectId as string, apiSource(request));
  }
  return { status: 204 };
}

function batchRead(request: ApiRequest): Reply {
  const startedAt = new Date().toISOString();
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  const inputs = batchInputs(request.body);
  const body = request.body as Record<string, unknown>;
  const view: RecordView = {
    properties: stringList(body.properties, 'properties'),
    propertiesWithHistory: stringList(body.propertiesWithHistory, 'propertiesWithHistory'),
  };
  if (view.properties?.length === 0) view.properties = undefined;
  const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
  const archived = request.query.get('archived') === 'true';

  const results: Record<string, unknown>[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const id = inputId(input, index);
    const record = archived
      ? store.get(type, id, true)
      : findByIdProperty(store, type, idProperty, id);
    if (!record || record.archived !== archived) {
      missing.push(id);
      return;
    }
    if (seen.has(record.id)) return;
    seen.add(record.id);
    results.push(serializeRecord(store, type, record, view));
  });
  return batchReply(type, results, missing, startedAt, 200);
}

function batchReply(
  type: CrmObjectType,
  results: Record<string, unknown>[],
  missing: string[],
  startedAt: string,
  okStatus: number,
): Reply {
  const body: Record<string, unknown> = { status: 'COMPLETE', results, ...batchTimes(startedAt) };
  if (missing.length === 0) return json(okStatus, body);
  body.numErrors = 1;
  body.errors = [missingIdsError(type, missing)];
  return json(207, body);
}

function batchUpdate(request: ApiRequest): Reply {
  const startedAt = new Date().toISOString();
  const type = writableType(request);
  const store = request.portal.store;
  const inputs = batchInputs(request.body);

  const ids = inputs.map((input, index) => inputId(input, index));
  const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
  if (duplicates.length > 0) {
    throw validationError(
      `Duplicate IDs found in batch input: [${[...new Set(duplicates)].join(', ')}]. IDs must be unique.`,
    );
  }

  const prepared: { id: string; values: Record<string, string | null> }[] = [];
  const errors: PropertyValueError[] = [];
  inputs.forEach((input, index) => {
    const properties = (input as Record<string, unknown>).properties;
    if (!isObject(properties))
      throw validationError(`inputs[${index}] needs a "properties" object.`);
    const checked = store.validate(type, properties);
    errors.push(...checked.errors);
    prepared.push({ id: ids[index] as string, values: checked.values });
  });
  // One invalid value fails the whole batch, before any input is written.
  if (errors.length > 0) throw propertyValidationError(errors);

  const source = apiSource(request);
  const results: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const { id, values } of prepared) {
    // Batch update does not accept ids that were merged away, unlike the single-record PATCH.
    const record = store.mergedInto.has(id) ? undefined : store.get(type, id);
    if (!record) {
      missing.push(id);
      continue;
    }
    store.update(type, id, values, source);
    results.push(serializeRecord(store, type, record, { properties: Object.keys(values) }));
  }
  return batchReply(type, results, missing, startedAt, 200);
}

function batchCreate(request: ApiRequest): Reply {
  const startedAt = new Date().toISOString();
  const type = writableType(request);
  const store = request.portal.store;
  const inputs = batchInputs(request.body);
  const errors: PropertyValueError[] = [];
  for (const input of inputs) {
    const properties = isObject(input) ? input.properties : undefined;
    if (!isObject(properties)) throw validationError('Each input needs a "properties" object.');
    errors.push(...store.validate(type, properties).errors);
  }
  if (errors.length > 0) throw propertyValidationError(errors);
  const source = apiSource(request);
  const records = inputs.map((input) => createOne(request, type, input, source));
  const results = records.map((record) =>
    serializeRecord(store, type, record, { properties: Object.keys(record.properties) }),
  );
  return json(201, { status: 'COMPLETE', results, ...batchTimes(startedAt) });
}

function batchArchive(request: ApiRequest): Reply {
  const type = writableType(request);
  const store = request.portal.store;
  const inputs = batchInputs(request.body);
  const source = apiSource(request);
  inputs.forEach((input, index) => {
    const id = inputId(input, index);
    if (store.get(type, id)) store.archive(type, id, source);
  });
  return { status: 204 };
}

function search(request: ApiRequest): Reply {
  const type = objectTypeParam(request.params);
  const store = request.portal.store;
  if (request.rawBody.length > MAX_SEARCH_BODY_CHARS) {
    throw validationError(
      `The search request body has ${request.rawBody.length} characters; the maximum is ${MAX_SEARCH_BODY_CHARS}.`,
    );
  }
  try {
    const result = searchRecords(store, type, request.body ?? {});
    const body: Record<string, unknown> = {
      total: result.total,
      results: result.records.map((record) =>
        serializeRecord(store, type, record, { properties: result.properties }),
      ),
    };
    if (result.nextAfter !== undefined) body.paging = { next: { after: result.nextAfter } };
    return json(200, body);
  } catch (error) {
    if (error instanceof SearchRequestError) throw validationError(error.message);
    throw error;
  }
}

function mergeRecords(request: ApiRequest): Reply {
  const type = writableType(request);
  if (type !== 'companies')
    throw validationError(`The sandbox merges companies only, not ${type}.`);
  const body = request.body;
  if (!isObject(body) || body.primaryObjectId === undefined || body.objectIdToMerge === undefined) {
    throw validationError('The request body needs "primaryObjectId" and "objectIdToMerge".');
  }
  const store = request.portal.store;
  try {
    const record = store.mergeCompanies(
      String(body.primaryObjectId),
      String(body.objectIdToMerge),
      apiSource(request),
    );
    return json(200, serializeRecord(store, type, record));
  } catch (error) {
    return storeFailure(error);
  }
}

export function objectRoutes(): ApiRoute[] {
  const routes: ApiRoute[] = [];
  for (const prefix of PREFIXES) {
    const base = `${prefix}/{objectType}`;
    routes.push(
      { method: 'GET', template: base, kind: 'api', scopes: readScopes, handler: listRecords },
      { method: 'POST', template: base, kind: 'api', scopes: writeScopes, handler: createRecord },
      {
        method: 'GET',
        template: `${base}/{objectId}`,
        kind: 'api',
        scopes: readScopes,
        handler: getRecord,
      },
      {
        method: 'PATCH',
        template: `${base}/{objectId}`,
        kind: 'api',
        scopes: writeScopes,
        handler: updateRecord,
      },
      {
        method: 'DELETE',
        template: `${base}/{objectId}`,
        kind: 'api',
        scopes: writeScopes,
        handler: archiveRecord,
      },
      {
        method: 'POST',
        template: `${base}/batch/read`,
        kind: 'api',
        scopes: readScopes,
        handler: batchRead,
      },
      {
        method: 'POST',
        template: `${base}/batch/update`,
        kind: 'api',
        scopes: writeScopes,
        handler: batchUpdate,
      },
      {
        method: 'POST',
        template: `${base}/batch/create`,
        kind: 'api',
        scopes: writeScopes,
        handler: batchCreate,
      },
      {
        method: 'POST',
        template: `${base}/batch/archive`,
        kind: 'api',
        scopes: writeScopes,
        handler: batchArchive,
      },
      {
        method: 'POST',
        template: `${base}/search`,
        kind: 'search',
        scopes: readScopes,
        handler: search,
      },
      {
        method: 'POST',
        template: `${base}/merge`,
        kind: 'api',
        scopes: writeScopes,
        handler: mergeRecords,
      },
    );
  }
  return routes;
}
