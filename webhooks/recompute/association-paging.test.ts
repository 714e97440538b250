import type IORedis from 'ioredis';
import { startSandbox, type PortalHandle, type Sandbox } from '../../sandbox';
import { DEFAULT_SCORE_CONFIG } from '../../src/engine';
import { HubSpotApiError } from '../../src/hubspot/errors';
import { classifyJobError } from '../../src/hubspot/job-errors';
import type { PortalClient } from '../../src/hubspot/types';
import { provisionProperties } from '../../src/install/provision';
import type { Logger } from '../../src/log';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { startSandboxRuntime, waitFor } from '../queue/test-support/sandbox-runtime';
import { recomputeCompanies } from './index';
import { RecomputeStore } from './store';
import { connectSandboxPortal } from './testing/sandbox-portal';

/**
 * The recompute reads company → tickets with the v4 batch read, which pages per input. The
 * sandbox serves 100 associations per input here, so 250 tickets take three pages.
 */
const TIME_SCALE = 20;
const PAGE_SIZE = 100;
const TICKET_ASSOCIATIONS = 'POST /crm/v4/associations/companies/tickets/batch/read';
const configs = { get: async () => DEFAULT_SCORE_CONFIG };

let sandbox: Sandbox;
let redis: IORedis;

beforeAll(async () => {
  sandbox = await startSandbox({
    timeScale: TIME_SCALE,
    logger: false,
    associationBatchPageSize: PAGE_SIZE,
  });
  redis = testRedis();
});

afterAll(async () => {
  await sandbox.stop();
  await redis.quit();
});

/** Creates a company with 250 tickets, of which the first 40 are open (stage 1, New). */
function companyWith250Tickets(portal: PortalHandle): { companyId: string; ticketIds: string[] } {
  const companyId = portal.createObject('companies', {
    name: 'Big Account',
    usage_events_7d: '400',
    licensed_seats: '10',
  });
  const ticketIds = Array.from({ length: 250 }, (_, index) =>
    portal.createObject(
      'tickets',
      {
        subject: `Ticket ${index}`,
        hs_pipeline: '0',
        hs_pipeline_stage: index < 40 ? '1' : '4',
        hs_ticket_priority: 'MEDIUM',
      },
      [{ toType: 'companies', toId: companyId }],
    ),
  );
  return { companyId, ticketIds };
}

async function connectedPortal(): Promise<{
  portal: PortalHandle;
  client: PortalClient;
  logger: Logger;
  store: RecomputeStore;
}> {
  const portal = await sandbox.createPortal({ seed: 'empty' });
  const prefix = uniquePrefix('association-paging');
  const { client, logger } = await connectSandboxPortal({
    sandbox,
    portal,
    redis,
    prefix,
    timeScale: TIME_SCALE,
  });
  await provisionProperties(client, logger);
  return { portal, client, logger, store: new RecomputeStore(redis, prefix) };
}

describe('company tickets across association pages', () => {
  test('250 tickets give 40 open', async () => {
    const { portal, client, logger, store } = await connectedPortal();
    const { companyId, ticketIds } = companyWith250Tickets(portal);
    sandbox.resetCounts();

    const outcome = await recomputeCompanies({
      portalId: portal.id,
      client,
      companyIds: [companyId],
      reason: 'backfill',
      now: new Date(),
      logger,
      store,
      configs,
    });

    expect(outcome.computed).toEqual([companyId]);
    expect(outcome.failed).toEqual([]);
    // Pages of 100, 100 and 50; the last page has no paging cursor, so the loop stops there.
    expect(sandbox.requestCountsByPortal(portal.id)[TICKET_ASSOCIATIONS]).toBe(3);
    const stored = await store.getResult(portal.id, companyId);
    expect(new Set(stored?.ticketIds)).toEqual(new Set(ticketIds));
    expect(stored?.ticketIds).toHaveLength(250);
    const openTickets = stored?.result.breakdown.find(
      (metric) => metric.metricId === 'open_tickets',
    );
    expect(openTickets?.raw).toBe(40);
  });

  test('repeated cursor fails after one repeat', async () => {
    const { portal, client, logger, store } = await connectedPortal();
    const { companyId } = companyWith250Tickets(portal);
    sandbox.setFaults({ repeatAssociationCursor: true }, portal.id);
    sandbox.resetCounts();
    try {
      const run = recomputeCompanies({
        portalId: portal.id,
        client,
        companyIds: [companyId],
        reason: 'backfill',
        now: new Date(),
        logger,
        store,
        configs,
      });
      const error = await run.then(
        () => undefined,
        (rejection: unknown) => rejection,
      );

      expect(error).toBeInstanceOf(HubSpotApiError);
      const apiError = error as HubSpotApiError;
      expect(apiError.category).toBe('REPEATED_PAGING_CURSOR');
      expect(apiError.retryable).toBe(false);
      expect(apiError.message).toContain('"MTAw" twice');
      expect(apiError.message).toContain(`record ${companyId}`);
      expect(classifyJobError(apiError).kind).toBe('unrecoverable');
      // The first page hands out MTAw, the second hands it out again, and the read stops.
      expect(sandbox.requestCountsByPortal(portal.id)[TICKET_ASSOCIATIONS]).toBe(2);
      expect(await store.getResult(portal.id, companyId)).toBeUndefined();
    } finally {
      sandbox.clearFaults();
    }
  });

  test('repeated cursor fails the queue job once', async () => {
    const portal = await sandbox.createPortal({ seed: 'empty' });
    const { companyId } = companyWith250Tickets(portal);
    const runtime = await startSandboxRuntime({ sandbox, portal, timeScale: TIME_SCALE });
    sandbox.setFaults({ repeatAssociationCursor: true }, portal.id);
    try {
      await runtime.queue.markCompanies(portal.id, [companyId], 'webhook');
      await waitFor(
        async () => (await runtime.queue.queue.getJobCountByTypes('failed')) === 1,
        15_000,
        'the recompute job to fail',
      );
      const [failed] = await runtime.queue.queue.getJobs(['failed']);
      expect(failed?.attemptsMade).toBe(1);
      expect(failed?.failedReason).toContain('paging cursor "MTAw" twice');
      await waitFor(
        async () => (await runtime.store.failedCompanies(portal.id)).has(companyId),
        5000,
        'the failed job to record its company',
      );
      expect(sandbox.requestCountsByPortal(portal.id)[TICKET_ASSOCIATIONS]).toBe(2);
    } finally {
      sandbox.clearFaults();
      await runtime.close();
    }
  });
});
