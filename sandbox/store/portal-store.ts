import { AssociationIndex, associationName, associationTypeIds } from './associations';
import type { ChangeEvent, CrmObjectType } from './changes';
import {
  appendHistoryEntry,
  historyEntries,
  ObjectTable,
  type HistoryEntry,
  type StoredRecord,
} from './object-table';
import { CRM_OBJECT_TYPES, OBJECT_TYPES } from './object-types';
import { defaultDealPipeline, defaultTicketPipeline, type Pipeline } from './pipelines';
import { DEFAULT_GROUPS, defaultProperties, type PropertyDefinition } from './property-definitions';
import {
  checkPropertyValue,
  readOnlyPropertyError,
  toPropertyString,
  unknownPropertyError,
  type PropertyValueError,
} from './property-values';

/** Source of a write: the history source type, its id and, for API writes, the app. */
export interface WriteSource {
  sourceType: string;
  sourceId?: string;
  appId?: number;
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

export interface Owner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  teams: { id: string; name: string; primary: boolean }[];
}

/** Thrown by the programmatic write methods when values fail HubSpot's validation. */
export class PropertyValidationError extends Error {
  constructor(readonly errors: PropertyValueError[]) {
    super(`Property values were not valid: ${errors.map((error) => error.message).join('; ')}`);
    this.name = 'PropertyValidationError';
  }
}

/** Thrown for a write that names a record, association type or merge the portal cannot apply. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly category: 'OBJECT_NOT_FOUND' | 'VALIDATION_ERROR',
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export const CALCULATED: WriteSource = { sourceType: 'CALCULATED' };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One portal's CRM data in memory. Every change goes through the write methods here, which
 * record property history and emit one ChangeEvent per change that altered something.
 */
export class PortalStore {
  readonly tables = {} as Record<CrmObjectType, ObjectTable>;
  readonly properties = {} as Record<CrmObjectType, Map<string, PropertyDefinition>>;
  readonly groups = {} as Record<CrmObjectType, Map<string, PropertyGroup>>;
  readonly owners = new Map<string, Owner>();
  readonly pipelines: Record<'tickets' | 'deals', Pipeline[]>;
  readonly associations = new AssociationIndex();
  /** Company ids merged away, mapped to the id of the record they were merged into. */
  readonly mergedInto = new Map<string, string>();
  readonly createdAt: number;

  constructor(
    readonly portalId: number,
    public timeZone: string,
    private readonly emit: (event: ChangeEvent) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.createdAt = clock();
    const created = iso(this.createdAt);
    for (const type of CRM_OBJECT_TYPES) {
      this.tables[type] = new ObjectTable();
      this.properties[type] = new Map(defaultProperties(type, created).map((p) => [p.name, p]));
      const group = DEFAULT_GROUPS[type];
      this.groups[type] = new Map([[group.name, { ...group, archived: false }]]);
    }
    this.pipelines = {
      tickets: [defaultTicketPipeline(created)],
      deals: [defaultDealPipeline(created)],
    };
  }

  now(): number {
    return this.clock();
  }

  /**
   * Owner ids a record may reference. Archived owners count too, because records keep owners who
   * left the portal. NOTE: whether HubSpot accepts new writes of an archived owner is unconfirmed.
   */
  ownerIds(): Set<string> {
    return new Set(this.owners.keys());
  }

  /** Returns a live record; merged-away company ids resolve to the record they were merged into. */
  get(type: CrmObjectType, id: string, includeArchived = false): StoredRecord | undefined {
    const resolved = type === 'companies' ? (this.mergedInto.get(id) ?? id) : id;
    const record = this.tables[type].records.get(resolved);
    if (!record || (record.archived && !includeArchived)) return undefined;
    return record;
  }

