import type { CrmObjectType } from './changes';
import { OBJECT_TYPES } from './object-types';

/** HubSpot-defined association type ids for one direction between two object types. */
export interface AssociationTypeIds {
  typeId: number;
  /** The "Primary" label, only between a record and its primary company. */
  primaryTypeId?: number;
}

const PAIRS: [CrmObjectType, CrmObjectType, number, number, number?, number?][] = [
  // from, to, typeId from→to, typeId to→from, primary from→to, primary to→from
  ['companies', 'contacts', 280, 279, 2, 1],
  ['companies', 'deals', 342, 341, 6, 5],
  ['companies', 'tickets', 340, 339, 25, 26],
  ['companies', 'notes', 189, 190],
  ['companies', 'tasks', 191, 192],
  ['contacts', 'deals', 4, 3],
  ['contacts', 'tickets', 15, 16],
  ['contacts', 'notes', 201, 202],
  ['contacts', 'tasks', 203, 204],
  ['contacts', 'feedback_submissions', 97, 98],
  ['deals', 'tickets', 27, 28],
  ['deals', 'notes', 213, 214],
  ['deals', 'tasks', 215, 216],
  ['tickets', 'notes', 227, 228],
  ['tickets', 'tasks', 229, 230],
  ['tickets', 'feedback_submissions', 99, 100],
  // NOTE: HubSpot's published type list has no company-feedback pair. These ids are the
  // sandbox's own, so an app that reads feedback through companies must not rely on them.
  ['companies', 'feedback_submissions', 1_000_019, 1_000_020],
];

const TYPE_TABLE = new Map<string, AssociationTypeIds>();
for (const [from, to, forward, backward, primaryForward, primaryBackward] of PAIRS) {
  TYPE_TABLE.set(`${from}|${to}`, { typeId: forward, primaryTypeId: primaryForward });
  TYPE_TABLE.set(`${to}|${from}`, { typeId: backward, primaryTypeId: primaryBackward });
}

export function associationTypeIds(
  from: CrmObjectType,
  to: CrmObjectType,
): AssociationTypeIds | undefined {
  return TYPE_TABLE.get(`${from}|${to}`);
}

/** HubSpot's name for an association direction, for example COMPANY_TO_TICKET. */
export function associationName(from: CrmObjectType, to: CrmObjectType): string {
  return `${OBJECT_TYPES[from].associationName}_TO_${OBJECT_TYPES[to].associationName}`;
}

/**
 * Both directions of every association in one portal. For each (type, target type) pair a map
 * goes from a record id to the plain array of its target ids, because arrays cost far less
 * memory than a Map per record. Primary labels are rare, so they sit in one set of pair keys.
 */
export class AssociationIndex {
  private readonly edges = new Map<string, Map<string, string[]>>();
  private readonly primaries = new Set<string>();

  private byRecord(type: CrmObjectType, toType: CrmObjectType, create: true): Map<string, string[]>;
  private byRecord(
    type: CrmObjectType,
    toType: CrmObjectType,
    create: false,
  ): Map<string, string[]> | undefined;
  private byRecord(type: CrmObjectType, toType: CrmObjectType, create: boolean) {
    const key = `${type}|${toType}`;
    let map = this.edges.get(key);
    if (!map && create) {
      map = new Map();
      this.edges.set(key, map);
    }
    return map;
  }

  private primaryKey(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
  ): string {
    return `${fromType}/${fromId}/${toType}/${toId}`;
  }

  private link(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void {
    const map = this.byRecord(fromType, toType, true);
    const targets = map.get(fromId);
    if (targets) targets.push(toId);
    else map.set(fromId, [toId]);
  }

  private unlink(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
  ): void {
    const targets = this.byRecord(fromType, toType, false)?.get(fromId);
    if (!targets) return;
    const index = targets.indexOf(toId);
    if (index >= 0) targets.splice(index, 1);
  }

  has(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): boolean {
    return this.byRecord(fromType, toType, false)?.get(fromId)?.includes(toId) ?? false;
  }

  isPrimary(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): boolean {
    return this.primaries.has(this.primaryKey(fromType, fromId, toType, toId));
  }

  /** Adds both directions; returns false when the pair was already associated with that label. */
  add(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    primary: boolean,
  ): boolean {
    const existed = this.has(fromType, fromId, toType, toId);
    const wasPrimary = existed && this.isPrimary(fromType, fromId, toType, toId);
    if (existed && (wasPrimary || !primary)) return false;
    if (!existed) {
      this.link(fromType, fromId, toType, toId);
      this.link(toType, toId, fromType, fromId);
    }
    if (primary) {
      this.primaries.add(this.primaryKey(fromType, fromId, toType, toId));
      this.primaries.add(this.primaryKey(toType, toId, fromType, fromId));
    }
    return true;
  }

  /** Drops the Primary label from one pair and keeps the plain association. */
  demote(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void {
    this.primaries.delete(this.primaryKey(fromType, fromId, toType, toId));
    this.primaries.delete(this.primaryKey(toType, toId, fromType, fromId));
  }

  /** Removes both directions; returns whether the pair existed and whether it was primary. */
  remove(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
  ): { removed: boolean; primary: boolean } {
    if (!this.has(fromType, fromId, toType, toId)) return { removed: false, primary: false };
    const primary = this.isPrimary(fromType, fromId, toType, toId);
    this.unlink(fromType, fromId, toType, toId);
    this.unlink(toType, toId, fromType, fromId);
    this.demote(fromType, fromId, toType, toId);
    return { removed: true, primary };
  }

  /** Target ids in ascending numeric order, so paging through them is stable. */
  targets(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): string[] {
    const targets = this.byRecord(fromType, toType, false)?.get(fromId);
    if (!targets || targets.length === 0) return [];
    return [...targets].sort((a, b) => Number(a) - Number(b));
  }

  /** Target ids in insertion order, without a copy. Callers must not modify the array. */
  unorderedTargets(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
  ): readonly string[] {
    return this.byRecord(fromType, toType, false)?.get(fromId) ?? [];
  }

  /** Every association of one record, grouped by target type. */
  allTargets(
    type: CrmObjectType,
    id: string,
    targetTypes: readonly CrmObjectType[],
  ): { toType: CrmObjectType; toId: string; primary: boolean }[] {
    const result: { toType: CrmObjectType; toId: string; primary: boolean }[] = [];
    for (const toType of targetTypes) {
      for (const toId of this.unorderedTargets(type, id, toType)) {
        result.push({ toType, toId, primary: this.isPrimary(type, id, toType, toId) });
      }
    }
    return result;
  }
}
