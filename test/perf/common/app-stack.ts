import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../sandbox';
import { startAppProcess, waitForHttpOk, type AppProcess } from '../../../src/demo/processes';
import { freePort, startLocalRedis, type LocalRedis } from '../../../src/redis/local-server';

/**
 * The whole app as it runs in production, on loopback: a private redis-server, the sandbox in
 * this process, the web process and worker processes started with tsx. The bench and the chaos
 * suite drive it from outside and read Redis and the sandbox to check what happened.
 */
export interface AppStack {
  sandbox: Sandbox;
  /** A connection of the suite's own, for reading the app's keys. */
  redis: IORedis;
  redisUrl: string;
  prefix: string;
  appUrl: string;
  /** The environment of the app processes. */
  env: Record<string, string>;
  logDir: string;
  web: AppProcess;
  workers: AppProcess[];
  /** Process ids of the running workers. */
  workerPids(): number[];
  /** Starts one more worker process and waits until it is up. */
  addWorker(): Promise<AppProcess>;
  /** Kills worker `index` with SIGKILL, as a crash would, and starts a replacement. */
  killWorker(index: number): Promise<void>;
  /** Stops Redis (SIGTERM, so the append-only file is flushed) and starts it again on the same port and folder. */
  restartRedis(): Promise<void>;
  stop(): Promise<void>;
}

export interface AppStackOptions {
  workers: number;
  /** Redis keeps an append-only file, so a restart keeps the data. */
  appendOnly?: boolean;
  sandbox?: SandboxOptions;
  /** Extra or overriding environment variables of the app processes. */
  env?: Record<string, string>;
  logLevel?: string;
}

export async function startAppStack(options: AppStackOptions): Promise<AppStack> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'cs-health-perf-'));
  const redisPort = await freePort();
  const redisOptions = { appendOnly: options.appendOnly ?? false, dir: logDir, port: redisPort };
  let redisServer: LocalRedis = await startLocalRedis(redisOptions);
  const redis = new IORedis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {
    // Expected while the chaos suite restarts Redis; ioredis reconnects on its own.
  });
  const sandbox = await startSandbox({ logger: false, ...options.sandbox });

  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const prefix = `csh-perf-${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: options.logLevel ?? 'warn',
    PUBLIC_ORIGIN: appUrl,
    HUBSPOT_CLIENT_ID: sandbox.app.clientId,
    HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
    HUBSPOT_APP_ID: String(sandbox.app.appId),
    HUBSPOT_API_BASE: sandbox.baseUrl,
    HUBSPOT_AUTHORIZE_URL: sandbox.authorizeUrl,
    REDIS_URL: redisServer.url,
    REDIS_PREFIX: prefix,
    TOKEN_ENCRYPTION_KEYS: `perf:${randomBytes(32).toString('base64')}`,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    ...options.env,
  };
  sandbox.setWebhookTarget(`${appUrl}/hubspot/webhooks`);

  let workerCount = 0;
  const startWorker = (): AppProcess => {
    workerCount += 1;
    return startAppProcess(
      `worker-${workerCount}`,
      'src/main/worker.ts',
      env,
      path.join(logDir, `worker-${workerCount}.log`),
    );
  };
  const web = startAppProcess('web', 'src/main/web.ts', env, path.join(logDir, 'web.log'));
  const workers = Array.from({ length: options.workers }, startWorker);
  await waitForHttpOk(`${appUrl}/healthz`, [web, ...workers], 90_000);
  await waitForHttpOk(`${appUrl}/readyz`, [web, ...workers], 90_000);

  const isRunning = (app: AppProcess): boolean =>
    app.child.exitCode === null && app.child.signalCode === null;

  return {
    sandbox,
    redis,
    get redisUrl() {
      return redisServer.url;
    },
    prefix,
    appUrl,
    env,
    logDir,
    web,
    workers,
    workerPids: () =>
      workers.filter(isRunning).flatMap((worker) => (worker.child.pid ? [worker.child.pid] : [])),
    async addWorker() {
      const worker = startWorker();
      workers.push(worker);
      return worker;
    },
    async killWorker(index) {
      const worker = workers[index];
      if (!worker) throw new Error(`no worker at index ${index}; there are ${workers.length}`);
      worker.child.kill('SIGKILL');
      await worker.exited;
      workers[index] = startWorker();
    },
    async restartRedis() {
      await redisServer.stop();
      redisServer = await startLocalRedis(redisOptions);
    },
    async stop() {
      await Promise.allSettled(workers.map((worker) => worker.stop()));
      await web.stop();
      await sandbox.stop();
      redis.disconnect();
      await redisServer.stop();
      rmSync(path.join(logDir, 'appendonlydir'), { recursive: true, force: true });
    },
  };
}