  /**
   * Validates incoming values for a create or update. `null` (kept as null) leaves a value
   * unchanged and `""` clears it; every other value comes back in its stored form.
   */
  validate(
    type: CrmObjectType,
    input: Record<string, unknown>,
  ): { values: Record<string, string | null>; errors: PropertyValueError[] } {
    const definitions = this.properties[type];
    const ownerIds = this.ownerIds();
    const values: Record<string, string | null> = {};
    const errors: PropertyValueError[] = [];
    for (const [name, raw] of Object.entries(input)) {
      const definition = definitions.get(name);
      if (!definition || definition.archived) {
        errors.push(unknownPropertyError(name));
        continue;
      }
      if (raw === null || raw === undefined) {
        values[name] = null;
        continue;
      }
      if (definition.readOnlyValue) {
        errors.push(readOnlyPropertyError(name));
        continue;
      }
      const text = toPropertyString(raw);
      if (text === undefined) {
        errors.push({
          isValid: false,
          message: `${JSON.stringify(raw)} is not a string, number or boolean.`,
          error: 'INVALID_PROPERTY_VALUE',
          name,
        });
        continue;
      }
      const check = checkPropertyValue(definition, text, ownerIds);
      if (check.ok) values[name] = check.value;
      else errors.push(check.error);
    }
    return { values, errors };
  }

