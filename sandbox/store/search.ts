import type { CrmObjectType } from './changes';
import type { StoredRecord } from './object-table';
import { OBJECT_TYPES, resolveObjectType } from './object-types';
import type { PortalStore } from './portal-store';
import type { PropertyDefinition } from './property-definitions';
import { parseTimestamp } from './property-values';

/** Limits from HubSpot's CRM search guide. */
export const SEARCH_LIMITS = {
  maxFilterGroups: 5,
  maxFiltersPerGroup: 6,
  maxFilters: 18,
  maxLimit: 200,
  defaultLimit: 10,
  /** Any `after` at or above this offset is rejected: search never pages past 10,000 results. */
  maxOffset: 10_000,
  maxSorts: 1,
} as const;

export const SEARCH_OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
type Operator = (typeof SEARCH_OPERATORS)[number];

/** A search request HubSpot would reject with 400 VALIDATION_ERROR. */
export class SearchRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchRequestError';
  }
}

interface CompiledFilter {
  propertyName: string;
  operator: Operator;
  /** The association target type for `associations.<type>` pseudo-properties. */
  associationType?: CrmObjectType;
  definition?: PropertyDefinition;
  value?: string;
  highValue?: string;
  values?: string[];
}

interface CompiledSort {
  propertyName: string;
  descending: boolean;
  definition?: PropertyDefinition;
}

