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
  // NOTE: HubSpot's published type list has no company-feedback pair; these ids are the
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
 * Both directions of every association in one portal. Each direction is a map from the target
 * id to whether the association carries the Primary label.
 */
export class AssociationIndex {
  private readonly edges = new Map<string, Map<string, boolean>>();

  private key(type: CrmObjectType, id: string, toType: CrmObjectType): string {
    return `${type}/${id}/${toType}`;
  }

  private direction(type: CrmObjectType, id: string, toType: CrmObjectType): Map<string, boolean> {
    const key = this.key(type, id, toType);
    let targets = this.edges.get(key);
    if (!targets) {
      targets = new Map();
      this.edges.set(key, targets);
    }
    return targets;
  }

  has(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): boolean {
    return this.edges.get(this.key(fromType, fromId, toType))?.has(toId) ?? false;
  }

  isPrimary(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): boolean {
    return this.edges.get(this.key(fromType, fromId, toType))?.get(toId) ?? false;
  }

  /** Adds both directions; returns false when the pair was already associated with that label. */
  add(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    primary: boolean,
  ): boolean {
    const forward = this.direction(fromType, fromId, toType);
    const existing = forward.get(toId);
    if (existing !== undefined && (existing || !primary)) return false;
    forward.set(toId, primary);
    this.direction(toType, toId, fromType).set(fromId, primary);
    return true;
  }

  /** Drops the Primary label from one pair and keeps the plain association. */
  demote(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void {
    if (!this.has(fromType, fromId, toType, toId)) return;
    this.direction(fromType, fromId, toType).set(toId, false);
    this.direction(toType, toId, fromType).set(fromId, false);
  }

  /** Removes both directions; returns whether the pair existed and whether it was primary. */
  remove(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
  ): { removed: boolean; primary: boolean } {
    const forward = this.edges.get(this.key(fromType, fromId, toType));
    const primary = forward?.get(toId);
    if (primary === undefined) return { removed: false, primary: false };
    forward?.delete(toId);
    this.edges.get(this.key(toType, toId, fromType))?.delete(fromId);
    return { removed: true, primary };
  }

  /** Target ids in ascending numeric order, so paging through them is stable. */
  targets(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): string[] {
    const targets = this.edges.get(this.key(fromType, fromId, toType));
    if (!targets) return [];
    return [...targets.keys()].sort((a, b) => Number(a) - Number(b));
  }

  /** Every association of one record, grouped by target type. */
  allTargets(
    type: CrmObjectType,
    id: string,
    targetTypes: readonly CrmObjectType[],
  ): { toType: CrmObjectType; toId: string; primary: boolean }[] {
    const result: { toType: CrmObjectType; toId: string; primary: boolean }[] = [];
    for (const toType of targetTypes) {
      const targets = this.edges.get(this.key(type, id, toType));
      if (!targets) continue;
      for (const [toId, primary] of targets) result.push({ toType, toId, primary });
    }
    return result;
  }
}
