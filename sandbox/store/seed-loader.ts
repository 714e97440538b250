import type { SeedPortal, SeedRecord } from '../seed/types';
import type { CrmObjectType } from './changes';
import { sourceKey, type HistoryColumn, type StoredRecord } from './object-table';
import { OBJECT_TYPES } from './object-types';
import type { PortalStore } from './portal-store';
import type { PropertyDefinition, PropertyType } from './property-definitions';
import { PROPERTY_TYPES } from './property-definitions';

/** Source type of seeded values, as HubSpot labels records that arrived through an import. */
const SEED_SOURCE = 'IMPORT';

const RECORD_LISTS: [keyof SeedPortal, CrmObjectType][] = [
  ['companies', 'companies'],
  ['contacts', 'contacts'],
  ['deals', 'deals'],
  ['tickets', 'tickets'],
  ['notes', 'notes'],
  ['feedbackSubmissions', 'feedback_submissions'],
];

/** Parsed timestamps; seeded histories repeat the same weekly dates across every company. */
const parsedTimes = new Map<string, number>();

function parseTime(timestamp: string, field: string): number {
  const cached = parsedTimes.get(timestamp);
  if (cached !== undefined) return cached;
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw new Error(`Seed ${field} has an invalid timestamp: ${timestamp}`);
  if (parsedTimes.size > 100_000) parsedTimes.clear();
  parsedTimes.set(timestamp, ms);
  return ms;
}

/**
 * Loads a seed as the portal's starting state and takes ownership of its records. It emits no
 * change events, because the seed is the state before the app was installed. Returns the names of properties the seed used that
 * neither the seed nor the store defines; they are added as text properties.
 */
export function loadSeed(store: PortalStore, seed: SeedPortal): string[] {
  store.timeZone = seed.timeZone;
  const created = new Date(store.createdAt).toISOString();

  for (const owner of seed.owners) {
    store.owners.set(owner.id, {
      id: owner.id,
      email: owner.email,
      firstName: owner.firstName,
      lastName: owner.lastName,
      userId: owner.userId,
      createdAt: created,
      updatedAt: created,
      archived: owner.archived ?? false,
      teams: owner.teams ?? [],
    });
  }
  for (const group of seed.propertyGroups) {
    store.groups[group.objectType].set(group.name, {
      name: group.name,
      label: group.label,
      displayOrder: group.displayOrder,
      archived: false,
    });
  }
  for (const property of seed.properties) {
    if (!PROPERTY_TYPES.includes(property.type as PropertyType)) {
      throw new Error(
        `Seed property ${property.objectType}.${property.name} has unknown type ${property.type}`,
      );
    }
    store.properties[property.objectType].set(property.name, {
      ...customDefinition(property.name, property.label, property.groupName, created),
      type: property.type as PropertyType,
      fieldType: property.fieldType,
      description: property.description ?? '',
      options: property.options ?? [],
    });
  }

  const added: string[] = [];
  for (const [key, type] of RECORD_LISTS) {
    for (const seedRecord of seed[key] as SeedRecord[]) {
      store.tables[type].insert(toStoredRecord(type, seedRecord));
      for (const name of Object.keys(seedRecord.properties)) {
        if (store.properties[type].has(name)) continue;
        const group = [...store.groups[type].keys()][0] as string;
        store.properties[type].set(name, customDefinition(name, name, group, created));
        added.push(`${type}.${name}`);
      }
    }
  }

  for (const association of seed.associations) {
    const from = store.get(association.fromType, association.fromId);
    const to = store.get(association.toType, association.toId);
    if (!from || !to) {
      throw new Error(
        `Seed association ${association.fromType}/${association.fromId} -> ${association.toType}/${association.toId} names a record the seed does not contain`,
      );
    }
    store.associations.add(
      association.fromType,
      association.fromId,
      association.toType,
      association.toId,
      association.primary ?? false,
    );
  }
  store.recomputeAllLastContacted();
  return added;
}

function toStoredRecord(type: CrmObjectType, seedRecord: SeedRecord): StoredRecord {
  const info = OBJECT_TYPES[type];
  const createdAt = parseTime(seedRecord.createdAt, `${type}/${seedRecord.id} createdAt`);
  // The store takes over the seed's property object instead of copying it, which halves the
  // memory of large portals. Callers must not reuse a seed after loading it.
  const properties: Record<string, string> = seedRecord.properties;
  properties.hs_object_id = seedRecord.id;
  properties[info.createdProperty] ??= new Date(createdAt).toISOString();
  properties[info.modifiedProperty] ??= properties[info.createdProperty] as string;

  const record: StoredRecord = {
    id: seedRecord.id,
    properties,
    createdAt,
    updatedAt: Date.parse(properties[info.modifiedProperty] as string) || createdAt,
    archived: false,
    createdSource: SEED_SOURCE,
  };
  if (seedRecord.history) {
    record.history = {};
    const source = sourceKey(SEED_SOURCE);
    for (const [name, entries] of Object.entries(seedRecord.history)) {
      const column: HistoryColumn = { values: [], timestamps: [], sources: [] };
      for (const entry of entries) {
        column.values.push(entry.value);
        column.timestamps.push(
          parseTime(entry.timestamp, `${type}/${seedRecord.id} ${name} history`),
        );
        column.sources.push(source);
      }
      const current = properties[name];
      const count = column.values.length;
      // The current value is always the newest history entry.
      if (current !== undefined && column.values[count - 1] !== current) {
        column.values.push(current);
        column.timestamps.push(column.timestamps[count - 1] ?? createdAt);
        column.sources.push(source);
      }
      record.history[name] = column;
    }
  }
  return record;
}

/** Builds a custom (not HubSpot-defined) text property definition. */
export function customDefinition(
  name: string,
  label: string,
  groupName: string,
  createdAt: string,
): PropertyDefinition {
  return {
    name,
    label,
    type: 'string',
    fieldType: 'text',
    groupName,
    description: '',
    options: [],
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: false,
    hidden: false,
    hubspotDefined: false,
    formField: true,
    readOnlyValue: false,
    readOnlyDefinition: false,
    archivable: true,
    createdAt,
    updatedAt: createdAt,
    archived: false,
  };
}
