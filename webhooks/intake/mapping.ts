import type { ObjectRef, PortalMarks, RefObjectType } from '../queue/types';
import type { WebhookEvent } from './schema';

/**
 * Properties the app writes itself. A change to one of them must never trigger a recompute, or
 * every write would cause another write.
 */
export const OWN_PROPERTY_PREFIXES = ['cs_health_', 'cs_expansion_'] as const;

export function isOwnProperty(name: string | undefined): boolean {
  return name !== undefined && OWN_PROPERTY_PREFIXES.some((prefix) => name.startsWith(prefix));
}

type ObjectKind = 'company' | RefObjectType;

/** Object names in legacy subscription types (`ticket.creation`) and in association types. */
const OBJECT_BY_NAME: Record<string, ObjectKind> = {
  COMPANY: 'company',
  CONTACT: 'contacts',
  DEAL: 'deals',
  TICKET: 'tickets',
  FEEDBACK_SUBMISSION: 'feedback_submissions',
};

/** Object type ids that generic `object.*` events carry in `objectTypeId`. */
const OBJECT_BY_TYPE_ID: Record<string, ObjectKind> = {
  '0-1': 'contacts',
  '0-2': 'company',
  '0-3': 'deals',
  '0-5': 'tickets',
  '0-19': 'feedback_submissions',
};

/** Reason an event led to no work. Counted in metrics, never an error: HubSpot gets 200. */
export type IgnoreReason =
  | 'own_property'
  | 'unsupported_object'
  | 'unsupported_event'
  | 'missing_object_id'
  | 'no_company_side';

export interface MappedBatch {
  /** Work per portal, in the order the portals first appear. */
  portals: Map<number, PortalMarks>;
  /** Events that led to work. */
  used: number;
  ignored: Map<IgnoreReason, number>;
}

/** Per-portal state while a batch is folded; the last event for a company decides its fate. */
interface PortalFold {
  companies: Map<string, 'mark' | 'drop'>;
  refs: Map<string, ObjectRef>;
}

function objectOfEvent(event: WebhookEvent): ObjectKind | undefined {
  const [prefix] = event.subscriptionType.split('.');
  if (prefix === 'object') {
    return event.objectTypeId === undefined ? undefined : OBJECT_BY_TYPE_ID[event.objectTypeId];
  }
  return prefix === undefined ? undefined : OBJECT_BY_NAME[prefix.toUpperCase()];
}

function actionOfEvent(event: WebhookEvent): string {
  return event.subscriptionType.slice(event.subscriptionType.indexOf('.') + 1);
}

/**
 * Finds the object types on both ends of an association change. Generic events name them by type
 * id; legacy events only in `associationType`, e.g. `COMPANY_TO_TICKET` or
 * `PARENT_COMPANY_TO_CHILD_COMPANY`.
 */
function associationEnds(
  event: WebhookEvent,
  subject: ObjectKind | undefined,
): [ObjectKind | undefined, ObjectKind | undefined] {
  if (event.fromObjectTypeId !== undefined || event.toObjectTypeId !== undefined) {
    return [
      event.fromObjectTypeId === undefined ? subject : OBJECT_BY_TYPE_ID[event.fromObjectTypeId],
      event.toObjectTypeId === undefined ? undefined : OBJECT_BY_TYPE_ID[event.toObjectTypeId],
    ];
  }
  const [from, to] = (event.associationType ?? '').split('_TO_');
  const endOf = (name: string | undefined): ObjectKind | undefined => {
    if (name === undefined) return undefined;
    const word = name.replace(/^(PARENT|CHILD)_/, '');
    return OBJECT_BY_NAME[word];
  };
  return [endOf(from) ?? subject, endOf(to)];
}

function markCompany(fold: PortalFold, id: string | undefined): boolean {
  if (id === undefined) return false;
  fold.companies.set(id, 'mark');
  return true;
}

function dropCompany(fold: PortalFold, id: string | undefined): void {
  if (id !== undefined) fold.companies.set(id, 'drop');
}

function addRef(
  fold: PortalFold,
  objectType: RefObjectType,
  id: string | undefined,
  deleted: boolean,
): boolean {
  if (id === undefined) return false;
  // A later event replaces an earlier one for the same object (a deletion after an update wins).
  fold.refs.set(`${objectType}/${id}`, { objectType, objectId: id, deleted });
  return true;
}

