import type IORedis from 'ioredis';
import { startSandbox, type PortalHandle, type Sandbox } from '../../sandbox';
import { defaultTicketPipeline } from '../../sandbox/store/pipelines';
import { compareWithSandbox } from '../../src/demo/expected';
import { DEFAULT_SCORE_CONFIG } from '../../src/engine';
import type { PortalClient } from '../../src/hubspot/types';
import { provisionProperties } from '../../src/install/provision';
import type { Logger } from '../../src/log';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { recomputeCompanies, resolveObjectRefs } from './index';
import { CallCounter } from './read';
import { RecomputeStore } from './store';
import { connectSandboxPortal } from './testing/sandbox-portal';
import type { RecomputeOutcome, RecomputeReason } from './types';
import { writeCompanyUpdates } from './write';

const DAY = 86_400_000;
const TIME_SCALE = 20;
const CLOSED_STAGES = new Set(
  defaultTicketPipeline('')
    .stages.filter((stage) => stage.metadata.isClosed === 'true')
    .map((stage) => stage.id),
);
const configs = { get: async () => DEFAULT_SCORE_CONFIG };

interface Fixture {
  portal: PortalHandle;
  client: PortalClient;
  logger: Logger;
  store: RecomputeStore;
  ownerId: string;
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

async function emptyPortal(): Promise<Fixture> {
  const portal = await sandbox.createPortal({ seed: 'empty' });
  const prefix = uniquePrefix('recompute');
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
  const ownerId = owners.results[0]?.id;
  if (!ownerId) throw new Error('the empty sandbox portal has no owners');
  const store = new RecomputeStore(redis, prefix);
  return {
    portal,
    client,
    logger,
    store,
    ownerId,
    recompute: (ids, reason = 'webhook', now = new Date()) =>
      recomputeCompanies({
        portalId: portal.id,
        client,
        companyIds: ids,
        reason,
        now,
        logger,
        store,
        configs,
      }),
  };
}

/** Creates a company with usage, an NPS response, tickets and a last contact in the sandbox. */
function createCompany(
  fixture: Fixture,
  data: {
    usage: number;
    seats: number;
    nps?: number;
    openTickets?: number;
    contactDaysAgo?: number;
  },
): string {
  const { portal } = fixture;
  const now = Date.now();
  const companyId = portal.createObject('companies', {
    name: `Company ${Math.random().toString(36).slice(2, 8)}`,
    usage_events_7d: String(data.usage),
    licensed_seats: String(data.seats),
    hubspot_owner_id: fixture.ownerId,
  });
  const contactId = portal.createObject('contacts', { email: `${companyId}@example.test` }, [
    { toType: 'companies', toId: companyId },
  ]);
  if (data.nps !== undefined) {
    portal.createObject(
      'feedback_submissions',
      {
        hs_survey_type: 'NPS',
        hs_value: String(data.nps),
        hs_submission_timestamp: new Date(now - 10 * DAY).toISOString(),
      },
      [{ toType: 'contacts', toId: contactId }],
    );
  }
  for (let i = 0; i < (data.openTickets ?? 0); i += 1) {
    portal.createObject(
      'tickets',
      {
        subject: `Ticket ${i}`,
        hs_pipeline: '0',
        hs_pipeline_stage: '1',
        hs_ticket_priority: 'HIGH',
      },
      [{ toType: 'companies', toId: companyId }],
    );
  }
  if (data.contactDaysAgo !== undefined) {
    portal.createObject(
      'notes',
      {
        hs_timestamp: new Date(now - data.contactDaysAgo * DAY).toISOString(),
        hs_note_body: 'Call',
      },
      [{ toType: 'companies', toId: companyId }],
    );
  }
  return companyId;
}

const HEALTHY = { usage: 400, seats: 10, nps: 10, openTickets: 0, contactDaysAgo: 2 };
const AT_RISK = { usage: 0, seats: 10, nps: 2, openTickets: 5, contactDaysAgo: 120 };

/** Reads a company property as the sandbox stores it; unset and cleared both read as "". */
function property(portal: PortalHandle, companyId: string, name: string): string {
  return portal.getObject('companies', companyId)?.properties[name] ?? '';
}

describe('recomputeCompanies', () => {
  test('writes what the data gives', async () => {
    const fixture = await emptyPortal();
    const ids = [
      createCompany(fixture, HEALTHY),
      createCompany(fixture, AT_RISK),
      createCompany(fixture, { usage: 15, seats: 10, openTickets: 2, contactDaysAgo: 45 }),
    ];
    const now = new Date();
    const outcome = await fixture.recompute(ids, 'webhook', now);

    expect(outcome.computed.sort()).toEqual([...ids].sort());
    expect(outcome.written.sort()).toEqual([...ids].sort());
    expect(outcome.failed).toEqual([]);
    for (const id of ids) {
      const check = compareWithSandbox(
        fixture.portal,
        id,
        DEFAULT_SCORE_CONFIG,
        CLOSED_STAGES,
        now,
      );
      expect(check.mismatches).toEqual([]);
      expect(property(fixture.portal, id, 'cs_health_workspace')).toBe('default');
      expect(property(fixture.portal, id, 'cs_health_config_version')).toBe('1');
      expect(property(fixture.portal, id, 'cs_health_computed_at')).toBe(now.toISOString());
      expect(property(fixture.portal, id, 'cs_health_status_changed_at')).toBe(now.toISOString());
    }
    expect(property(fixture.portal, ids[0]!, 'cs_health_status')).toBe('healthy');
    expect(property(fixture.portal, ids[1]!, 'cs_health_status')).toBe('at_risk');
  });

  test('reads with the fewest requests', async () => {
    const fixture = await emptyPortal();
    const ids = Array.from({ length: 12 }, (_, i) =>
      createCompany(fixture, {
        usage: i * 10,
        seats: 10,
        nps: i % 11,
        openTickets: i % 3,
        contactDaysAgo: i * 7,
      }),
    );
    // The first run reads the ticket pipelines, which the gateway then caches.
    await fixture.recompute(ids.slice(1, 2));
    sandbox.resetCounts();
    // Backfill, so no company owes an At-risk task on its first score.
    await fixture.recompute(ids, 'backfill');
    const counts = sandbox.requestCountsByPortal(fixture.portal.id);
    expect(counts).toEqual({
      total: 7,
      'POST /crm/v3/objects/companies/batch/read': 1,
      'POST /crm/v4/associations/companies/tickets/batch/read': 1,
      'POST /crm/v4/associations/companies/contacts/batch/read': 1,
      'POST /crm/v4/associations/contacts/feedback_submissions/batch/read': 1,
      'POST /crm/v3/objects/tickets/batch/read': 1,
      'POST /crm/v3/objects/feedback_submissions/batch/read': 1,
      'POST /crm/v3/objects/companies/batch/update': 1,
    });
  });

  test('second run writes nothing', async () => {
    const fixture = await emptyPortal();
    const ids = [createCompany(fixture, HEALTHY), createCompany(fixture, AT_RISK)];
    await fixture.recompute(ids);
    const computedAt = property(fixture.portal, ids[0]!, 'cs_health_computed_at');
    sandbox.resetCounts();
    const outcome = await fixture.recompute(ids, 'webhook', new Date(Date.now() + 60_000));
    expect(outcome.written).toEqual([]);
    expect(outcome.unchanged.sort()).toEqual([...ids].sort());
    expect(
      sandbox.requestCountsByPortal(fixture.portal.id)[
        'POST /crm/v3/objects/companies/batch/update'
      ],
    ).toBe(undefined);
    expect(property(fixture.portal, ids[0]!, 'cs_health_computed_at')).toBe(computedAt);
  });

  test('computed_at alone is written after a day', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, HEALTHY);
    const first = new Date();
    await fixture.recompute([id], 'webhook', first);
    // The contact was 2 days ago, so a day later nothing visible has changed yet.
    const later = new Date(first.getTime() + DAY + 1000);
    const outcome = await fixture.recompute([id], 'sweep', later);
    expect(outcome.written).toEqual([id]);
    expect(property(fixture.portal, id, 'cs_health_computed_at')).toBe(later.toISOString());
    expect(property(fixture.portal, id, 'cs_health_status_changed_at')).toBe(first.toISOString());
  });

