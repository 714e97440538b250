import { associationTypeIds } from '../store/associations';
import type { CrmObjectType } from '../store/changes';
import type { StoredRecord } from '../store/object-table';
import { OBJECT_TYPES, resolveObjectType } from '../store/object-types';
import type { PortalStore } from '../store/portal-store';
import { validationError } from './errors';

const iso = (ms: number) => new Date(ms).toISOString();

/** Resolves the {objectType} path parameter or throws HubSpot's 400. */
export function objectTypeParam(
  params: Record<string, string>,
  name = 'objectType',
): CrmObjectType {
  const raw = params[name] ?? '';
  const type = resolveObjectType(raw);
  if (!type) throw validationError(`Unable to infer object type from: ${raw}`);
  return type;
}

/** Reads a list query parameter given as `a,b` or repeated, as the API client sends both. */
export function listParam(query: URLSearchParams, name: string): string[] | undefined {
  const values = query.getAll(name);
  if (values.length === 0) return undefined;
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

export interface RecordView {
  properties?: string[];
  propertiesWithHistory?: string[];
  associations?: CrmObjectType[];
}

/** A record in HubSpot's SimplePublicObject shape; every property value is a string or null. */
export function serializeRecord(
  store: PortalStore,
  type: CrmObjectType,
  record: StoredRecord,
  view: RecordView = {},
): Record<string, unknown> {
  const definitions = store.properties[type];
  const names = view.properties ?? OBJECT_TYPES[type].defaultReturned;
  const properties: Record<string, string | null> = {};
  for (const name of names) {
    if (!definitions.has(name)) continue;
    properties[name] = record.properties[name] ?? null;
  }
  const result: Record<string, unknown> = {
    id: record.id,
    properties,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    archived: record.archived,
  };
  if (record.archivedAt !== undefined) result.archivedAt = iso(record.archivedAt);

  if (view.propertiesWithHistory && view.propertiesWithHistory.length > 0) {
    const history: Record<string, unknown[]> = {};
    for (const name of view.propertiesWithHistory) {
      if (!definitions.has(name)) continue;
      history[name] = store.history(type, record, name).map((entry) => {
        const item: Record<string, string> = {
          value: entry.value,
          timestamp: iso(entry.timestamp),
          sourceType: entry.sourceType,
        };
        if (entry.sourceId !== undefined) item.sourceId = entry.sourceId;
        return item;
      });
    }
    result.propertiesWithHistory = history;
  }

  if (view.associations && view.associations.length > 0) {
    const associations: Record<string, unknown> = {};
    for (const toType of view.associations) {
      const targets = store.associations.targets(type, record.id, toType);
      if (targets.length === 0) continue;
      const label = `${OBJECT_TYPES[type].singular}_to_${OBJECT_TYPES[toType].singular}`;
      associations[toType] = {
        results: targets.map((id) => ({ id, type: label })),
      };
    }
    result.associations = associations;
  }
  return result;
}

/** The v4 association types of one pair, with the Primary label where it applies. */
export function associationTypesOf(
  store: PortalStore,
  fromType: CrmObjectType,
  fromId: string,
  toType: CrmObjectType,
  toId: string,
): { category: string; typeId: number; label: string | null }[] {
  const ids = associationTypeIds(fromType, toType);
  if (!ids) return [];
  const types: { category: string; typeId: number; label: string | null }[] = [];
  if (
    ids.primaryTypeId !== undefined &&
    store.associations.isPrimary(fromType, fromId, toType, toId)
  ) {
    types.push({ category: 'HUBSPOT_DEFINED', typeId: ids.primaryTypeId, label: 'Primary' });
  }
  // TODO: the v4 spec types label as an optional string. Confirm that HubSpot sends null, not
  // nothing, for an unlabelled type.
  types.push({ category: 'HUBSPOT_DEFINED', typeId: ids.typeId, label: null });
  return types;
}