/** Applies one event; returns why it was ignored, or undefined when it led to work. */
function foldEvent(fold: PortalFold, event: WebhookEvent): IgnoreReason | undefined {
  const subject = objectOfEvent(event);
  if (subject === undefined) return 'unsupported_object';
  const action = actionOfEvent(event);

  if (action === 'associationChange') {
    const [fromType, toType] = associationEnds(event, subject);
    let used = false;
    // The company side is marked directly, whichever end it is; the other end needs no lookup.
    if (fromType === 'company') used = markCompany(fold, event.fromObjectId) || used;
    if (toType === 'company') used = markCompany(fold, event.toObjectId) || used;
    return used ? undefined : 'no_company_side';
  }

  if (action === 'propertyChange' && isOwnProperty(event.propertyName)) return 'own_property';

  if (subject === 'company') {
    switch (action) {
      case 'creation':
      case 'propertyChange':
      case 'restore':
        return markCompany(fold, event.objectId) ? undefined : 'missing_object_id';
      case 'deletion':
      case 'privacyDeletion':
        if (event.objectId === undefined) return 'missing_object_id';
        dropCompany(fold, event.objectId);
        return undefined;
      case 'merge':
        return foldCompanyMerge(fold, event);
      default:
        return 'unsupported_event';
    }
  }

  switch (action) {
    case 'creation':
    case 'propertyChange':
    case 'restore':
      return addRef(fold, subject, event.objectId, false) ? undefined : 'missing_object_id';
    case 'deletion':
    case 'privacyDeletion':
      return addRef(fold, subject, event.objectId, true) ? undefined : 'missing_object_id';
    case 'merge': {
      const survivor = event.newObjectId ?? event.primaryObjectId ?? event.objectId;
      if (survivor === undefined) return 'missing_object_id';
      addRef(fold, subject, survivor, false);
      for (const merged of event.mergedObjectIds ?? []) {
        if (merged !== survivor) addRef(fold, subject, merged, true);
      }
      return undefined;
    }
    default:
      return 'unsupported_event';
  }
}

/**
 * Folds a company merge. The merge keeps one company: `newObjectId` when HubSpot created a new
 * record, else the primary. Every other id stops existing, so its marks and stored result are
 * dropped. NOTE: HubSpot lists the merge fields without saying when `newObjectId` differs from
 * the primary, so both cases are handled.
 */
function foldCompanyMerge(fold: PortalFold, event: WebhookEvent): IgnoreReason | undefined {
  const survivor = event.newObjectId ?? event.primaryObjectId ?? event.objectId;
  if (survivor === undefined) return 'missing_object_id';
  const gone = new Set([...(event.mergedObjectIds ?? []), event.primaryObjectId, event.objectId]);
  for (const id of gone) {
    if (id !== undefined && id !== survivor) dropCompany(fold, id);
  }
  markCompany(fold, survivor);
  return undefined;
}

/**
 * Maps a webhook batch to work per portal. Events are applied in `occurredAt` order, because
 * HubSpot does not keep order within or across batches: a deletion followed by a restore marks
 * the company, the reverse drops it. Event values such as `propertyValue` are never used, since
 * the worker reads the current CRM state.
 */
export function mapWebhookEvents(events: readonly WebhookEvent[]): MappedBatch {
  const sorted = [...events].sort((a, b) => a.occurredAt - b.occurredAt);
  const folds = new Map<number, PortalFold>();
  const ignored = new Map<IgnoreReason, number>();
  let used = 0;

  for (const event of sorted) {
    let fold = folds.get(event.portalId);
    if (!fold) {
      fold = { companies: new Map(), refs: new Map() };
      folds.set(event.portalId, fold);
    }
    const reason = foldEvent(fold, event);
    if (reason === undefined) used += 1;
    else ignored.set(reason, (ignored.get(reason) ?? 0) + 1);
  }

  const portals = new Map<number, PortalMarks>();
  for (const [portalId, fold] of folds) {
    const companies: string[] = [];
    const droppedCompanies: string[] = [];
    for (const [id, fate] of fold.companies) {
      if (fate === 'mark') companies.push(id);
      else droppedCompanies.push(id);
    }
    const objectRefs = [...fold.refs.values()];
    if (companies.length + droppedCompanies.length + objectRefs.length === 0) continue;
    portals.set(portalId, { portalId, companies, objectRefs, droppedCompanies });
  }
  return { portals, used, ignored };
}
