import type IORedis from 'ioredis';
import { startSandbox, type PortalHandle, type Sandbox } from '../../sandbox';
import { DEFAULT_SCORE_CONFIG, parseScoreConfig, type ScoreConfig } from '../../src/engine';
import type { PortalClient } from '../../src/hubspot/types';
import { provisionProperties } from '../../src/install/provision';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { expansionTaskText } from './expansion-tasks';
import { recomputeCompanies } from './index';
import { RecomputeStore } from './store';
import { connectSandboxPortal } from './testing/sandbox-portal';
import type { RecomputeOutcome, RecomputeReason } from './types';

const DAY = 86_400_000;
const TIME_SCALE = 20;

interface Fixture {
  portal: PortalHandle;
  client: PortalClient;
  store: RecomputeStore;
  csmId: string;
  aeId: string;
  recompute(ids: string[], reason?: RecomputeReason, now?: Date): Promise<RecomputeOutcome>;
}

let sandbox: Sandbox;
let redis: IORedis;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: TIME_SCALE, logger: false });
  redis = testRedis();
});

afterAll(async () => {
  await sandbox.stop();
  await redis.quit();
});

async function emptyPortal(config: ScoreConfig = DEFAULT_SCORE_CONFIG): Promise<Fixture> {
  const portal = await sandbox.createPortal({ seed: 'empty' });
  const prefix = uniquePrefix('expansion');
  const { client, logger } = await connectSandboxPortal({
    sandbox,
    portal,
    redis,
    prefix,
    timeScale: TIME_SCALE,
  });
  await provisionProperties(client, logger);
  const owners = await client.call('owners.list', 'general', (api) =>
    api.crm.owners.ownersApi.getPage(),
  );
  const [csm, ae] = owners.results;
  if (!csm || !ae) throw new Error('the empty sandbox portal needs two owners for this test');
  const store = new RecomputeStore(redis, prefix);
  return {
    portal,
    client,
    store,
    csmId: csm.id,
    aeId: ae.id,
    recompute: (ids, reason = 'webhook', now = new Date()) =>
      recomputeCompanies({
        portalId: portal.id,
        client,
        companyIds: ids,
        reason,
        now,
        logger,
        store,
        configs: { get: async () => config },
      }),
  };
}

/** Creates a company that scores Healthy, with the given expansion inputs. */
function createCompany(fixture: Fixture, properties: Record<string, string>): string {
  const companyId = fixture.portal.createObject('companies', {
    name: 'Acme Analytics',
    usage_events_7d: '400',
    licensed_seats: '50',
    hubspot_owner_id: fixture.csmId,
    account_executive_owner_id: fixture.aeId,
    ...properties,
  });
  fixture.portal.createObject(
    'notes',
    { hs_timestamp: new Date(Date.now() - 2 * DAY).toISOString(), hs_note_body: 'Call' },
    [{ toType: 'companies', toId: companyId }],
  );
  return companyId;
}

function property(portal: PortalHandle, companyId: string, name: string): string {
  return portal.getObject('companies', companyId)?.properties[name] ?? '';
}

function tasksOf(fixture: Fixture, companyId: string): Record<string, string | null>[] {
  return fixture.portal
    .associatedIds('companies', companyId, 'tasks')
    .map((taskId) => fixture.portal.getObject('tasks', taskId)!.properties);
}

