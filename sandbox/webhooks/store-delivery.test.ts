import { ChangeHub } from '../store/change-hub';
import { PortalStore, type WriteSource } from '../store/portal-store';
import { startWebhookDispatcher, type WebhookDispatcher } from './dispatcher';
import { hasValidSignature, startReceiver, type WebhookReceiver } from './testing/receiver';

const SECRET = 'test-client-secret-0000';
const PORTAL = 1234567;
const API: WriteSource = { sourceType: 'API', sourceId: '555', appId: 555 };

let server: WebhookReceiver;
let webhooks: WebhookDispatcher;
let store: PortalStore;

beforeEach(async () => {
  server = await startReceiver();
  const hub = new ChangeHub();
  webhooks = startWebhookDispatcher({
    changes: hub,
    app: { appId: 555, clientSecret: SECRET, targetUrl: server.url() },
    logger: false,
    delivery: { flushIntervalMs: 10 },
  });
  store = new PortalStore(PORTAL, 'UTC', (event) => hub.emit(event));
});

afterEach(async () => {
  await webhooks.stop();
  await server.close();
});

async function delivered() {
  await webhooks.flush(10_000);
  return server.requests.flatMap((request) => request.events);
}

describe('store writes to webhooks', () => {
  test('sends creations and both association sides', async () => {
    const company = store.create('companies', { name: 'Acme' }, API);
    const ticket = store.create('tickets', { subject: 'Broken export' }, API, {
      associations: [{ toType: 'companies', toId: company.id }],
    });

    const events = await delivered();
    expect(events.map((e) => e.subscriptionType)).toEqual([
      'company.creation',
      'ticket.creation',
      'ticket.associationChange',
      'company.associationChange',
    ]);
    expect(events[2]).toMatchObject({
      associationType: 'TICKET_TO_COMPANY',
      fromObjectId: Number(ticket.id),
      toObjectId: Number(company.id),
      associationRemoved: false,
    });
    expect(events[3]).toMatchObject({
      associationType: 'COMPANY_TO_TICKET',
      fromObjectId: Number(company.id),
      toObjectId: Number(ticket.id),
    });
    expect(events.every((e) => e.appId === 555 && e.portalId === PORTAL)).toBe(true);
    expect(server.requests.every((r) => hasValidSignature(r, SECRET, server.url()))).toBe(true);
  });

  test('sends only subscribed property changes', async () => {
    const ticket = store.create('tickets', { subject: 'Slow sync', hs_pipeline_stage: '1' }, API);
    await delivered();
    server.requests.length = 0;

    store.update('tickets', ticket.id, { subject: 'Slow sync again', hs_pipeline_stage: '3' }, API);

    const events = await delivered();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subscriptionType: 'ticket.propertyChange',
      objectId: Number(ticket.id),
      propertyName: 'hs_pipeline_stage',
      propertyValue: '3',
      changeSource: 'API',
      sourceId: '555',
    });
    expect(events.some((e) => e.propertyName === 'hs_lastmodifieddate')).toBe(false);
  });

  test('sends a company merge', async () => {
    const primary = store.create('companies', { name: 'Acme' }, API);
    const merged = store.create('companies', { name: 'Acme Inc', domain: 'acme.example' }, API);
    await delivered();
    server.requests.length = 0;

    store.mergeCompanies(primary.id, merged.id, API);

    const merges = (await delivered()).filter((e) => e.subscriptionType === 'company.merge');
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({
      objectId: Number(primary.id),
      primaryObjectId: Number(primary.id),
      mergedObjectIds: [Number(merged.id)],
      newObjectId: Number(primary.id),
      numberOfPropertiesMoved: 1,
    });
  });
});
