import type { ChangeEvent, CrmObjectType } from '../store/changes';
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

/** Properties HubSpot never sends propertyChange events for, even when a subscription names them. */
const UNSENT_PROPERTIES = new Set(['hs_lastmodifieddate', 'num_unique_conversion_events']);

/**
 * Builds the webhook events one store change produces: one per matching active subscription.
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
 * Builds the events of one direction of an association change. The store emits a change per
 * direction (`COMPANY_TO_TICKET` and `TICKET_TO_COMPANY`), and for a primary association a plain
 * change plus a primary one, so each change maps to events of its `from` object only.
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
  return matching(subscriptions, 'associationChange', association.fromType).map((subscription) => {
    const fields: Partial<WebhookEvent> = {};
    if (subscription.objectTypeId) fields.objectTypeId = subscription.objectTypeId;
    fields.associationType = association.associationType;
    fields.fromObjectId = numericId(association.fromId, 'fromObjectId');
    fields.toObjectId = numericId(association.toId, 'toObjectId');
    fields.associationRemoved = association.removed;
    fields.isPrimaryAssociation = association.isPrimary;
    return composeEvent(change, subscription, context, fields);
  });
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