export interface SearchResult {
  total: number;
  records: StoredRecord[];
  nextAfter?: string;
  properties: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function asString(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new SearchRequestError(`${field} must be a string, got ${JSON.stringify(value)}.`);
}

function isNumeric(definition: PropertyDefinition | undefined): boolean {
  return definition?.type === 'number';
}

function isTemporal(definition: PropertyDefinition | undefined): boolean {
  return definition?.type === 'date' || definition?.type === 'datetime';
}

/** Converts a value to a comparable key: numbers and timestamps as numbers, text lower case. */
function comparable(definition: PropertyDefinition | undefined, value: string): number | string {
  if (isNumeric(definition)) return Number(value);
  if (isTemporal(definition)) return parseTimestamp(value) ?? Number.NaN;
  if (definition?.type === 'enumeration') return value;
  return value.toLowerCase();
}

function compileFilter(store: PortalStore, type: CrmObjectType, raw: unknown): CompiledFilter {
  if (!isObject(raw)) throw new SearchRequestError('Each filter must be an object.');
  const propertyName = asString(raw.propertyName, 'filter.propertyName');
  const operator = asString(raw.operator ?? 'EQ', 'filter.operator') as Operator;
  if (!SEARCH_OPERATORS.includes(operator)) {
    throw new SearchRequestError(
      `Unknown filter operator ${operator}. Use one of ${SEARCH_OPERATORS.join(', ')}.`,
    );
  }
  const filter: CompiledFilter = { propertyName, operator };
  if (propertyName.startsWith('associations.')) {
    const target = resolveObjectType(propertyName.slice('associations.'.length));
    if (!target)
      throw new SearchRequestError(`Unknown association pseudo-property ${propertyName}.`);
    filter.associationType = target;
  } else {
    const definition = store.properties[type].get(propertyName);
    if (!definition || definition.archived) {
      throw new SearchRequestError(`Property ${propertyName} does not exist on ${type}.`);
    }
    filter.definition = definition;
  }

  if (operator === 'IN' || operator === 'NOT_IN') {
    if (!Array.isArray(raw.values) || raw.values.length === 0) {
      throw new SearchRequestError(
        `Operator ${operator} on ${propertyName} needs a non-empty values array.`,
      );
    }
    filter.values = raw.values.map((value) => asString(value, 'filter.values[]'));
  } else if (operator !== 'HAS_PROPERTY' && operator !== 'NOT_HAS_PROPERTY') {
    if (raw.value === undefined || raw.value === null) {
      throw new SearchRequestError(`Operator ${operator} on ${propertyName} needs a value.`);
    }
    filter.value = asString(raw.value, 'filter.value');
    if (operator === 'BETWEEN') {
      if (raw.highValue === undefined || raw.highValue === null) {
        throw new SearchRequestError(`Operator BETWEEN on ${propertyName} needs a highValue.`);
      }
      filter.highValue = asString(raw.highValue, 'filter.highValue');
    }
  }
  return filter;
}

function tokenMatches(text: string, pattern: string): boolean {
  const escaped = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${escaped}$`);
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}@._-]+/u)
    .some((token) => token !== '' && regex.test(token));
}

function matchesAssociation(
  store: PortalStore,
  type: CrmObjectType,
  record: StoredRecord,
  filter: CompiledFilter,
): boolean {
  const targets = store.associations.targets(
    type,
    record.id,
    filter.associationType as CrmObjectType,
  );
  switch (filter.operator) {
    case 'EQ':
      return targets.includes(filter.value as string);
    case 'NEQ':
      return !targets.includes(filter.value as string);
    case 'IN':
      return (filter.values as string[]).some((id) => targets.includes(id));
    case 'NOT_IN':
      return !(filter.values as string[]).some((id) => targets.includes(id));
    case 'HAS_PROPERTY':
      return targets.length > 0;
    case 'NOT_HAS_PROPERTY':
      return targets.length === 0;
    default:
      throw new SearchRequestError(
        `Operator ${filter.operator} is not supported on ${filter.propertyName}.`,
      );
  }
}

function matches(
  store: PortalStore,
  type: CrmObjectType,
  record: StoredRecord,
  filter: CompiledFilter,
): boolean {
  if (filter.associationType) return matchesAssociation(store, type, record, filter);
  const definition = filter.definition;
  const raw = record.properties[filter.propertyName];
  const present = raw !== undefined && raw !== '';
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return present;
    case 'NOT_HAS_PROPERTY':
      return !present;
    case 'CONTAINS_TOKEN':
      return present && tokenMatches(raw, filter.value as string);
    case 'NOT_CONTAINS_TOKEN':
      return !present || !tokenMatches(raw, filter.value as string);
    default:
      break;
  }

  // Multi-select values are ';'-separated and match when any one of them matches.
  let recordValues: string[] = [];
  if (present) recordValues = definition?.fieldType === 'checkbox' ? raw.split(';') : [raw];
  const keys = recordValues.map((value) => comparable(definition, value));
  const target = filter.value === undefined ? undefined : comparable(definition, filter.value);
  switch (filter.operator) {
    case 'EQ':
      return keys.some((key) => key === target);
    case 'NEQ':
      return !keys.some((key) => key === target);
    case 'LT':
      return keys.some((key) => key < (target as number | string));
    case 'LTE':
      return keys.some((key) => key <= (target as number | string));
    case 'GT':
      return keys.some((key) => key > (target as number | string));
    case 'GTE':
      return keys.some((key) => key >= (target as number | string));
    case 'BETWEEN': {
      const high = comparable(definition, filter.highValue as string);
      return keys.some((key) => key >= (target as number | string) && key <= high);
    }
    case 'IN': {
      const allowed = (filter.values as string[]).map((value) => comparable(definition, value));
      return keys.some((key) => allowed.includes(key));
    }
    case 'NOT_IN': {
      const excluded = (filter.values as string[]).map((value) => comparable(definition, value));
      return !keys.some((key) => excluded.includes(key));
    }
    default:
      return false;
  }
}

const ID_RANGE_OPERATORS = new Set<Operator>(['GT', 'GTE', 'LT', 'LTE', 'EQ', 'BETWEEN']);

function isIdRangeFilter(filter: CompiledFilter): boolean {
  return (
    filter.propertyName === 'hs_object_id' &&
    ID_RANGE_OPERATORS.has(filter.operator) &&
    Number.isInteger(Number(filter.value)) &&
    (filter.operator !== 'BETWEEN' || Number.isInteger(Number(filter.highValue)))
  );
}

/** Narrows a scan to an hs_object_id range when every record must satisfy the range filters. */
function idRange(groups: CompiledFilter[][]): [number, number] {
  if (groups.length !== 1) return [-Infinity, Infinity];
  let low = -Infinity;
  let high = Infinity;
  for (const filter of groups[0] as CompiledFilter[]) {
    if (filter.propertyName !== 'hs_object_id' || filter.value === undefined) continue;
    const value = Number(filter.value);
    if (Number.isNaN(value)) continue;
    if (filter.operator === 'GT') low = Math.max(low, Math.floor(value) + 1);
    if (filter.operator === 'GTE' || filter.operator === 'BETWEEN')
      low = Math.max(low, Math.ceil(value));
    if (filter.operator === 'LT') high = Math.min(high, Math.ceil(value) - 1);
    if (filter.operator === 'LTE') high = Math.min(high, Math.floor(value));
    if (filter.operator === 'EQ') {
      low = Math.max(low, value);
      high = Math.min(high, value);
    }
    if (filter.operator === 'BETWEEN') high = Math.min(high, Number(filter.highValue));
  }
  return [low, high];
}

function compileSorts(store: PortalStore, type: CrmObjectType, raw: unknown): CompiledSort[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new SearchRequestError('sorts must be an array.');
  if (raw.length > SEARCH_LIMITS.maxSorts) {
    throw new SearchRequestError(
      `A search takes at most ${SEARCH_LIMITS.maxSorts} sort; got ${raw.length}.`,
    );
  }
  return raw.map((entry) => {
    let propertyName: string;
    let descending = false;
    if (typeof entry === 'string') {
      descending = entry.startsWith('-');
      propertyName = descending ? entry.slice(1) : entry;
    } else if (isObject(entry)) {
      propertyName = asString(entry.propertyName, 'sorts[].propertyName');
      const direction = asString(entry.direction ?? 'ASCENDING', 'sorts[].direction');
      if (direction !== 'ASCENDING' && direction !== 'DESCENDING') {
        throw new SearchRequestError(`Sort direction ${direction} is not ASCENDING or DESCENDING.`);
      }
      descending = direction === 'DESCENDING';
    } else {
      throw new SearchRequestError('Each sort must be a property name or an object.');
    }
    const definition = store.properties[type].get(propertyName);
    if (!definition)
      throw new SearchRequestError(`Cannot sort by unknown property ${propertyName}.`);
    return { propertyName, descending, definition };
  });
}

function parseLimit(raw: unknown): number {
  if (raw === undefined || raw === null) return SEARCH_LIMITS.defaultLimit;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 0) {
    throw new SearchRequestError(
      `limit must be a whole number from 0 to ${SEARCH_LIMITS.maxLimit}, got ${JSON.stringify(raw)}.`,
    );
  }
  if (limit > SEARCH_LIMITS.maxLimit) {
    throw new SearchRequestError(
      `limit ${limit} is above the maximum of ${SEARCH_LIMITS.maxLimit}.`,
    );
  }
  return limit;
}

function parseAfter(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return 0;
  const after = Number(raw);
  if (!Number.isInteger(after) || after < 0) {
    throw new SearchRequestError(
      `after must be a paging cursor from a previous page, got ${JSON.stringify(raw)}.`,
    );
  }
  if (after >= SEARCH_LIMITS.maxOffset) {
    throw new SearchRequestError(
      `Search cannot page past ${SEARCH_LIMITS.maxOffset} results (after=${after}). Narrow the filters, for example with an hs_object_id GT window sorted ascending.`,
    );
  }
  return after;
}

function compileGroups(store: PortalStore, type: CrmObjectType, raw: unknown): CompiledFilter[][] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new SearchRequestError('filterGroups must be an array.');
  if (raw.length > SEARCH_LIMITS.maxFilterGroups) {
    throw new SearchRequestError(
      `A search takes at most ${SEARCH_LIMITS.maxFilterGroups} filterGroups; got ${raw.length}.`,
    );
  }
  let total = 0;
  const groups = raw.map((group) => {
    if (!isObject(group) || !Array.isArray(group.filters)) {
      throw new SearchRequestError('Each filterGroup must be an object with a filters array.');
    }
    if (group.filters.length > SEARCH_LIMITS.maxFiltersPerGroup) {
      throw new SearchRequestError(
        `A filterGroup takes at most ${SEARCH_LIMITS.maxFiltersPerGroup} filters; got ${group.filters.length}.`,
      );
    }
    total += group.filters.length;
    return group.filters.map((filter) => compileFilter(store, type, filter));
  });
  if (total > SEARCH_LIMITS.maxFilters) {
    throw new SearchRequestError(
      `A search takes at most ${SEARCH_LIMITS.maxFilters} filters in total; got ${total}.`,
    );
  }
  return groups.filter((group) => group.length > 0);
}

function sortRecords(records: StoredRecord[], sort: CompiledSort | undefined): void {
  if (!sort || (sort.propertyName === 'hs_object_id' && !sort.descending)) return;
  const direction = sort.descending ? -1 : 1;
  records.sort((a, b) => {
    const left = a.properties[sort.propertyName];
    const right = b.properties[sort.propertyName];
    if (left === undefined || left === '')
      return right === undefined || right === '' ? Number(a.id) - Number(b.id) : 1;
    if (right === undefined || right === '') return -1;
    const x = comparable(sort.definition, left);
    const y = comparable(sort.definition, right);
    if (x < y) return -direction;
    if (x > y) return direction;
    return Number(a.id) - Number(b.id);
  });
}

/**
 * Runs a CRM search request body against one object type. Filters within a group are ANDed and
 * groups are ORed; without a sort, results come in ascending record id order.
 */
export function searchRecords(
  store: PortalStore,
  type: CrmObjectType,
  body: unknown,
): SearchResult {
  if (!isObject(body))
    throw new SearchRequestError('The search request body must be a JSON object.');
  const groups = compileGroups(store, type, body.filterGroups);
  const [sort] = compileSorts(store, type, body.sorts);
  const limit = parseLimit(body.limit);
  const after = parseAfter(body.after);
  const query =
    body.query === undefined || body.query === null
      ? ''
      : asString(body.query, 'query').trim().toLowerCase();
  let requested: string[] | undefined;
  if (body.properties !== undefined && body.properties !== null) {
    if (!Array.isArray(body.properties))
      throw new SearchRequestError('properties must be an array of names.');
    requested = body.properties.map((name) => asString(name, 'properties[]'));
  }

  const table = store.tables[type];
  const ids = table.liveIds();
  const [low, high] = idRange(groups);
  const start = low === -Infinity ? 0 : table.indexAtLeast(low);
  const info = OBJECT_TYPES[type];
  const properties = requested
    ? [...new Set([...requested, 'hs_object_id', info.createdProperty, info.modifiedProperty])]
    : info.defaultReturned;

  // Fast path for windows on hs_object_id alone: the sorted ids give the page and the total
  // without testing each record.
  const idWindowOnly =
    query === '' &&
    (sort === undefined || (sort.propertyName === 'hs_object_id' && !sort.descending)) &&
    groups.length <= 1 &&
    (groups[0] ?? []).every((filter) => isIdRangeFilter(filter));
  if (idWindowOnly) {
    const end = high === Infinity ? ids.length : table.indexAtLeast(Math.floor(high) + 1);
    const total = Math.max(0, end - start);
    const records = ids
      .slice(start + after, Math.min(end, start + after + limit))
      .map((id) => table.records.get(String(id)) as StoredRecord);
    const result: SearchResult = { total, records, properties };
    if (after + limit < total && limit > 0) result.nextAfter = String(after + limit);
    return result;
  }

  const matched: StoredRecord[] = [];
  for (let index = start; index < ids.length; index += 1) {
    const id = ids[index] as number;
    if (id > high) break;
    const record = table.records.get(String(id)) as StoredRecord;
    if (
      groups.length > 0 &&
      !groups.some((group) => group.every((filter) => matches(store, type, record, filter)))
    ) {
      continue;
    }
    if (
      query !== '' &&
      !info.queryProperties.some((name) =>
        (record.properties[name] ?? '').toLowerCase().includes(query),
      )
    ) {
      continue;
    }
    matched.push(record);
  }
  sortRecords(matched, sort);

  const page = matched.slice(after, after + limit);
  const result: SearchResult = { total: matched.length, records: page, properties };
  // Like HubSpot, the cursor may point at offset 10,000, which the next request then rejects.
  if (after + limit < matched.length && limit > 0) result.nextAfter = String(after + limit);
  return result;
}
