import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startSandbox, type ChangeEvent, type PortalHandle, type Sandbox } from '../index';
import {
  hasValidSignature,
  startReceiver,
  type WebhookReceiver,
} from '../webhooks/testing/receiver';
import { apiClient } from './helpers';

const DATA_DIR = path.join(__dirname, '../data/ravenstack');

function csvRows(file: string): number {
  const lines = readFileSync(path.join(DATA_DIR, file), 'utf8').split('\n');
  return lines.filter((line, index) => index > 0 && line.trim() !== '').length;
}

let sandbox: Sandbox;
let portal: PortalHandle;
let receiver: WebhookReceiver;
const events: ChangeEvent[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({
    logger: false,
    webhooks: { flushIntervalMs: 10, retryBaseMs: 10 },
  });
  sandbox.changes.subscribe((event) => events.push(event));
  portal = await sandbox.createPortal({ seed: 'ravenstack' });
});

afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
});

describe('seeded RavenStack portal', () => {
  it('holds one company per account row', () => {
    expect(portal.listObjects('companies')).toHaveLength(csvRows('ravenstack_accounts.csv'));
  });

  it('emits no change events while loading the seed', () => {
    expect(events).toHaveLength(0);
  });

  it('gives companies with notes a notes_last_contacted from their latest note', () => {
    const companies = portal.listObjects('companies');
    const withNotes = companies.filter(
      (company) => portal.associatedIds('companies', company.id, 'notes').length > 0,
    );
    expect(withNotes.length).toBeGreaterThan(0);
    for (const company of withNotes.slice(0, 50)) {
      const latest = Math.max(
        ...portal
          .associatedIds('companies', company.id, 'notes')
          .map((id) => Date.parse(portal.getObject('notes', id)?.properties.hs_timestamp ?? '')),
      );
      expect(company.properties.notes_last_contacted).toBe(new Date(latest).toISOString());
    }
  });

  it('keeps weekly usage values in the history of usage_events_7d', () => {
    const company = portal.listObjects('companies')[0];
    const history = portal.propertyHistory('companies', company?.id as string, 'usage_events_7d');
    expect(history.length).toBeGreaterThan(1);
    expect(history[0]?.value).toBe(company?.properties.usage_events_7d);
    const times = history.map((entry) => Date.parse(entry.timestamp));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });
});

describe('scenario player', () => {
  it('plays every day through the write path and reaches all ticket rows', async () => {
    const seededTickets = portal.listObjects('tickets').length;
    const startedAt = Date.now();
    const days = portal.scenarioDaysLeft();
    expect(days).toBe(30);
    const result = await portal.advanceScenario(days);
    expect(result.days).toHaveLength(30);
    expect(portal.scenarioDaysLeft()).toBe(0);
    expect(result.changes).toBeGreaterThan(0);

    const created = events.filter(
      (event) => event.kind === 'creation' && event.objectType === 'tickets',
    );
    expect(seededTickets + created.length).toBe(csvRows('ravenstack_support_tickets.csv'));
    for (const event of events) {
      expect(event.occurredAt).toBeGreaterThanOrEqual(startedAt);
      expect(event.occurredAt).toBeLessThanOrEqual(Date.now());
      expect(event.changeSource).toBe(
        event.propertyName === 'notes_last_contacted' ? 'CALCULATED' : 'INTEGRATION',
      );
    }
  });

  it('does nothing once the scenario is over', async () => {
    const result = await portal.advanceScenario(1);
    expect(result).toEqual({ days: [], changes: 0 });
  });
});

describe('webhook delivery of API writes', () => {
  it('delivers a signed company.propertyChange for an app batch update', async () => {
    sandbox.setWebhookTarget(receiver.url());
    const token = portal.issueTokens().accessToken;
    const company = portal.listObjects('companies')[1];
    await apiClient(sandbox, token).crm.companies.batchApi.update({
      inputs: [{ id: company?.id as string, properties: { seats_used: '4321' } }],
    });
    await sandbox.flushWebhooks(10_000);

    const matching = receiver.requests.filter((request) =>
      request.events.some(
        (event) => event.propertyName === 'seats_used' && event.propertyValue === '4321',
      ),
    );
    expect(matching).toHaveLength(1);
    const request = matching[0];
    expect(hasValidSignature(request as never, sandbox.app.clientSecret, receiver.url())).toBe(
      true,
    );
    const event = request?.events.find((item) => item.propertyName === 'seats_used');
    expect(event).toMatchObject({
      portalId: portal.id,
      appId: sandbox.app.appId,
      objectId: Number(company?.id),
      subscriptionType: 'company.propertyChange',
      changeSource: 'API',
      attemptNumber: 0,
    });
  });
});
