import type IORedis from 'ioredis';
import type { ScoreResult } from '../../src/engine';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import {
  RecomputeStore,
  appendScoreHistory,
  scoreAsOf,
  type ScorePoint,
  type StoredCompanyResult,
} from './store';

const DAY = 86_400_000;
const PORTAL = 1234567;

function record(companyId: string, fields: Partial<StoredCompanyResult> = {}): StoredCompanyResult {
  return {
    companyId,
    score: 70,
    status: 'healthy',
    computedAt: Date.parse('2026-01-10T12:00:00Z'),
    workspace: 'default',
    configVersion: 1,
    result: { score: 70, status: 'healthy' } as ScoreResult,
    history: [],
    ticketIds: [],
    contactIds: [],
    feedbackIds: [],
    ...fields,
  };
}

describe('RecomputeStore', () => {
  let redis: IORedis;
  let store: RecomputeStore;

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    store = new RecomputeStore(redis, uniquePrefix('rc-store'));
  });

  test('saves and reads results', async () => {
    await store.saveResults(PORTAL, [record('42', { score: 55 })], new Map());
    const found = await store.getResults(PORTAL, ['42', '43']);
    expect(found.get('42')?.score).toBe(55);
    expect(found.has('43')).toBe(false);
    expect(await store.countStored(PORTAL)).toBe(1);
  });

  test('reverse index follows association changes', async () => {
    const first = record('42', { ticketIds: ['t1', 't2'], contactIds: ['c1'] });
    await store.saveResults(PORTAL, [first, record('77', { ticketIds: ['t2'] })], new Map());
    let tickets = await store.companiesForObjects(PORTAL, 'tickets', ['t1', 't2']);
    expect(tickets.get('t1')).toEqual(['42']);
    expect(tickets.get('t2')?.sort()).toEqual(['42', '77']);

    // Company 42 loses ticket t1 and gains t3.
    const second = record('42', { ticketIds: ['t2', 't3'], contactIds: ['c1'] });
    await store.saveResults(PORTAL, [second], new Map([['42', first]]));
    tickets = await store.companiesForObjects(PORTAL, 'tickets', ['t1', 't2', 't3']);
    expect(tickets.has('t1')).toBe(false);
    expect(tickets.get('t2')?.sort()).toEqual(['42', '77']);
    expect(tickets.get('t3')).toEqual(['42']);
    expect((await store.companiesForObjects(PORTAL, 'contacts', ['c1'])).get('c1')).toEqual(['42']);
  });

  test('dropCompanies forgets results and index entries', async () => {
    await store.saveResults(
      PORTAL,
      [
        record('42', { ticketIds: ['t1'], feedbackIds: ['f1'] }),
        record('77', { ticketIds: ['t1'] }),
      ],
      new Map(),
    );
    await store.recordFailures(
      PORTAL,
      [{ companyId: '42', message: 'x', category: 'VALIDATION_ERROR' }],
      new Date(),
    );
    await store.dropCompanies(PORTAL, ['42']);
    expect(await store.getResult(PORTAL, '42')).toBeUndefined();
    expect((await store.companiesForObjects(PORTAL, 'tickets', ['t1'])).get('t1')).toEqual(['77']);
    expect((await store.companiesForObjects(PORTAL, 'feedback_submissions', ['f1'])).size).toBe(0);
    expect((await store.failedCompanies(PORTAL)).size).toBe(0);
  });

  test('a saved result clears its failure', async () => {
    await store.recordFailures(
      PORTAL,
      [{ companyId: '42', message: 'bad', category: 'VALIDATION_ERROR' }],
      new Date(),
    );
    expect((await store.failedCompanies(PORTAL)).get('42')?.message).toBe('bad');
    await store.saveResults(PORTAL, [record('42')], new Map());
    expect((await store.failedCompanies(PORTAL)).has('42')).toBe(false);
  });

  test('staleCompanies lists results older than a day', async () => {
    const now = new Date('2026-01-10T12:00:00Z');
    await store.saveResults(
      PORTAL,
      [
        record('1', { computedAt: now.getTime() - 2 * DAY }),
        record('2', { computedAt: now.getTime() - DAY + 1000 }),
        record('3', { computedAt: now.getTime() }),
      ],
      new Map(),
    );
    expect(await store.staleCompanies(PORTAL, now)).toEqual(['1']);
    expect(await store.countComputedSince(PORTAL, now.getTime() - DAY)).toBe(2);
  });

  test('stats add up per portal', async () => {
    await store.addStats(PORTAL, { recomputes: 3, writes: 2 });
    await store.addStats(PORTAL, { recomputes: 1, tasksCreated: 1 });
    await store.addStats(PORTAL + 1, { recomputes: 9 });
    expect(await store.readStats(PORTAL)).toEqual({
      recomputes: 4,
      writes: 2,
      unchanged: 0,
      failures: 0,
      statusChanges: 0,
      tasksCreated: 1,
      expansionTasksCreated: 0,
      apiCalls: 0,
    });
  });
});

describe('score history', () => {
  const start = Date.parse('2026-01-01T10:00:00Z');

  test('keeps one point per UTC day, the latest', () => {
    let history: ScorePoint[] = [];
    history = appendScoreHistory(history, start, 60);
    history = appendScoreHistory(history, start + 3_600_000, 62);
    history = appendScoreHistory(history, start + DAY, 65);
    expect(history).toEqual([
      [start + 3_600_000, 62],
      [start + DAY, 65],
    ]);
  });

  test('keeps the 30-day baseline and drops older points', () => {
    let history: ScorePoint[] = [];
    for (let day = 0; day <= 40; day += 1)
      history = appendScoreHistory(history, start + day * DAY, day);
    const now = start + 40 * DAY;
    expect(scoreAsOf(history, now - 30 * DAY)).toBe(10);
    expect(scoreAsOf(history, now - 7 * DAY)).toBe(33);
    expect(history[0]).toEqual([start + 10 * DAY, 10]);
    expect(history).toHaveLength(31);
  });

  test('scoreAsOf is undefined before the first point', () => {
    const history = appendScoreHistory([], start, 50);
    expect(scoreAsOf(history, start - 1)).toBeUndefined();
    expect(scoreAsOf(history, start)).toBe(50);
  });
});