  test('stale values are cleared with empty strings', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, HEALTHY);
    fixture.portal.updateObject('companies', id, {
      cs_health_score_change_7d: '5',
      cs_health_score_change_30d: '-12',
      cs_health_drivers: '3 open P1 tickets',
    });
    await fixture.recompute([id]);
    // The sandbox treats null as "no change", so these are only empty if "" was sent.
    expect(property(fixture.portal, id, 'cs_health_score_change_7d')).toBe('');
    expect(property(fixture.portal, id, 'cs_health_score_change_30d')).toBe('');
    expect(property(fixture.portal, id, 'cs_health_previous_status')).toBe('');
    const history = fixture.portal.propertyHistory('companies', id, 'cs_health_score_change_7d');
    expect(history[0]?.value).toBe('');
    expect(history[0]?.sourceType).toBe('API');
    expect(property(fixture.portal, id, 'cs_health_drivers')).not.toContain('P1');
  });

  test('status change writes previous status', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, HEALTHY);
    await fixture.recompute([id]);
    expect(property(fixture.portal, id, 'cs_health_status')).toBe('healthy');

    fixture.portal.updateObject('companies', id, { usage_events_7d: '0' });
    const changedAt = new Date(Date.now() + 1000);
    const outcome = await fixture.recompute([id], 'webhook', changedAt);
    expect(property(fixture.portal, id, 'cs_health_status')).toBe('needs_attention');
    expect(property(fixture.portal, id, 'cs_health_previous_status')).toBe('healthy');
    expect(property(fixture.portal, id, 'cs_health_status_changed_at')).toBe(
      changedAt.toISOString(),
    );
    expect(outcome.statusChanges).toEqual([id]);
    // Status, previous status and change time arrive in one write, so a workflow reads all three.
    const statusWrite = fixture.portal.propertyHistory('companies', id, 'cs_health_status')[0];
    const previousWrite = fixture.portal.propertyHistory(
      'companies',
      id,
      'cs_health_previous_status',
    )[0];
    expect(previousWrite?.timestamp).toBe(statusWrite?.timestamp);
  });

  test('deleted company is dropped', async () => {
    const fixture = await emptyPortal();
    const keptId = createCompany(fixture, HEALTHY);
    const deletedId = createCompany(fixture, HEALTHY);
    await fixture.recompute([keptId, deletedId]);
    fixture.portal.deleteObject('companies', deletedId);
    const outcome = await fixture.recompute([keptId, deletedId]);
    expect(outcome.missing).toEqual([deletedId]);
    expect(await fixture.store.getResult(fixture.portal.id, deletedId)).toBeUndefined();
    expect(await fixture.store.getResult(fixture.portal.id, keptId)).toBeDefined();
  });
});

