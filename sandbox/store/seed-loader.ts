import type { SeedPortal, SeedRecord } from '../seed/types';
import type { CrmObjectType } from './changes';
import type { HistoryEntry, StoredRecord } from './object-table';
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

function toMs(timestamp: string, what: string): number {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw new Error(`Seed ${what} has an invalid timestamp: ${timestamp}`);
  return ms;
}

/**
 * Loads a seed as the portal's starting state. It emits no change events, because the seed is
 * the state before the app was installed. Returns the names of properties the seed used that
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
  const createdAt = toMs(seedRecord.createdAt, `${type}/${seedRecord.id} createdAt`);
  const properties: Record<string, string> = { ...seedRecord.properties };
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
    for (const [name, entries] of Object.entries(seedRecord.history)) {
      const converted: HistoryEntry[] = entries.map((entry) => ({
        value: entry.value,
        timestamp: toMs(entry.timestamp, `${type}/${seedRecord.id} ${name} history`),
        sourceType: SEED_SOURCE,
      }));
      const current = properties[name];
      const last = converted[converted.length - 1];
      // The current value is always the newest history entry.
      if (current !== undefined && last?.value !== current) {
        converted.push({
          value: current,
          timestamp: last?.timestamp ?? createdAt,
          sourceType: SEED_SOURCE,
        });
      }
      record.history[name] = converted;
    }
  }
  return record;
}

/** A custom (not HubSpot-defined) text property. */
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
