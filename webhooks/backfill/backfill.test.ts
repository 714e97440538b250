import type IORedis from 'ioredis';
import { startSandbox, type PortalHandle, type Sandbox } from '../../sandbox';
import type { ScoreResult } from '../../src/engine';
import type { PortalClient, SearchRequest } from '../../src/hubspot/types';
import type { Logger } from '../../src/log';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { DirtyMarks } from '../queue/marks';
import type { MarkReason } from '../queue/types';
import { RecomputeStore } from '../recompute/store';
import { connectSandboxPortal } from '../recompute/testing/sandbox-portal';
import {
  ProgressStore,
  SEARCH_LAG_MS,
  nightlySweepRepeat,
  runFullScoring,
  runIncrementalSweep,
  type SweepDeps,
} from './index';

const DAY = 86_400_000;
const TIME_SCALE = 20;
const SEARCH_ROUTE = 'POST /crm/v3/objects/companies/search';

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

interface Fixture {
  portal: PortalHandle;
  deps: SweepDeps;
  marks: DirtyMarks;
  store: RecomputeStore;
  progress: ProgressStore;
  /** Every id passed to `mark`, in order, with its reason. */
  marked: { id: string; reason: MarkReason }[];
  /** Every search body the gateway was given. */
  searches: SearchRequest[];
}

async function portalWith(companies: number, now?: () => Date): Promise<Fixture> {
  const portal = await sandbox.createPortal({ seed: 'empty' });
  for (let i = 0; i < companies; i += 1) portal.createObject('companies', { name: `Company ${i}` });
  const prefix = uniquePrefix('backfill');
  const connected = await connectSandboxPortal({
    sandbox,
    portal,
    redis,
    prefix,
    timeScale: TIME_SCALE,
  });
  const searches: SearchRequest[] = [];
  // The real gateway client, with each search body recorded on its way through.
  const client: PortalClient = Object.create(connected.client) as PortalClient;
  client.searchCompanies = (body) => {
    searches.push(structuredClone(body));
    return connected.client.searchCompanies(body);
  };
  const store = new RecomputeStore(redis, prefix);
  const progress = new ProgressStore(redis, prefix, store);
  const marks = new DirtyMarks(redis, prefix);
  const marked: Fixture['marked'] = [];
  const logger: Logger = connected.logger;
  const deps: SweepDeps = {
    client,
    redis,
    prefix,
    store,
    progress,
    logger,
    mark: async (portalId, companyIds, reason) => {
      for (const id of companyIds) marked.push({ id, reason });
      await marks.mark(
        [{ portalId, companies: companyIds, objectRefs: [], droppedCompanies: [] }],
        reason,
      );
    },
    ...(now ? { now } : {}),
  };
  return { portal, deps, marks, store, progress, marked, searches };
}