describe('At-risk tasks', () => {
  function openTasksOf(fixture: Fixture, companyId: string): string[] {
    return fixture.portal
      .associatedIds('companies', companyId, 'tasks')
      .filter(
        (taskId) =>
          fixture.portal.getObject('tasks', taskId)?.properties.hs_task_status !== 'COMPLETED',
      );
  }

  /** Closes every ticket and restores usage, so the company scores healthy. */
  function makeHealthy(fixture: Fixture, companyId: string): void {
    fixture.portal.updateObject('companies', companyId, { usage_events_7d: '400' });
    for (const ticketId of fixture.portal.associatedIds('companies', companyId, 'tickets')) {
      fixture.portal.updateObject('tickets', ticketId, { hs_pipeline_stage: '4' });
    }
  }

  /** Drops usage to zero and opens five urgent tickets, so the company scores At risk. */
  function makeAtRisk(fixture: Fixture, companyId: string): void {
    fixture.portal.updateObject('companies', companyId, { usage_events_7d: '0' });
    for (let i = 0; i < 5; i += 1) {
      fixture.portal.createObject(
        'tickets',
        {
          subject: `Outage ${i}`,
          hs_pipeline: '0',
          hs_pipeline_stage: '1',
          hs_ticket_priority: 'URGENT',
        },
        [{ toType: 'companies', toId: companyId }],
      );
    }
  }

  test('one task when turning at risk', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, HEALTHY);
    await fixture.recompute([id]);
    makeAtRisk(fixture, id);
    const now = new Date();
    const outcome = await fixture.recompute([id], 'webhook', now);
    expect(property(fixture.portal, id, 'cs_health_status')).toBe('at_risk');
    expect(outcome.tasksCreated).toHaveLength(1);

    const [taskId] = openTasksOf(fixture, id);
    expect(taskId).toBe(outcome.tasksCreated[0]?.taskId);
    const task = fixture.portal.getObject('tasks', taskId!)!.properties;
    expect(task.hubspot_owner_id).toBe(fixture.ownerId);
    expect(task.hs_task_priority).toBe('HIGH');
    for (const driver of property(fixture.portal, id, 'cs_health_drivers').split('\n')) {
      expect(task.hs_task_body).toContain(driver);
    }
    // The last contact was 2 days ago, so the next one is due in 28 days, at 09:00 New York time.
    const due = new Date(task.hs_timestamp!);
    expect(due.getTime()).toBeGreaterThan(now.getTime() + 26 * DAY);
    expect(due.getTime()).toBeLessThan(now.getTime() + 30 * DAY);
  });

  test('open task blocks a second one', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, HEALTHY);
    await fixture.recompute([id]);
    makeAtRisk(fixture, id);
    const first = await fixture.recompute([id]);
    const taskId = first.tasksCreated[0]?.taskId;
    expect(taskId).toBeDefined();

    makeHealthy(fixture, id);
    await fixture.recompute([id]);
    expect(property(fixture.portal, id, 'cs_health_status')).toBe('healthy');
    makeAtRisk(fixture, id);
    const again = await fixture.recompute([id]);
    expect(property(fixture.portal, id, 'cs_health_status')).toBe('at_risk');
    expect(again.tasksCreated).toEqual([]);
    expect(openTasksOf(fixture, id)).toEqual([taskId]);

    // Once the CSM completes it, the next turn into At risk creates a new task.
    fixture.portal.updateObject('tasks', taskId!, { hs_task_status: 'COMPLETED' });
    makeHealthy(fixture, id);
    await fixture.recompute([id]);
    makeAtRisk(fixture, id);
    const third = await fixture.recompute([id]);
    expect(third.tasksCreated).toHaveLength(1);
    expect(openTasksOf(fixture, id)).toEqual([third.tasksCreated[0]?.taskId]);
  });

  test('no task for a first backfill score', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, AT_RISK);
    const outcome = await fixture.recompute([id], 'backfill');
    expect(property(fixture.portal, id, 'cs_health_status')).toBe('at_risk');
    expect(outcome.tasksCreated).toEqual([]);
    expect(fixture.portal.associatedIds('companies', id, 'tasks')).toEqual([]);
  });
});

