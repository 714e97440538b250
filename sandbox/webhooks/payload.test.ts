import type { ChangeEvent, CrmObjectType } from '../store/changes';
import { DEFAULT_SUBSCRIPTIONS_FILE } from './dispatcher';
import { buildWebhookEvents, type PayloadContext } from './payload';
import { loadWebhooksFile, parseWebhooksConfig, type WebhookSubscription } from './subscriptions';

const APP_ID = 555;
const PORTAL_ID = 1234567;
const OCCURRED_AT = 1717243195000;

const projectSubscriptions = loadWebhooksFile(DEFAULT_SUBSCRIPTIONS_FILE).subscriptions;

function idOf(
  subscriptions: readonly WebhookSubscription[],
  type: string,
  propertyName?: string,
): number {
  const found = subscriptions.find(
    (s) => s.subscriptionType === type && s.propertyName === propertyName,
  );
  if (!found) throw new Error(`no subscription ${type} ${propertyName ?? ''}`);
  return found.subscriptionId;
}

function context(): PayloadContext {
  let next = 100;
  return { appId: APP_ID, nextEventId: () => next++ };
}

function change(overrides: Partial<ChangeEvent>): ChangeEvent {
  return {
    portalId: PORTAL_ID,
    objectType: 'companies',
    objectId: '42',
    kind: 'creation',
    occurredAt: OCCURRED_AT,
    changeSource: 'API',
    ...overrides,
  };
}

