import type IORedis from 'ioredis';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { DirtyMarks, type ScheduleAction } from './marks';
import type { PortalMarks } from './types';

const PORTAL = 1234567;

function marks(companies: string[], extra: Partial<PortalMarks> = {}): PortalMarks {
  return { portalId: PORTAL, companies, objectRefs: [], droppedCompanies: [], ...extra };
}

/** Returns the job an `add` action names; fails the test for any other action. */
function added(action: ScheduleAction | undefined): { jobId: string; workClass: string } {
  expect(action?.action).toBe('add');
  return action?.action === 'add' ? action : { jobId: '', workClass: '' };
}

describe('dirty marks', () => {
  let redis: IORedis;
  let dirty: DirtyMarks;

  beforeEach(() => {
    redis = testRedis();
    dirty = new DirtyMarks(redis, uniquePrefix('marks'));
  });

  afterEach(async () => {
    await redis.quit();
  });

  test('first mark names a job, later marks do not', async () => {
    const first = added((await dirty.mark([marks(['42'])], 'webhook'))[0]);
    const [second] = await dirty.mark([marks(['42', '77'])], 'webhook');
    expect(first.workClass).toBe('hot');
    expect(second?.action).toBe('none');
    const [depth] = await dirty.depths();
    expect(depth?.hot).toBe(2);
    expect(depth?.jobId).toBe(first.jobId);
  });

  test('job ids differ across runs', async () => {
    const firstId = added((await dirty.mark([marks(['42'])], 'webhook'))[0]).jobId;
    expect(await dirty.begin(PORTAL, firstId)).toBe(true);
    await dirty.claimCompanies(PORTAL, firstId, 100);
    expect((await dirty.finish(PORTAL, firstId)).kind).toBe('done');
    const again = added((await dirty.mark([marks(['42'])], 'webhook'))[0]);
    expect(again.jobId).not.toBe(firstId);
  });

  test('a stale job claims nothing', async () => {
    const [first] = await dirty.mark([marks(['42'])], 'webhook');
    expect(first?.action).toBe('add');
    expect(await dirty.begin(PORTAL, 'rc-1234567-0-0')).toBe(false);
    expect(await dirty.claimCompanies(PORTAL, 'rc-1234567-0-0', 100)).toBeUndefined();
    expect((await dirty.depths())[0]?.hot).toBe(1);
  });

  test('mark during a run gives exactly one follow-up', async () => {
    const jobId = added((await dirty.mark([marks(['42'])], 'webhook'))[0]).jobId;
    await dirty.begin(PORTAL, jobId);
    const claimed = await dirty.claimCompanies(PORTAL, jobId, 100);
    expect(claimed).toEqual([{ companyId: '42', reason: 'webhook' }]);

    // Events for 42 arrive twice while it is being computed.
    expect((await dirty.mark([marks(['42'])], 'webhook'))[0]?.action).toBe('none');
    expect((await dirty.mark([marks(['42'])], 'webhook'))[0]?.action).toBe('none');

    const handOff = await dirty.finish(PORTAL, jobId);
    expect(handOff.kind).toBe('next');
    const nextId = handOff.kind === 'next' ? handOff.jobId : '';
    expect(nextId).not.toBe(jobId);
    expect(await dirty.begin(PORTAL, nextId)).toBe(true);
    expect(await dirty.claimCompanies(PORTAL, nextId, 100)).toEqual([
      { companyId: '42', reason: 'webhook' },
    ]);
    expect((await dirty.finish(PORTAL, nextId)).kind).toBe('done');
    expect(await dirty.portals()).toEqual([]);
  });

  test('webhook work is claimed before backfill work', async () => {
    await dirty.mark([marks(['1', '2', '3'])], 'backfill');
    const [action] = await dirty.mark([marks(['9'])], 'webhook');
    expect(action?.action).toBe('upgrade');
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    const claimed = await dirty.claimCompanies(PORTAL, jobId, 2);
    expect(claimed).toEqual([
      { companyId: '9', reason: 'webhook' },
      { companyId: '1', reason: 'backfill' },
    ]);
  });

  test('a job without webhook work claims the larger backfill share', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => String(i + 1));
    await dirty.mark([marks(ids)], 'backfill');
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    const claimed = await dirty.claimCompanies(PORTAL, jobId, 5, Date.now(), 20);
    expect(claimed).toHaveLength(20);
    expect(claimed?.every((entry) => entry.reason === 'backfill')).toBe(true);
  });

  test('a job with webhook work keeps the small share', async () => {
    await dirty.mark([marks(['1', '2', '3', '4', '5', '6'])], 'backfill');
    await dirty.mark([marks(['9'])], 'webhook');
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    const claimed = await dirty.claimCompanies(PORTAL, jobId, 3, Date.now(), 20);
    expect(claimed?.map((entry) => entry.companyId)).toEqual(['9', '1', '2']);
  });

  test('webhook mark moves a company out of the cold set', async () => {
    await dirty.mark([marks(['1'])], 'sweep');
    await dirty.mark([marks(['1'])], 'webhook');
    const [depth] = await dirty.depths();
    expect(depth?.hot).toBe(1);
    expect(depth?.cold).toBe(0);
  });

  test('backfill-only work is queued as cold', async () => {
    const action = added((await dirty.mark([marks(['1', '2'])], 'backfill'))[0]);
    expect(action.workClass).toBe('cold');
  });

  test('drops remove marks and are claimed once', async () => {
    await dirty.mark([marks(['42', '43'])], 'webhook');
    await dirty.mark([marks([], { droppedCompanies: ['43'] })], 'webhook');
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    const refs = await dirty.claimRefs(PORTAL, jobId, { drops: 100, refs: 100 });
    expect(refs?.drops).toEqual(['43']);
    expect(await dirty.claimCompanies(PORTAL, jobId, 100)).toEqual([
      { companyId: '42', reason: 'webhook' },
    ]);
    expect((await dirty.finish(PORTAL, jobId)).kind).toBe('done');
  });

  test('a deletion ref stays deleted', async () => {
    await dirty.mark(
      [marks([], { objectRefs: [{ objectType: 'tickets', objectId: '900', deleted: true }] })],
      'webhook',
    );
    await dirty.mark(
      [marks([], { objectRefs: [{ objectType: 'tickets', objectId: '900', deleted: false }] })],
      'webhook',
    );
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    const claimed = await dirty.claimRefs(PORTAL, jobId, { drops: 100, refs: 100 });
    expect(claimed?.refs).toEqual([{ objectType: 'tickets', objectId: '900', deleted: true }]);
  });

  test('refs alone name a hot job', async () => {
    const refs = [{ objectType: 'tickets' as const, objectId: '900', deleted: false }];
    const action = added((await dirty.mark([marks([], { objectRefs: refs })], 'webhook'))[0]);
    expect(action.workClass).toBe('hot');
  });

  test('a retried job gets its claims back', async () => {
    await dirty.mark(
      [marks(['42'], { objectRefs: [{ objectType: 'contacts', objectId: '7', deleted: false }] })],
      'webhook',
    );
    await dirty.mark([marks(['50'])], 'backfill');
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    await dirty.claimRefs(PORTAL, jobId, { drops: 100, refs: 100 });
    await dirty.claimCompanies(PORTAL, jobId, 100);
    expect((await dirty.depths())[0]?.inflight).toBe(2);

    // The worker died; the retry of the same job begins again.
    expect(await dirty.begin(PORTAL, jobId)).toBe(true);
    const [depth] = await dirty.depths();
    expect(depth?.inflight).toBe(0);
    expect(depth?.hot).toBe(1);
    expect(depth?.cold).toBe(1);
    expect(depth?.refs).toBe(1);
    expect(await dirty.claimCompanies(PORTAL, jobId, 100)).toEqual([
      { companyId: '42', reason: 'webhook' },
      { companyId: '50', reason: 'backfill' },
    ]);
  });

  test('suspend returns claims and reports their class', async () => {
    await dirty.mark([marks(['42'])], 'webhook');
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    await dirty.claimCompanies(PORTAL, jobId, 100);
    expect(await dirty.suspend(PORTAL, jobId)).toBe('hot');
    const schedule = await dirty.schedule(PORTAL);
    expect(schedule?.state).toBe('queued');
    expect((await dirty.depths())[0]?.hot).toBe(1);
  });

  test('fail returns companies and parks refs', async () => {
    await dirty.mark(
      [marks(['42'], { objectRefs: [{ objectType: 'tickets', objectId: '900', deleted: true }] })],
      'webhook',
    );
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    await dirty.claimRefs(PORTAL, jobId, { drops: 100, refs: 100 });
    await dirty.claimCompanies(PORTAL, jobId, 100);
    await dirty.mark([marks(['77'])], 'webhook');

    const failed = await dirty.fail(PORTAL, jobId);
    expect(failed.companies).toEqual(['42']);
    expect(failed.handOff.kind).toBe('next');
    const [depth] = await dirty.depths();
    expect(depth?.failedRefs).toBe(1);
    expect(depth?.hot).toBe(1);

    // A second settle of the same job changes nothing.
    expect((await dirty.fail(PORTAL, jobId)).handOff.kind).toBe('stale');
  });

  test('fail discards claimed drops', async () => {
    await dirty.mark([marks([], { droppedCompanies: ['43'] })], 'webhook');
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    await dirty.claimRefs(PORTAL, jobId, { drops: 100, refs: 100 });
    const failed = await dirty.fail(PORTAL, jobId);
    // Putting the drop back would start the same failing job again at once.
    expect(failed.handOff.kind).toBe('done');
    expect(await dirty.portals()).toEqual([]);
  });

  test('failed refs return on request', async () => {
    await dirty.mark(
      [marks([], { objectRefs: [{ objectType: 'tickets', objectId: '900', deleted: false }] })],
      'webhook',
    );
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, jobId);
    await dirty.claimRefs(PORTAL, jobId, { drops: 100, refs: 100 });
    expect((await dirty.fail(PORTAL, jobId)).handOff.kind).toBe('done');
    expect(await dirty.portals()).toEqual([PORTAL]);

    const requeued = await dirty.requeueFailedRefs(PORTAL);
    expect(requeued.requeued).toBe(1);
    expect(requeued.action.action).toBe('add');
    expect((await dirty.depths())[0]?.refs).toBe(1);
  });

  test('repair replaces a lost job', async () => {
    await dirty.mark([marks(['42'])], 'webhook');
    const lost = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.begin(PORTAL, lost);
    await dirty.claimCompanies(PORTAL, lost, 100);

    const handOff = await dirty.repair(PORTAL, lost);
    expect(handOff.kind).toBe('next');
    const [depth] = await dirty.depths();
    expect(depth?.hot).toBe(1);
    expect(depth?.inflight).toBe(0);
    expect(depth?.jobId).not.toBe(lost);
    // A repair that saw an older job does nothing.
    expect((await dirty.repair(PORTAL, lost)).kind).toBe('stale');
  });

  test('purge forgets the portal', async () => {
    await dirty.mark([marks(['42'], { droppedCompanies: ['1'] })], 'webhook');
    const jobId = (await dirty.schedule(PORTAL))?.jobId ?? '';
    await dirty.purge(PORTAL);
    expect(await dirty.portals()).toEqual([]);
    expect(await dirty.begin(PORTAL, jobId)).toBe(false);
  });

  test('large marks are split into chunks', async () => {
    const ids = Array.from({ length: 2500 }, (_, index) => String(index + 1));
    const [action] = await dirty.mark([marks(ids)], 'backfill');
    expect(action?.action).toBe('add');
    expect((await dirty.depths())[0]?.cold).toBe(2500);
  });

  test('lag counts from the oldest mark', async () => {
    await dirty.mark([marks(['1'])], 'webhook', 1_000_000);
    await dirty.mark([marks(['2'])], 'backfill', 1_005_000);
    const [depth] = await dirty.depths(1_010_000);
    expect(depth?.lagMs).toBe(10_000);
  });
});