describe('batch writes', () => {
  test('invalid inputs split out of the batch', async () => {
    const fixture = await emptyPortal();
    const [a, b, c] = [
      createCompany(fixture, HEALTHY),
      createCompany(fixture, HEALTHY),
      createCompany(fixture, HEALTHY),
    ];
    sandbox.resetCounts();
    const result = await writeCompanyUpdates(
      fixture.client,
      [
        // String((0.1 + 0.2) - 0.3) is exponent notation, which HubSpot rejects as INVALID_INTEGER.
        { id: a!, properties: { cs_health_score: String(0.1 + 0.2 - 0.3) } },
        // A label where HubSpot wants the option's internal value: INVALID_OPTION.
        { id: b!, properties: { cs_health_status: 'At Risk' } },
        { id: c!, properties: { cs_health_score: '72', cs_health_status: 'healthy' } },
      ],
      new CallCounter(),
      fixture.logger,
    );
    expect(result.updated).toEqual([c]);
    expect(result.failed.map((failure) => failure.companyId).sort()).toEqual([a, b].sort());
    expect(result.failed.every((failure) => failure.category === 'VALIDATION_ERROR')).toBe(true);
    expect(property(fixture.portal, c!, 'cs_health_score')).toBe('72');
    expect(property(fixture.portal, a!, 'cs_health_score')).toBe('');
    // [a, b, c] is rejected, then [a, b] is rejected and [c] lands, then [a] and [b] alone fail.
    expect(
      sandbox.requestCountsByPortal(fixture.portal.id)[
        'POST /crm/v3/objects/companies/batch/update'
      ],
    ).toBe(5);
  });

  test('207 failures recorded, not retried', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, HEALTHY);
    sandbox.resetCounts();
    const result = await writeCompanyUpdates(
      fixture.client,
      [
        { id, properties: { cs_health_score: '80' } },
        { id: '990000001', properties: { cs_health_score: '10' } },
      ],
      new CallCounter(),
      fixture.logger,
    );
    expect(result.updated).toEqual([id]);
    expect(result.failed.map((failure) => failure.companyId)).toEqual(['990000001']);
    expect(property(fixture.portal, id, 'cs_health_score')).toBe('80');
    expect(
      sandbox.requestCountsByPortal(fixture.portal.id)[
        'POST /crm/v3/objects/companies/batch/update'
      ],
    ).toBe(1);
  });

  test('rejected company reported alone', async () => {
    const fixture = await emptyPortal();
    const healthy = createCompany(fixture, HEALTHY);
    const middling = createCompany(fixture, {
      usage: 15,
      seats: 10,
      nps: 7,
      openTickets: 1,
      contactDaysAgo: 40,
    });
    const atRisk = createCompany(fixture, AT_RISK);
    // An admin removed the needs_attention option from the status property in HubSpot.
    await fixture.client.call('properties.update', 'general', (api) =>
      api.crm.properties.coreApi.update('companies', 'cs_health_status', {
        options: [
          { label: 'Healthy', value: 'healthy', displayOrder: 0, hidden: false },
          { label: 'At risk', value: 'at_risk', displayOrder: 2, hidden: false },
        ],
      }),
    );
    const outcome = await fixture.recompute([healthy, middling, atRisk]);
    expect(outcome.written.sort()).toEqual([healthy, atRisk].sort());
    expect(outcome.failed.map((failure) => failure.companyId)).toEqual([middling]);
    expect(outcome.failed[0]?.category).toBe('VALIDATION_ERROR');
    expect(property(fixture.portal, healthy, 'cs_health_status')).toBe('healthy');
    expect(property(fixture.portal, middling, 'cs_health_score')).toBe('');
    expect((await fixture.store.failedCompanies(fixture.portal.id)).has(middling)).toBe(true);
    expect(await fixture.store.getResult(fixture.portal.id, middling)).toBeUndefined();
  });
});

