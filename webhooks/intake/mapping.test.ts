import { mapWebhookEvents } from './mapping';
import type { WebhookEvent } from './schema';

const PORTAL = 1234567;
let nextEventId = 1;

function event(fields: Partial<WebhookEvent> & { subscriptionType: string }): WebhookEvent {
  return {
    portalId: PORTAL,
    occurredAt: 1717243190000 + nextEventId,
    eventId: nextEventId++,
    attemptNumber: 0,
    ...fields,
  };
}

function only(events: WebhookEvent[]) {
  const mapped = mapWebhookEvents(events);
  const marks = mapped.portals.get(PORTAL);
  return { mapped, marks };
}

describe('webhook event mapping', () => {
  test('company property change marks the company', () => {
    const { marks, mapped } = only([
      event({
        subscriptionType: 'company.propertyChange',
        objectId: '42',
        propertyName: 'seats_used',
      }),
    ]);
    expect(marks?.companies).toEqual(['42']);
    expect(marks?.objectRefs).toEqual([]);
    expect(mapped.used).toBe(1);
  });

  test('burst for one company gives one mark', () => {
    const { marks } = only([
      event({ subscriptionType: 'company.propertyChange', objectId: '42', propertyName: 'mrr' }),
      event({ subscriptionType: 'company.propertyChange', objectId: '42', propertyName: 'arr' }),
      event({ subscriptionType: 'company.creation', objectId: '77' }),
      event({ subscriptionType: 'company.propertyChange', objectId: '42', propertyName: 'mrr' }),
    ]);
    expect(marks?.companies.sort()).toEqual(['42', '77']);
  });

  test('own properties are ignored', () => {
    const { mapped } = only([
      event({
        subscriptionType: 'company.propertyChange',
        objectId: '42',
        propertyName: 'cs_health_score',
      }),
      event({
        subscriptionType: 'company.propertyChange',
        objectId: '42',
        propertyName: 'cs_expansion_signal',
      }),
    ]);
    expect(mapped.portals.size).toBe(0);
    expect(mapped.ignored.get('own_property')).toBe(2);
    expect(mapped.used).toBe(0);
  });

  test('ticket events become object refs', () => {
    const { marks } = only([
      event({ subscriptionType: 'ticket.creation', objectId: '900' }),
      event({
        subscriptionType: 'ticket.propertyChange',
        objectId: '901',
        propertyName: 'hs_pipeline_stage',
      }),
      event({ subscriptionType: 'ticket.deletion', objectId: '902' }),
    ]);
    expect(marks?.companies).toEqual([]);
    expect(marks?.objectRefs).toEqual([
      { objectType: 'tickets', objectId: '900', deleted: false },
      { objectType: 'tickets', objectId: '901', deleted: false },
      { objectType: 'tickets', objectId: '902', deleted: true },
    ]);
  });

  test('generic feedback events become object refs', () => {
    const { marks } = only([
      event({ subscriptionType: 'object.creation', objectTypeId: '0-19', objectId: '5001' }),
      event({ subscriptionType: 'object.deletion', objectTypeId: '0-19', objectId: '5002' }),
    ]);
    expect(marks?.objectRefs).toEqual([
      { objectType: 'feedback_submissions', objectId: '5001', deleted: false },
      { objectType: 'feedback_submissions', objectId: '5002', deleted: true },
    ]);
  });

  test('generic company events mark the company', () => {
    const { marks } = only([
      event({
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-2',
        objectId: '42',
        propertyName: 'mrr',
      }),
    ]);
    expect(marks?.companies).toEqual(['42']);
  });

  test('association change marks the company on either side', () => {
    const { marks } = only([
      event({
        subscriptionType: 'company.associationChange',
        associationType: 'COMPANY_TO_TICKET',
        fromObjectId: '42',
        toObjectId: '900',
        associationRemoved: false,
      }),
      event({
        subscriptionType: 'ticket.associationChange',
        associationType: 'TICKET_TO_COMPANY',
        fromObjectId: '901',
        toObjectId: '77',
        associationRemoved: true,
      }),
      event({
        subscriptionType: 'contact.associationChange',
        associationType: 'CONTACT_TO_COMPANY',
        fromObjectId: '300',
        toObjectId: '88',
      }),
    ]);
    expect(marks?.companies.sort()).toEqual(['42', '77', '88']);
    expect(marks?.objectRefs).toEqual([]);
  });

  test('association without a company side is ignored', () => {
    const { mapped } = only([
      event({
        subscriptionType: 'contact.associationChange',
        associationType: 'CONTACT_TO_TICKET',
        fromObjectId: '300',
        toObjectId: '900',
      }),
    ]);
    expect(mapped.portals.size).toBe(0);
    expect(mapped.ignored.get('no_company_side')).toBe(1);
  });

  test('parent and child company associations mark both', () => {
    const { marks } = only([
      event({
        subscriptionType: 'company.associationChange',
        associationType: 'PARENT_COMPANY_TO_CHILD_COMPANY',
        fromObjectId: '1',
        toObjectId: '2',
      }),
    ]);
    expect(marks?.companies.sort()).toEqual(['1', '2']);
  });

  test('merge marks the survivor and drops the merged ids', () => {
    const { marks } = only([
      event({ subscriptionType: 'company.propertyChange', objectId: '43', propertyName: 'mrr' }),
      event({
        subscriptionType: 'company.merge',
        objectId: '42',
        primaryObjectId: '42',
        mergedObjectIds: ['43'],
        newObjectId: '42',
        numberOfPropertiesMoved: 3,
      }),
    ]);
    expect(marks?.companies).toEqual(['42']);
    expect(marks?.droppedCompanies).toEqual(['43']);
  });

  test('merge into a new record drops the primary too', () => {
    const { marks } = only([
      event({
        subscriptionType: 'company.merge',
        objectId: '42',
        primaryObjectId: '42',
        mergedObjectIds: ['43'],
        newObjectId: '99',
      }),
    ]);
    expect(marks?.companies).toEqual(['99']);
    expect(marks?.droppedCompanies.sort()).toEqual(['42', '43']);
  });

  test('deletion drops the company', () => {
    const { marks } = only([
      event({ subscriptionType: 'company.propertyChange', objectId: '42', propertyName: 'mrr' }),
      event({ subscriptionType: 'company.deletion', objectId: '42' }),
    ]);
    expect(marks?.companies).toEqual([]);
    expect(marks?.droppedCompanies).toEqual(['42']);
  });

  test('events apply in occurredAt order, not array order', () => {
    const restore = event({ subscriptionType: 'company.restore', objectId: '42' });
    const deletion = event({ subscriptionType: 'company.deletion', objectId: '42' });
    // The deletion happened first, the restore after, but they arrive the other way round.
    deletion.occurredAt = restore.occurredAt - 1000;
    const { marks } = only([restore, deletion]);
    expect(marks?.companies).toEqual(['42']);
    expect(marks?.droppedCompanies).toEqual([]);
  });

  test('contact merge refs the survivor and deletes the rest', () => {
    const { marks } = only([
      event({
        subscriptionType: 'contact.merge',
        objectId: '300',
        primaryObjectId: '300',
        mergedObjectIds: ['301'],
        newObjectId: '300',
      }),
    ]);
    expect(marks?.objectRefs).toEqual([
      { objectType: 'contacts', objectId: '300', deleted: false },
      { objectType: 'contacts', objectId: '301', deleted: true },
    ]);
  });

  test('events of several portals stay apart', () => {
    const mapped = mapWebhookEvents([
      event({ subscriptionType: 'company.creation', objectId: '1' }),
      { ...event({ subscriptionType: 'company.creation', objectId: '1' }), portalId: 555 },
    ]);
    expect([...mapped.portals.keys()].sort((a, b) => a - b)).toEqual([555, PORTAL]);
    expect(mapped.portals.get(555)?.companies).toEqual(['1']);
  });

  test('unknown objects and events are counted', () => {
    const { mapped } = only([
      event({ subscriptionType: 'line_item.creation', objectId: '1' }),
      event({ subscriptionType: 'conversation.newMessage', objectId: '2' }),
      event({ subscriptionType: 'company.somethingNew', objectId: '3' }),
      event({ subscriptionType: 'company.creation' }),
    ]);
    expect(mapped.portals.size).toBe(0);
    expect(mapped.ignored.get('unsupported_object')).toBe(2);
    expect(mapped.ignored.get('unsupported_event')).toBe(1);
    expect(mapped.ignored.get('missing_object_id')).toBe(1);
  });
});