describe('runFullScoring', () => {
  test('lists 12,345 companies once each', async () => {
    const fixture = await portalWith(12_345);
    sandbox.resetCounts();
    const result = await runFullScoring(fixture.deps, fixture.portal.id, 'install');

    const all = fixture.portal.listObjects('companies').map((company) => company.id);
    const ids = fixture.marked.map((entry) => entry.id);
    expect(result.listed).toBe(12_345);
    expect(ids).toHaveLength(12_345);
    expect(new Set(ids).size).toBe(12_345);
    expect([...ids].sort()).toEqual([...all].sort());
    expect(fixture.marked.every((entry) => entry.reason === 'backfill')).toBe(true);

    // 61 full pages of 200 and one of 145; a 429 retry would add requests.
    expect(result.searches).toBe(62);
    expect(sandbox.requestCountsByPortal(fixture.portal.id)[SEARCH_ROUTE]).toBe(62);
    expect(fixture.searches.every((body) => body.after === undefined)).toBe(true);
    expect(fixture.searches.every((body) => body.limit === 200)).toBe(true);
    expect(fixture.searches[0]?.sorts).toEqual([
      { propertyName: 'hs_object_id', direction: 'ASCENDING' },
    ]);

    const [depth] = (await fixture.marks.depths()).filter(
      (entry) => entry.portalId === fixture.portal.id,
    );
    expect(depth?.cold).toBe(12_345);
    expect(depth?.hot).toBe(0);
  });

  test('progress counts scored companies', async () => {
    const fixture = await portalWith(5);
    await runFullScoring(fixture.deps, fixture.portal.id, 'install');
    let progress = await fixture.progress.read(fixture.portal.id);
    expect(progress?.state).toBe('scoring');
    expect(progress?.total).toBe(5);
    expect(progress?.done).toBe(0);

    const ids = fixture.portal.listObjects('companies').map((company) => company.id);
    const later = Date.now() + 1000;
    await fixture.store.saveResults(
      fixture.portal.id,
      ids.slice(0, 4).map((companyId) => storedResult(companyId, later)),
      new Map(),
    );
    await fixture.store.recordFailures(
      fixture.portal.id,
      [{ companyId: ids[4]!, message: 'rejected', category: 'VALIDATION_ERROR' }],
      new Date(later),
    );
    progress = await fixture.progress.read(fixture.portal.id);
    expect(progress?.state).toBe('done');
    expect(progress?.done).toBe(4);
    expect(progress?.failed).toBe(1);
    expect(await redis.hget(fixture.progress.key(fixture.portal.id), 'state')).toBe('done');
  });

  test('nightly sweep adds stale and failed', async () => {
    const fixture = await portalWith(10);
    const ids = fixture.portal.listObjects('companies').map((company) => company.id);
    const now = new Date();
    await fixture.store.saveResults(
      fixture.portal.id,
      [
        storedResult(ids[0]!, now.getTime() - 2 * DAY),
        storedResult('990000001', now.getTime() - 2 * DAY),
      ],
      new Map(),
    );
    await fixture.store.recordFailures(
      fixture.portal.id,
      [{ companyId: '990000002', message: 'job failed', category: 'JOB_FAILED' }],
      now,
    );
    const result = await runFullScoring(fixture.deps, fixture.portal.id, 'nightly');
    expect(result.requeued).toBe(2);
    expect(result.listed).toBe(12);
    const marked = fixture.marked.map((entry) => entry.id);
    expect(new Set(marked)).toEqual(new Set([...ids, '990000001', '990000002']));
    expect(fixture.marked.every((entry) => entry.reason === 'sweep')).toBe(true);
  });
});

describe('runIncrementalSweep', () => {
  test('marks companies modified since', async () => {
    let clock = Date.now() + SEARCH_LAG_MS + 1000;
    const fixture = await portalWith(20, () => new Date(clock));
    // The first sweep only records its time; the next one looks back SEARCH_LAG_MS before it,
    // which is one second after now.
    const first = await runIncrementalSweep(fixture.deps, fixture.portal.id);
    expect(first.marked).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const ids = fixture.portal.listObjects('companies').map((company) => company.id);
    const changed = [ids[3]!, ids[11]!, ids[17]!];
    for (const id of changed)
      fixture.portal.updateObject('companies', id, { usage_events_7d: '42' });
    clock += 60_000;
    const second = await runIncrementalSweep(fixture.deps, fixture.portal.id);
    expect(second.marked).toBe(3);
    expect(fixture.marked.map((entry) => entry.id).sort()).toEqual([...changed].sort());
    expect(fixture.marked.every((entry) => entry.reason === 'sweep')).toBe(true);
    const filters = fixture.searches.at(-1)?.filterGroups?.[0]?.filters ?? [];
    expect(filters).toContainEqual({
      propertyName: 'hs_lastmodifieddate',
      operator: 'GTE',
      value: String(clock - 60_000 - SEARCH_LAG_MS),
    });
  });
});

describe('nightlySweepRepeat', () => {
  test('cron at the hour in the zone', () => {
    expect(nightlySweepRepeat('Europe/Berlin')).toEqual({
      pattern: '0 2 * * *',
      tz: 'Europe/Berlin',
    });
    expect(nightlySweepRepeat('America/New_York', 23)).toEqual({
      pattern: '0 23 * * *',
      tz: 'America/New_York',
    });
    expect(() => nightlySweepRepeat('UTC', 24)).toThrow(
      'nightly sweep hour must be an integer from 0 to 23, got 24',
    );
  });
});

function storedResult(companyId: string, computedAt: number) {
  return {
    companyId,
    score: 50,
    status: 'needs_attention' as const,
    computedAt,
    workspace: 'default',
    configVersion: 1,
    result: { score: 50, status: 'needs_attention' } as ScoreResult,
    history: [],
    ticketIds: [],
    contactIds: [],
    feedbackIds: [],
  };
}