describe('record cache', () => {
  test('closed tickets read once', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { ...HEALTHY, openTickets: 3 });
    const [closed] = fixture.portal.associatedIds('companies', id, 'tickets');
    fixture.portal.updateObject('tickets', closed!, { hs_pipeline_stage: '4' });
    await fixture.recompute([id]);
    sandbox.resetCounts();
    fixture.portal.updateObject('companies', id, { usage_events_7d: '300' });
    await fixture.recompute([id]);
    const counts = sandbox.requestCountsByPortal(fixture.portal.id);
    // The two open tickets are read again; the closed one and the feedback come from the cache.
    expect(counts['POST /crm/v3/objects/tickets/batch/read']).toBe(1);
    expect(counts['POST /crm/v3/objects/feedback_submissions/batch/read']).toBeUndefined();
    const check = compareWithSandbox(
      fixture.portal,
      id,
      DEFAULT_SCORE_CONFIG,
      CLOSED_STAGES,
      new Date(),
    );
    expect(check.mismatches).toEqual([]);
  });

  test('reopened ticket read fresh after its webhook', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { ...HEALTHY, openTickets: 1 });
    const [ticketId] = fixture.portal.associatedIds('companies', id, 'tickets');
    fixture.portal.updateObject('tickets', ticketId!, { hs_pipeline_stage: '4' });
    await fixture.recompute([id]);
    expect(property(fixture.portal, id, 'cs_health_drivers')).toContain('No open tickets');

    fixture.portal.updateObject('tickets', ticketId!, { hs_pipeline_stage: '1', closed_date: '' });
    // The ticket's propertyChange webhook becomes this ref, which resolves to the company.
    const resolved = await resolveObjectRefs(
      {
        portalId: fixture.portal.id,
        client: fixture.client,
        store: fixture.store,
        logger: fixture.logger,
      },
      [{ objectType: 'tickets', objectId: ticketId!, deleted: false }],
    );
    expect(resolved.companyIds).toEqual([id]);
    const now = new Date();
    await fixture.recompute(resolved.companyIds, 'webhook', now);
    const check = compareWithSandbox(fixture.portal, id, DEFAULT_SCORE_CONFIG, CLOSED_STAGES, now);
    expect(check.mismatches).toEqual([]);
    expect(property(fixture.portal, id, 'cs_health_drivers')).not.toContain('No open tickets');
  });
});