describe('expansion signals', () => {
  test('written with time and task', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { seats_used: '46', premium_features_used: '3' });
    const now = new Date();
    const outcome = await fixture.recompute([id], 'webhook', now);

    expect(property(fixture.portal, id, 'cs_health_status')).toBe('healthy');
    expect(property(fixture.portal, id, 'cs_expansion_signals')).toBe(
      'seat_limit;premium_features',
    );
    expect(property(fixture.portal, id, 'cs_expansion_signal_at')).toBe(now.toISOString());
    expect(outcome.expansionTasksCreated).toHaveLength(1);
    expect(outcome.tasksCreated).toEqual([]);

    const [task] = tasksOf(fixture, id);
    expect(task?.hubspot_owner_id).toBe(fixture.aeId);
    expect(task?.hs_task_priority).toBe('MEDIUM');
    expect(task?.hs_task_subject).toBe(
      'Expansion opportunity at Acme Analytics: Near seat limit, Uses premium features',
    );
    expect(task?.hs_task_body).toContain('Uses 46 of 50 licensed seats (92%)');
    expect(task?.hs_task_body).toContain('Uses 3 premium features');
    // Due at 09:00 in the portal's time zone, 7 days after today there.
    const due = new Date(task!.hs_timestamp!);
    expect(due.getTime()).toBeGreaterThan(now.getTime() + 6 * DAY);
    expect(due.getTime()).toBeLessThanOrEqual(now.getTime() + 8 * DAY);

    const stored = await fixture.store.getResult(fixture.portal.id, id);
    expect(stored?.openExpansionTaskId).toBe(outcome.expansionTasksCreated[0]?.taskId);
    expect(stored?.expansionSignals?.map((signal) => signal.kind)).toEqual([
      'seat_limit',
      'premium_features',
    ]);
  });

  test('unchanged signals write nothing', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { seats_used: '50' });
    await fixture.recompute([id]);
    const again = await fixture.recompute([id]);
    expect(again.written).toEqual([]);
    expect(again.unchanged).toEqual([id]);
    expect(again.expansionTasksCreated).toEqual([]);
    expect(tasksOf(fixture, id)).toHaveLength(1);
  });

  test('open task blocks a second one', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { seats_used: '50' });
    const first = await fixture.recompute([id]);
    const firstAt = property(fixture.portal, id, 'cs_expansion_signal_at');
    expect(first.expansionTasksCreated).toHaveLength(1);

    fixture.portal.updateObject('companies', id, { premium_features_used: '2' });
    const later = new Date(Date.now() + 1000);
    const gained = await fixture.recompute([id], 'webhook', later);
    expect(property(fixture.portal, id, 'cs_expansion_signals')).toBe(
      'seat_limit;premium_features',
    );
    expect(property(fixture.portal, id, 'cs_expansion_signal_at')).toBe(later.toISOString());
    expect(gained.expansionTasksCreated).toEqual([]);
    expect(tasksOf(fixture, id)).toHaveLength(1);

    // Losing a signal is no gain: the time stays and no task is owed.
    fixture.portal.updateObject('companies', id, { seats_used: '10' });
    const lost = await fixture.recompute([id], 'webhook', new Date(later.getTime() + 1000));
    expect(property(fixture.portal, id, 'cs_expansion_signals')).toBe('premium_features');
    expect(property(fixture.portal, id, 'cs_expansion_signal_at')).toBe(later.toISOString());
    expect(lost.expansionTasksCreated).toEqual([]);
    expect(firstAt).not.toBe(later.toISOString());

    // Once the task is completed, the next new signal creates another.
    const [taskId] = fixture.portal.associatedIds('companies', id, 'tasks');
    fixture.portal.updateObject('tasks', taskId!, { hs_task_status: 'COMPLETED' });
    fixture.portal.updateObject('companies', id, { seats_used: '49' });
    const regained = await fixture.recompute([id]);
    expect(regained.expansionTasksCreated).toHaveLength(1);
    expect(tasksOf(fixture, id)).toHaveLength(2);
  });

  test('no signals clear the property', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { premium_features_used: '5' });
    await fixture.recompute([id]);
    fixture.portal.updateObject('companies', id, { premium_features_used: '0' });
    const outcome = await fixture.recompute([id]);
    expect(outcome.written).toEqual([id]);
    expect(property(fixture.portal, id, 'cs_expansion_signals')).toBe('');
  });

  test('no task for a first backfill score', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { seats_used: '50' });
    const outcome = await fixture.recompute([id], 'backfill');
    expect(property(fixture.portal, id, 'cs_expansion_signals')).toBe('seat_limit');
    expect(property(fixture.portal, id, 'cs_expansion_signal_at')).not.toBe('');
    expect(outcome.expansionTasksCreated).toEqual([]);
    expect(tasksOf(fixture, id)).toEqual([]);

    // A signal gained after the backfill owes the task.
    fixture.portal.updateObject('companies', id, { premium_features_used: '4' });
    const next = await fixture.recompute([id]);
    expect(next.expansionTasksCreated).toHaveLength(1);
  });

  test('owner falls back to hubspot_owner_id', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { seats_used: '50', account_executive_owner_id: '' });
    await fixture.recompute([id]);
    const [task] = tasksOf(fixture, id);
    expect(task?.hubspot_owner_id).toBe(fixture.csmId);
  });

  test('owner property from the config', async () => {
    const { config } = parseScoreConfig({
      ...JSON.parse(JSON.stringify(DEFAULT_SCORE_CONFIG)),
      expansion: { ownerProperty: 'hubspot_owner_id' },
    });
    const fixture = await emptyPortal(config);
    const id = createCompany(fixture, { seats_used: '50' });
    await fixture.recompute([id]);
    const [task] = tasksOf(fixture, id);
    expect(task?.hubspot_owner_id).toBe(fixture.csmId);
  });

  test('team growth from seat history', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { seats_used: '20' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    fixture.portal.updateObject('companies', id, { seats_used: '30' });
    const [grown, base] = fixture.portal.propertyHistory('companies', id, 'seats_used');
    expect(base?.value).toBe('20');
    expect(grown?.value).toBe('30');

    // Thirty days after the first value, the baseline is 20 and the value now 30: 50% growth.
    const asOf = new Date(Date.parse(base!.timestamp) + 30 * DAY + 10);
    expect(asOf.getTime() - 30 * DAY).toBeLessThan(Date.parse(grown!.timestamp));
    await fixture.recompute([id], 'webhook', asOf);
    expect(property(fixture.portal, id, 'cs_expansion_signals')).toBe('team_growth');
    const [task] = tasksOf(fixture, id);
    expect(task?.hs_task_body).toContain('Team grew 50% in 30 days (seats_used from 20 to 30)');
  });
});

describe('expansionTaskText', () => {
  const signals = [
    { kind: 'seat_limit' as const, reason: 'Uses 50 of 50 licensed seats (100%)' },
    { kind: 'team_growth' as const, reason: 'Team grew 25% in 30 days (seats_used from 40 to 50)' },
  ];

  test('marks the new signals', () => {
    const text = expansionTaskText('Acme', '7', signals, ['team_growth']);
    expect(text.subject).toBe('Expansion opportunity at Acme: Team growth');
    expect(text.body).toBe(
      [
        'CS Health found signals that Acme may be ready to expand:',
        '- Near seat limit: Uses 50 of 50 licensed seats (100%)',
        '- Team growth (new): Team grew 25% in 30 days (seats_used from 40 to 50)',
      ].join('\n'),
    );
  });

  test('names a company without a name', () => {
    const text = expansionTaskText(' ', '7', signals, []);
    expect(text.subject).toBe('Expansion opportunity at Company 7: Near seat limit, Team growth');
  });
});