describe('buildWebhookEvents', () => {
  test('builds a classic creation', () => {
    const events = buildWebhookEvents(change({ sourceId: '555' }), projectSubscriptions, context());

    expect(events).toEqual([
      {
        eventId: 100,
        subscriptionId: idOf(projectSubscriptions, 'company.creation'),
        portalId: PORTAL_ID,
        appId: APP_ID,
        occurredAt: OCCURRED_AT,
        subscriptionType: 'company.creation',
        attemptNumber: 0,
        objectId: 42,
        changeSource: 'API',
        sourceId: '555',
        changeFlag: 'NEW',
      },
    ]);
  });

  test('builds a generic feedback creation', () => {
    const events = buildWebhookEvents(
      change({ objectType: 'feedback_submissions', objectId: '9001', changeSource: 'INTEGRATION' }),
      projectSubscriptions,
      context(),
    );

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subscriptionType: 'object.creation',
      subscriptionId: idOf(projectSubscriptions, 'object.creation'),
      objectTypeId: '0-19',
      objectId: 9001,
      changeFlag: 'NEW',
    });
  });

  test('serializes fields in a fixed order', () => {
    const [event] = buildWebhookEvents(
      change({ kind: 'propertyChange', propertyName: 'seats_used', propertyValue: '17' }),
      projectSubscriptions,
      context(),
    );
    expect(Object.keys(event ?? {})).toEqual([
      'eventId',
      'subscriptionId',
      'portalId',
      'appId',
      'occurredAt',
      'subscriptionType',
      'attemptNumber',
      'objectId',
      'propertyName',
      'propertyValue',
      'changeSource',
    ]);
  });

  test('sends subscribed property changes', () => {
    const events = buildWebhookEvents(
      change({ kind: 'propertyChange', propertyName: 'licensed_seats', propertyValue: '' }),
      projectSubscriptions,
      context(),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subscriptionType: 'company.propertyChange',
      subscriptionId: idOf(projectSubscriptions, 'company.propertyChange', 'licensed_seats'),
      propertyName: 'licensed_seats',
      propertyValue: '',
      objectId: 42,
    });
    expect(events[0]?.changeFlag).toBeUndefined();
  });

  test('skips unsubscribed property changes', () => {
    const events = buildWebhookEvents(
      change({ kind: 'propertyChange', propertyName: 'name', propertyValue: 'Acme' }),
      projectSubscriptions,
      context(),
    );
    expect(events).toEqual([]);
  });

  test('never sends hs_lastmodifieddate', () => {
    // A subscription for it cannot be loaded, so build one by hand to prove the payload filter.
    const forced: WebhookSubscription = {
      subscriptionId: 123456789,
      subscriptionType: 'company.propertyChange',
      list: 'legacyCrmObjects',
      eventKind: 'propertyChange',
      crmType: 'companies',
      propertyName: 'hs_lastmodifieddate',
      active: true,
    };
    const events = buildWebhookEvents(
      change({ kind: 'propertyChange', propertyName: 'hs_lastmodifieddate', propertyValue: '1' }),
      [forced],
      context(),
    );
    expect(events).toEqual([]);
  });

  test('skips inactive subscriptions', () => {
    const { subscriptions } = parseWebhooksConfig(
      fileWith([{ subscriptionType: 'ticket.creation', active: false }]),
    );
    const events = buildWebhookEvents(change({ objectType: 'tickets' }), subscriptions, context());
    expect(events).toEqual([]);
  });

  test('sends classic and generic subscriptions both', () => {
    const { subscriptions } = parseWebhooksConfig(
      fileWith(
        [{ subscriptionType: 'company.deletion', active: true }],
        [{ subscriptionType: 'object.deletion', objectType: 'company', active: true }],
      ),
    );
    const events = buildWebhookEvents(change({ kind: 'deletion' }), subscriptions, context());

    expect(events.map((e) => e.subscriptionType)).toEqual(['object.deletion', 'company.deletion']);
    expect(events.map((e) => e.eventId)).toEqual([100, 101]);
    expect(events[0]?.objectTypeId).toBe('0-2');
    expect(events[1]?.objectTypeId).toBeUndefined();
    expect(events[0]?.changeFlag).toBeUndefined();
  });

  test('maps each association direction to its side', () => {
    const directions = [
      association('companies', '42', 'tickets', '8001', 'COMPANY_TO_TICKET'),
      association('tickets', '8001', 'companies', '42', 'TICKET_TO_COMPANY'),
    ];
    const ids = context();
    const events = directions.flatMap((c) => buildWebhookEvents(c, projectSubscriptions, ids));

    expect(events).toEqual([
      {
        eventId: 100,
        subscriptionId: idOf(projectSubscriptions, 'company.associationChange'),
        portalId: PORTAL_ID,
        appId: APP_ID,
        occurredAt: OCCURRED_AT,
        subscriptionType: 'company.associationChange',
        attemptNumber: 0,
        associationType: 'COMPANY_TO_TICKET',
        fromObjectId: 42,
        toObjectId: 8001,
        associationRemoved: false,
        isPrimaryAssociation: false,
        changeSource: 'CRM_UI',
        sourceId: 'userId:77',
      },
      {
        eventId: 101,
        subscriptionId: idOf(projectSubscriptions, 'ticket.associationChange'),
        portalId: PORTAL_ID,
        appId: APP_ID,
        occurredAt: OCCURRED_AT,
        subscriptionType: 'ticket.associationChange',
        attemptNumber: 0,
        associationType: 'TICKET_TO_COMPANY',
        fromObjectId: 8001,
        toObjectId: 42,
        associationRemoved: false,
        isPrimaryAssociation: false,
        changeSource: 'CRM_UI',
        sourceId: 'userId:77',
      },
    ]);
    expect(events[0]?.objectId).toBeUndefined();
  });

  test('skips an unsubscribed association side', () => {
    const events = buildWebhookEvents(
      association('deals', '3', 'companies', '42', 'DEAL_TO_COMPANY', { removed: true }),
      projectSubscriptions,
      context(),
    );
    expect(events).toEqual([]);
  });

  test('passes removal and primary flags', () => {
    const events = buildWebhookEvents(
      association('contacts', '600', 'companies', '42', 'CONTACT_TO_COMPANY', {
        removed: true,
        isPrimary: true,
      }),
      projectSubscriptions,
      context(),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subscriptionType: 'contact.associationChange',
      associationType: 'CONTACT_TO_COMPANY',
      fromObjectId: 600,
      toObjectId: 42,
      associationRemoved: true,
      isPrimaryAssociation: true,
    });
  });

  test('adds objectTypeId to generic association events', () => {
    const { subscriptions } = parseWebhooksConfig(
      fileWith(
        [],
        [{ subscriptionType: 'object.associationChange', objectType: 'ticket', active: true }],
      ),
    );
    const events = buildWebhookEvents(
      association('tickets', '8001', 'companies', '42', 'TICKET_TO_COMPANY'),
      subscriptions,
      context(),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subscriptionType: 'object.associationChange',
      objectTypeId: '0-5',
      associationType: 'TICKET_TO_COMPANY',
    });
  });

  test('builds a merge', () => {
    const events = buildWebhookEvents(
      change({
        kind: 'merge',
        changeSource: 'CRM_UI',
        merge: {
          primaryObjectId: '42',
          mergedObjectIds: ['43'],
          newObjectId: '42',
          numberOfPropertiesMoved: 7,
        },
      }),
      projectSubscriptions,
      context(),
    );
    expect(events).toEqual([
      {
        eventId: 100,
        subscriptionId: idOf(projectSubscriptions, 'company.merge'),
        portalId: PORTAL_ID,
        appId: APP_ID,
        occurredAt: OCCURRED_AT,
        subscriptionType: 'company.merge',
        attemptNumber: 0,
        objectId: 42,
        primaryObjectId: 42,
        mergedObjectIds: [43],
        newObjectId: 42,
        numberOfPropertiesMoved: 7,
        changeSource: 'CRM_UI',
      },
    ]);
  });

  test('builds a deletion and a restore', () => {
    const deletion = buildWebhookEvents(
      change({ kind: 'deletion' }),
      projectSubscriptions,
      context(),
    );
    const restore = buildWebhookEvents(
      change({ kind: 'restore' }),
      projectSubscriptions,
      context(),
    );

    expect(deletion.map((e) => [e.subscriptionType, e.objectId])).toEqual([
      ['company.deletion', 42],
    ]);
    expect(restore.map((e) => [e.subscriptionType, e.objectId])).toEqual([['company.restore', 42]]);
  });

  test('rejects a non-numeric object id', () => {
    expect(() =>
      buildWebhookEvents(change({ objectId: 'abc' }), projectSubscriptions, context()),
    ).toThrow('objectId "abc" is not a numeric record id; HubSpot ids are digit strings');
  });

  test('rejects a merge without details', () => {
    expect(() =>
      buildWebhookEvents(change({ kind: 'merge' }), projectSubscriptions, context()),
    ).toThrow('merge change for companies 42 has no merge details');
  });
});

function association(
  fromType: CrmObjectType,
  fromId: string,
  toType: CrmObjectType,
  toId: string,
  associationType: string,
  flags: { removed?: boolean; isPrimary?: boolean } = {},
): ChangeEvent {
  return change({
    objectType: fromType,
    objectId: fromId,
    kind: 'associationChange',
    changeSource: 'CRM_UI',
    sourceId: 'userId:77',
    association: {
      fromType,
      fromId,
      toType,
      toId,
      associationType,
      removed: flags.removed ?? false,
      isPrimary: flags.isPrimary ?? false,
    },
  });
}

function fileWith(
  legacyCrmObjects: { subscriptionType: string; active: boolean }[],
  crmObjects: { subscriptionType: string; objectType: string; active: boolean }[] = [],
) {
  return {
    uid: 'test_webhooks',
    type: 'webhooks',
    config: {
      settings: { targetUrl: 'https://app.example.test/hooks' },
      subscriptions: { crmObjects, legacyCrmObjects, hubEvents: [] },
    },
  };
}