describe('resolveObjectRefs', () => {
  test('tickets and feedback to companies', async () => {
    const fixture = await emptyPortal();
    const first = createCompany(fixture, { ...HEALTHY, openTickets: 1 });
    const second = createCompany(fixture, HEALTHY);
    await fixture.recompute([first, second]);
    const [ticketId] = fixture.portal.associatedIds('companies', first, 'tickets');
    const [contactId] = fixture.portal.associatedIds('companies', second, 'contacts');
    const [feedbackId] = fixture.portal.associatedIds(
      'contacts',
      contactId!,
      'feedback_submissions',
    );

    const resolved = await resolveObjectRefs(
      {
        portalId: fixture.portal.id,
        client: fixture.client,
        store: fixture.store,
        logger: fixture.logger,
      },
      [
        { objectType: 'tickets', objectId: ticketId!, deleted: false },
        { objectType: 'feedback_submissions', objectId: feedbackId!, deleted: false },
      ],
    );
    expect(resolved.companyIds.sort()).toEqual([first, second].sort());
  });

  test('deleted ticket via reverse index', async () => {
    const fixture = await emptyPortal();
    const id = createCompany(fixture, { ...HEALTHY, openTickets: 1 });
    await fixture.recompute([id]);
    const [ticketId] = fixture.portal.associatedIds('companies', id, 'tickets');
    fixture.portal.deleteObject('tickets', ticketId!);
    sandbox.resetCounts();
    const resolved = await resolveObjectRefs(
      {
        portalId: fixture.portal.id,
        client: fixture.client,
        store: fixture.store,
        logger: fixture.logger,
      },
      [{ objectType: 'tickets', objectId: ticketId!, deleted: true }],
    );
    expect(resolved.companyIds).toEqual([id]);
    expect(sandbox.requestCountsByPortal(fixture.portal.id).total ?? 0).toBe(0);
  });
});