  /** Validates and throws PropertyValidationError, for the programmatic and scenario writes. */
  validateOrThrow(type: CrmObjectType, input: Record<string, unknown>): Record<string, string> {
    const { values, errors } = this.validate(type, input);
    if (errors.length > 0) throw new PropertyValidationError(errors);
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) if (value !== null) result[name] = value;
    return result;
  }

  /** Creates a record from validated values and emits creation and association events. */
  create(
    type: CrmObjectType,
    values: Record<string, string | null>,
    source: WriteSource,
    options: { id?: string; associations?: { toType: CrmObjectType; toId: string }[] } = {},
  ): StoredRecord {
    const table = this.tables[type];
    const id = options.id ?? table.nextId();
    if (!/^\d+$/.test(id))
      throw new StoreError(`Record id ${id} is not numeric.`, 'VALIDATION_ERROR');
    if (table.records.has(id)) {
      throw new StoreError(
        `A ${OBJECT_TYPES[type].singular} with id ${id} already exists.`,
        'VALIDATION_ERROR',
      );
    }
    for (const association of options.associations ?? []) {
      this.requireAssociable(type, association.toType, association.toId);
    }

    const at = this.clock();
    const info = OBJECT_TYPES[type];
    const properties: Record<string, string> = {};
    for (const [name, value] of Object.entries(values))
      if (value !== null) properties[name] = value;
    properties.hs_object_id = id;
    properties[info.createdProperty] = iso(at);
    properties[info.modifiedProperty] = iso(at);
    const record: StoredRecord = {
      id,
      properties,
      createdAt: at,
      updatedAt: at,
      archived: false,
      createdSource: source.sourceType,
    };
    table.insert(record);
    this.emitEvent(type, id, 'creation', source, at);

    for (const association of options.associations ?? []) {
      this.associate(type, id, association.toType, association.toId, source);
    }
    this.applyDerivedValues(type, record, Object.keys(properties), at);
    return record;
  }

  /** Applies validated values to a record; `null` skips a property and `""` clears it. */
  update(
    type: CrmObjectType,
    id: string,
    values: Record<string, string | null>,
    source: WriteSource,
  ): StoredRecord {
    const record = this.get(type, id);
    if (!record) throw this.notFound(type, id);
    const at = this.clock();
    const changed = this.writeValues(type, record, values, source, at);
    this.applyDerivedValues(type, record, changed, at);
    return record;
  }

  /** Archives a record, drops its associations and emits a deletion event. */
  archive(type: CrmObjectType, id: string, source: WriteSource): void {
    const record = this.get(type, id);
    if (!record) throw this.notFound(type, id);
    const at = this.clock();
    const affected = this.lastContactedTargets(type, record.id);
    for (const { toType, toId } of this.associations.allTargets(
      type,
      record.id,
      CRM_OBJECT_TYPES,
    )) {
      this.associations.remove(type, record.id, toType, toId);
    }
    record.archived = true;
    record.archivedAt = at;
    record.updatedAt = at;
    this.tables[type].removeLive(record.id, true);
    this.emitEvent(type, record.id, 'deletion', source, at);
    this.refreshLastContacted(affected, at);
  }

  /**
   * Restores an archived record with its properties; its associations stay removed.
   * NOTE: HubSpot's restore also brings back associations; the sandbox does not keep them.
   */
  restore(type: CrmObjectType, id: string, source: WriteSource): StoredRecord {
    const record = this.tables[type].records.get(id);
    if (!record || !record.archived) {
      throw new StoreError(
        `No archived ${OBJECT_TYPES[type].singular} with id ${id} exists.`,
        'OBJECT_NOT_FOUND',
      );
    }
    const at = this.clock();
    record.archived = false;
    delete record.archivedAt;
    record.updatedAt = at;
    this.tables[type].insert(record);
    this.emitEvent(type, id, 'restore', source, at);
    return record;
  }

  /**
   * Associates two live records with HubSpot's default type. A primary association to a
   * company replaces the record's previous primary company, as in HubSpot.
   */
  associate(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    source: WriteSource,
    primary = false,
  ): boolean {
    const types = this.requireAssociable(fromType, toType, toId);
    const from = this.get(fromType, fromId);
    if (!from) throw this.notFound(fromType, fromId);
    const to = this.get(toType, toId) as StoredRecord;
    const primaryAllowed = primary && types.primaryTypeId !== undefined;
    if (primaryAllowed) this.demotePrimaryCompany(fromType, from.id, toType, to.id);

    const hadPlain = this.associations.has(fromType, from.id, toType, to.id);
    if (!this.associations.add(fromType, from.id, toType, to.id, primaryAllowed)) return false;
    const at = this.clock();
    if (!hadPlain) this.emitAssociation(fromType, from.id, toType, to.id, false, false, source, at);
    if (primaryAllowed)
      this.emitAssociation(fromType, from.id, toType, to.id, false, true, source, at);
    this.refreshLastContacted(this.notePairTargets(fromType, from.id, toType, to.id), at);
    return true;
  }

  disassociate(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    source: WriteSource,
  ): boolean {
    const { removed, primary } = this.associations.remove(fromType, fromId, toType, toId);
    if (!removed) return false;
    const at = this.clock();
    this.emitAssociation(fromType, fromId, toType, toId, true, false, source, at);
    if (primary) this.emitAssociation(fromType, fromId, toType, toId, true, true, source, at);
    this.refreshLastContacted(this.notePairTargets(fromType, fromId, toType, toId), at);
    return true;
  }

  /**
   * Merges `mergedId` into `primaryId`: the primary keeps its values and takes the merged
   * record's values for properties it lacks, gains its associations and lists the merged id in
   * `hs_merged_object_ids`. The merged id then resolves to the primary record.
   */
  mergeCompanies(primaryId: string, mergedId: string, source: WriteSource): StoredRecord {
    if (primaryId === mergedId) {
      throw new StoreError(`Cannot merge company ${primaryId} into itself.`, 'VALIDATION_ERROR');
    }
    const primary = this.get('companies', primaryId);
    if (!primary) throw this.notFound('companies', primaryId);
    const merged = this.get('companies', mergedId);
    if (!merged) throw this.notFound('companies', mergedId);
    if (merged.id === primary.id) {
      throw new StoreError(
        `Company ${mergedId} was already merged into ${primary.id}.`,
        'VALIDATION_ERROR',
      );
    }

    const at = this.clock();
    const definitions = this.properties.companies;
    const moved: Record<string, string> = {};
    for (const [name, value] of Object.entries(merged.properties)) {
      if (value === '' || definitions.get(name)?.readOnlyValue) continue;
      if ((primary.properties[name] ?? '') === '') moved[name] = value;
    }
    const mergedIds = [
      ...(primary.properties.hs_merged_object_ids ?? '').split(';'),
      merged.id,
      ...(merged.properties.hs_merged_object_ids ?? '').split(';'),
    ].filter((value) => value !== '');
    this.writeValues(
      'companies',
      primary,
      { ...moved, hs_merged_object_ids: mergedIds.join(';') },
      source,
      at,
    );

    for (const { toType, toId, primary: isPrimary } of this.associations.allTargets(
      'companies',
      merged.id,
      CRM_OBJECT_TYPES,
    )) {
      this.associations.remove('companies', merged.id, toType, toId);
      this.associations.add('companies', primary.id, toType, toId, isPrimary);
    }
    this.tables.companies.removeLive(merged.id, false);
    this.mergedInto.set(merged.id, primary.id);
    for (const [oldId, target] of this.mergedInto) {
      if (target === merged.id) this.mergedInto.set(oldId, primary.id);
    }

    this.emit({
      portalId: this.portalId,
      objectType: 'companies',
      objectId: primary.id,
      kind: 'merge',
      occurredAt: at,
      changeSource: source.sourceType,
      sourceId: source.sourceId,
      appId: source.appId,
      merge: {
        primaryObjectId: primary.id,
        mergedObjectIds: [merged.id],
        newObjectId: primary.id,
        numberOfPropertiesMoved: Object.keys(moved).length,
      },
    });
    this.refreshLastContacted([{ type: 'companies', id: primary.id }], at);
    return primary;
  }

  /** Property history, newest first; a value never written since loading gets one entry. */
  history(type: CrmObjectType, record: StoredRecord, name: string): HistoryEntry[] {
    const column = record.history?.[name];
    if (column && column.values.length > 0) return historyEntries(column);
    const value = record.properties[name];
    if (value === undefined) return [];
    return [{ value, timestamp: record.createdAt, sourceType: record.createdSource }];
  }

  notFound(type: CrmObjectType, id: string): StoreError {
    return new StoreError(
      `No ${OBJECT_TYPES[type].singular} with id ${id} exists.`,
      'OBJECT_NOT_FOUND',
    );
  }

  /** Recomputes `notes_last_contacted` for every company and contact, after a bulk load. */
  recomputeAllLastContacted(): void {
    const latest = new Map<string, number>();
    for (const note of this.tables.notes.records.values()) {
      if (note.archived) continue;
      const timestamp = Date.parse(note.properties.hs_timestamp ?? '');
      if (Number.isNaN(timestamp)) continue;
      for (const type of ['companies', 'contacts'] as const) {
        for (const id of this.associations.unorderedTargets('notes', note.id, type)) {
          const key = `${type}/${id}`;
          if ((latest.get(key) ?? -Infinity) < timestamp) latest.set(key, timestamp);
        }
      }
    }
    for (const [key, timestamp] of latest) {
      const [type, id] = key.split('/') as [CrmObjectType, string];
      const record = this.get(type, id);
      if (record) record.properties.notes_last_contacted = iso(timestamp);
    }
  }

  private writeValues(
    type: CrmObjectType,
    record: StoredRecord,
    values: Record<string, string | null>,
    source: WriteSource,
    at: number,
  ): string[] {
    const changed: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      if (value === null) continue;
      const previous = record.properties[name];
      if (previous === value || (previous === undefined && value === '')) continue;
      this.appendHistory(record, name, previous, {
        value,
        timestamp: at,
        ...this.historySource(source),
      });
      record.properties[name] = value;
      changed.push(name);
      this.emitEvent(type, record.id, 'propertyChange', source, at, name, value);
    }
    if (changed.length > 0) {
      record.updatedAt = at;
      record.properties[OBJECT_TYPES[type].modifiedProperty] = iso(at);
    }
    return changed;
  }

  private historySource(source: WriteSource): { sourceType: string; sourceId?: string } {
    return source.sourceId === undefined
      ? { sourceType: source.sourceType }
      : { sourceType: source.sourceType, sourceId: source.sourceId };
  }

  private appendHistory(
    record: StoredRecord,
    name: string,
    previous: string | undefined,
    entry: HistoryEntry,
  ): void {
    record.history ??= {};
    let column = record.history[name];
    if (!column) {
      column = { values: [], timestamps: [], sources: [] };
      if (previous !== undefined) {
        appendHistoryEntry(column, {
          value: previous,
          timestamp: record.createdAt,
          sourceType: record.createdSource,
        });
      }
      record.history[name] = column;
    }
    appendHistoryEntry(column, entry);
  }

  /** Values HubSpot calculates from a write: ticket close dates and last-contacted dates. */
  private applyDerivedValues(
    type: CrmObjectType,
    record: StoredRecord,
    changed: string[],
    at: number,
  ): void {
    if (
      type === 'tickets' &&
      changed.includes('hs_pipeline_stage') &&
      !changed.includes('closed_date')
    ) {
      // NOTE: HubSpot also clears closed_date when a ticket reopens; the sandbox keeps it.
      if (this.isClosedTicketStage(record) && (record.properties.closed_date ?? '') === '') {
        this.writeValues(type, record, { closed_date: iso(at) }, CALCULATED, at);
      }
    }
    if (type === 'notes' && changed.includes('hs_timestamp')) {
      this.refreshLastContacted(this.lastContactedTargets('notes', record.id), at);
    }
  }

  private isClosedTicketStage(record: StoredRecord): boolean {
    const pipelineId = record.properties.hs_pipeline ?? '0';
    const pipeline = this.pipelines.tickets.find((candidate) => candidate.id === pipelineId);
    const stage = pipeline?.stages.find((s) => s.id === record.properties.hs_pipeline_stage);
    return stage?.metadata.isClosed === 'true';
  }

  private lastContactedTargets(
    type: CrmObjectType,
    id: string,
  ): { type: CrmObjectType; id: string }[] {
    if (type !== 'notes') return [];
    return (['companies', 'contacts'] as const).flatMap((toType) =>
      this.associations.targets('notes', id, toType).map((toId) => ({ type: toType, id: toId })),
    );
  }

  private notePairTargets(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
  ): { type: CrmObjectType; id: string }[] {
    const recordTypes = ['companies', 'contacts'];
    if (fromType === 'notes' && recordTypes.includes(toType)) return [{ type: toType, id: toId }];
    if (toType === 'notes' && recordTypes.includes(fromType))
      return [{ type: fromType, id: fromId }];
    return [];
  }

  /** Sets `notes_last_contacted` to the latest `hs_timestamp` of the record's live notes. */
  private refreshLastContacted(targets: { type: CrmObjectType; id: string }[], at: number): void {
    for (const { type, id } of targets) {
      const record = this.get(type, id);
      if (!record) continue;
      let latest = -Infinity;
      for (const noteId of this.associations.unorderedTargets(type, record.id, 'notes')) {
        const timestamp = Date.parse(this.get('notes', noteId)?.properties.hs_timestamp ?? '');
        if (!Number.isNaN(timestamp) && timestamp > latest) latest = timestamp;
      }
      const value = latest === -Infinity ? '' : iso(latest);
      this.writeValues(type, record, { notes_last_contacted: value }, CALCULATED, at);
    }
  }

  private requireAssociable(fromType: CrmObjectType, toType: CrmObjectType, toId: string) {
    const types = associationTypeIds(fromType, toType);
    if (!types) {
      throw new StoreError(
        `${OBJECT_TYPES[fromType].singular} records cannot be associated with ${toType}.`,
        'VALIDATION_ERROR',
      );
    }
    if (!this.get(toType, toId)) throw this.notFound(toType, toId);
    return types;
  }

  private demotePrimaryCompany(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
  ): void {
    // Only the side that is not the company may have one primary company.
    const [recordType, recordId, companyId] =
      toType === 'companies' ? [fromType, fromId, toId] : [toType, toId, fromId];
    for (const other of this.associations.targets(recordType, recordId, 'companies')) {
      if (
        other !== companyId &&
        this.associations.isPrimary(recordType, recordId, 'companies', other)
      ) {
        this.associations.demote(recordType, recordId, 'companies', other);
      }
    }
  }

  private emitEvent(
    type: CrmObjectType,
    id: string,
    kind: ChangeEvent['kind'],
    source: WriteSource,
    at: number,
    propertyName?: string,
    propertyValue?: string,
  ): void {
    const event: ChangeEvent = {
      portalId: this.portalId,
      objectType: type,
      objectId: id,
      kind,
      occurredAt: at,
      changeSource: source.sourceType,
    };
    if (source.sourceId !== undefined) event.sourceId = source.sourceId;
    if (source.appId !== undefined) event.appId = source.appId;
    if (propertyName !== undefined) {
      event.propertyName = propertyName;
      event.propertyValue = propertyValue ?? '';
    }
    this.emit(event);
  }

  /** Emits one associationChange per direction, as HubSpot sends them. */
  private emitAssociation(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    removed: boolean,
    isPrimary: boolean,
    source: WriteSource,
    at: number,
  ): void {
    const directions: [CrmObjectType, string, CrmObjectType, string][] = [
      [fromType, fromId, toType, toId],
      [toType, toId, fromType, fromId],
    ];
    for (const [a, aId, b, bId] of directions) {
      const event: ChangeEvent = {
        portalId: this.portalId,
        objectType: a,
        objectId: aId,
        kind: 'associationChange',
        occurredAt: at,
        changeSource: source.sourceType,
        association: {
          fromType: a,
          fromId: aId,
          toType: b,
          toId: bId,
          associationType: associationName(a, b),
          removed,
          isPrimary,
        },
      };
      if (source.sourceId !== undefined) event.sourceId = source.sourceId;
      if (source.appId !== undefined) event.appId = source.appId;
      this.emit(event);
    }
  }
}
