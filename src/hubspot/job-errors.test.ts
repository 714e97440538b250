import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type IORedis from 'ioredis';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { HubSpotApiError, PortalDisconnectedError } from './errors';
import { classifyJobError, rethrowForQueue } from './job-errors';

const apiError = (status: number, retryable: boolean, retryAfterMs?: number) =>
  new HubSpotApiError({
    status,
    category: 'X',
    retryable,
    endpoint: 'companies.batch.read',
    portalId: 1,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });

describe('classifyJobError', () => {
  it.each([
    [
      'a disconnected portal',
      new PortalDisconnectedError(1, 'refresh_token_revoked'),
      'unrecoverable',
    ],
    ['a 403', apiError(403, false), 'unrecoverable'],
    ['a 404', apiError(404, false), 'unrecoverable'],
    ['a 429 with a wait', apiError(429, true, 10_000), 'delay'],
    ['a 5xx', apiError(502, true), 'retry'],
    ['an unknown error', new Error('boom'), 'retry'],
  ])('treats %s as %s', (_name, error, kind) => {
    expect(classifyJobError(error).kind).toBe(kind);
  });

  it('carries the wait of a rate limit', () => {
    expect(classifyJobError(apiError(429, true, 7_000))).toMatchObject({
      kind: 'delay',
      delayMs: 7_000,
    });
  });
});

describe('rethrowForQueue', () => {
  let redis: IORedis;

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('throws UnrecoverableError for a disconnected portal', async () => {
    await expect(
      rethrowForQueue(new PortalDisconnectedError(1, 'uninstalled')),
    ).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it('rethrows a retryable error unchanged', async () => {
    const error = apiError(503, true);
    await expect(rethrowForQueue(error)).rejects.toBe(error);
  });

  it('moves a rate-limited job to the delayed set without using an attempt', async () => {
    const prefix = uniquePrefix('job-errors');
    const queue = new Queue('rate', { connection: redis, prefix });
    const workerConnection = testRedis();
    const worker = new Worker(
      'rate',
      async (job: Job, token?: string) => {
        if (job.attemptsStarted <= 1) await rethrowForQueue(apiError(429, true, 300), job, token);
        return 'done';
      },
      { connection: workerConnection, prefix },
    );
    const thrown: unknown[] = [];
    worker.on('failed', (_job, error) => thrown.push(error));
    const job = await queue.add('x', {}, { attempts: 1 });
    const finished = new Promise<void>((resolve) => worker.on('completed', () => resolve()));

    await finished;

    const done = await queue.getJob(job.id as string);
    expect(done?.returnvalue).toBe('done');
    expect(done?.attemptsMade).toBe(1);
    expect(thrown).toEqual([]);
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await workerConnection.quit();
  });
});
