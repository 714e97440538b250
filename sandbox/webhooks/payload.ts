import type { ChangeEvent, CrmObjectType } from '../store/changes';
import { associationTypeName } from './object-types';
import type { WebhookSubscription } from './subscriptions';

/** One event in a webhook request body, with HubSpot's field names. */
export interface WebhookEvent {
  /** Increases with each event; HubSpot does not guarantee it is unique. */
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  /** Epoch milliseconds. */
  occurredAt: number;
  subscriptionType: string;
  /** 0 on the first delivery attempt, then 1, 2, ... on each retry. */
  attemptNumber: number;
  objectId?: number;
  /** Generic `object.*` events only, for example `0-2` for companies. */
  objectTypeId?: string;
  propertyName?: string;
  propertyValue?: string;
  changeSource: string;
  sourceId?: string;
  changeFlag?: 'NEW';
  associationType?: string;
  fromObjectId?: number;
  toObjectId?: number;
  associationRemoved?: boolean;
  isPrimaryAssociation?: boolean;
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
  numberOfPropertiesMoved?: number;
}

export interface PayloadContext {
  appId: number;
  /** Returns the next event id; the dispatcher keeps one counter for all portals. */
  nextEventId: () => number;
}

/** Properties HubSpot never sends propertyChange events for, whatever the subscription says. */
const UNSENT_PROPERTIES = new Set(['hs_lastmodifieddate', 'num_unique_conversion_events']);

/**
 * Builds the webhook events one store change produces: one per matching active subscription.
 * An association change produces events for both of its sides, each side through its own
 * object's subscriptions.
 */
export function buildWebhookEvents(
  change: ChangeEvent,
  subscriptions: readonly WebhookSubscription[],
  context: PayloadContext,
): WebhookEvent[] {
  if (change.kind === 'associationChange')
    return buildAssociationEvents(change, subscriptions, context);
  if (change.kind === 'propertyChange' && UNSENT_PROPERTIES.has(change.propertyName ?? ''))
    return [];

  const events: WebhookEvent[] = [];
  for (const subscription of matching(subscriptions, change.kind, change.objectType)) {
    if (change.kind === 'propertyChange' && subscription.propertyName !== change.propertyName) {
      continue;
    }
    const fields: Partial<WebhookEvent> = { objectId: numericId(change.objectId, 'objectId') };
    if (subscription.objectTypeId) fields.objectTypeId = subscription.objectTypeId;
    events.push(composeEvent(change, subscription, context, { ...fields, ...kindFields(change) }));
  }
  return events;
}

function matching(
  subscriptions: readonly WebhookSubscription[],
  kind: ChangeEvent['kind'],
  type: CrmObjectType,
): WebhookSubscription[] {
  return subscriptions.filter((s) => s.active && s.eventKind === kind && s.crmType === type);
}

/**
 * Assembles one event in a fixed key order: the fields every event has, then the kind's own
 * fields, then the change source and, on creations, `changeFlag`.
 */
function composeEvent(
  change: ChangeEvent,
  subscription: WebhookSubscription,
  context: PayloadContext,
  fields: Partial<WebhookEvent>,
): WebhookEvent {
  const event: WebhookEvent = {
    eventId: context.nextEventId(),
    subscriptionId: subscription.subscriptionId,
    portalId: change.portalId,
    appId: context.appId,
    occurredAt: change.occurredAt,
    subscriptionType: subscription.subscriptionType,
    attemptNumber: 0,
    ...fields,
    changeSource: change.changeSource,
  };
  if (change.sourceId !== undefined) event.sourceId = change.sourceId;
  if (change.kind === 'creation') event.changeFlag = 'NEW';
  return event;
}

function kindFields(change: ChangeEvent): Partial<WebhookEvent> {
  if (change.kind === 'propertyChange') {
    return { propertyName: change.propertyName, propertyValue: change.propertyValue ?? '' };
  }
  if (change.kind === 'merge') {
    if (!change.merge)
      throw new Error(
        `merge change for ${change.objectType} ${change.objectId} has no merge details`,
      );
    return {
      primaryObjectId: numericId(change.merge.primaryObjectId, 'primaryObjectId'),
      mergedObjectIds: change.merge.mergedObjectIds.map((id) => numericId(id, 'mergedObjectIds')),
      newObjectId: numericId(change.merge.newObjectId, 'newObjectId'),
      numberOfPropertiesMoved: change.merge.numberOfPropertiesMoved,
    };
  }
  return {};
}

/**
 * Builds both sides of an association change: the `from` side with the store's association
 * name and the `to` side with the reversed name (`COMPANY_TO_TICKET` becomes `TICKET_TO_COMPANY`).
 * The store emits one change per association, so each side is produced here exactly once.
 * NOTE: HubSpot creates the unlabeled association next to a primary one and may send a message
 * for each, so a primary change is sent twice per side, once with `isPrimaryAssociation: false`.
 */
function buildAssociationEvents(
  change: ChangeEvent,
  subscriptions: readonly WebhookSubscription[],
  context: PayloadContext,
): WebhookEvent[] {
  const association = change.association;
  if (!association) {
    throw new Error(
      `associationChange for ${change.objectType} ${change.objectId} has no association details`,
    );
  }
  const sides = [
    {
      type: association.fromType,
      fromId: association.fromId,
      toId: association.toId,
      associationType: association.associationType,
    },
    {
      type: association.toType,
      fromId: association.toId,
      toId: association.fromId,
      associationType: associationTypeName(association.toType, association.fromType),
    },
  ];
  const primaryFlags = association.isPrimary ? [true, false] : [false];

  const events: WebhookEvent[] = [];
  for (const side of sides) {
    for (const subscription of matching(subscriptions, 'associationChange', side.type)) {
      for (const isPrimary of primaryFlags) {
        const fields: Partial<WebhookEvent> = {};
        if (subscription.objectTypeId) fields.objectTypeId = subscription.objectTypeId;
        fields.associationType = side.associationType;
        fields.fromObjectId = numericId(side.fromId, 'fromObjectId');
        fields.toObjectId = numericId(side.toId, 'toObjectId');
        fields.associationRemoved = association.removed;
        fields.isPrimaryAssociation = isPrimary;
        events.push(composeEvent(change, subscription, context, fields));
      }
    }
  }
  return events;
}

function numericId(id: string, field: string): number {
  const value = Number(id);
  if (!/^\d+$/.test(id) || !Number.isSafeInteger(value)) {
    throw new Error(
      `${field} ${JSON.stringify(id)} is not a numeric record id; HubSpot ids are digit strings`,
    );
  }
  return value;
}
