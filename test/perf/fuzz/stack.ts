import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import IORedis from 'ioredis';
import { startSandbox, type PortalHandle, type Sandbox } from '../../../sandbox';
import { loadEnv, type Env } from '../../../src/config/env';
import { TokenCipher } from '../../../src/crypto/token-cipher';
import { createApp } from '../../../src/http/app';
import { HubSpotGateway } from '../../../src/hubspot/gateway';
import { createLogger, type Logger } from '../../../src/log';
import { freePort, startLocalRedis, type LocalRedis } from '../../../src/redis/local-server';
import { InstallationStore } from '../../../src/store/installations';
import { TokenStore } from '../../../src/store/tokens';
import { createWebhookIntake } from '../../../webhooks/intake/router';
import { RecomputeQueue } from '../../../webhooks/queue/queue';

/** Portals the webhook cases address: installed, uninstalled here, and never installed. */
export const FUZZ_PORTALS = { active: 5_550_001, uninstalled: 5_550_002, unknown: 5_550_003 };

/**
 * The parts of the web process the fuzz cases hit, wired as production wires them: the real web
 * app with webhook intake mounted, a private redis-server, and a sandbox for the OAuth token
 * endpoint. No worker runs, so whatever intake enqueues stays in Redis to be inspected.
 */
export interface FuzzStack {
  redisServer: LocalRedis;
  redis: IORedis;
  sandbox: Sandbox;
  portal: PortalHandle;
  env: Env;
  prefix: string;
  logger: Logger;
  installations: InstallationStore;
  tokens: TokenStore;
  gateway: HubSpotGateway;
  queue: RecomputeQueue;
  appUrl: string;
  /** Portal ids the app's install callback handed to `onInstalled`. */
  installed: number[];
  cipherFor(env: Env): TokenCipher;
  close(): Promise<void>;
}

/** A valid environment for the web app; the fuzz env target mutates this too. */
export function baseEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '3000',
    PUBLIC_ORIGIN: 'http://127.0.0.1:3000',
    HUBSPOT_CLIENT_ID: 'fuzz-client-id',
    HUBSPOT_CLIENT_SECRET: 'fuzz-client-secret-value',
    HUBSPOT_API_BASE: 'http://127.0.0.1:9',
    HUBSPOT_AUTHORIZE_URL: 'http://127.0.0.1:9/oauth/authorize',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: 'csh-fuzz',
    TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    ...overrides,
  };
}

export async function startFuzzStack(): Promise<FuzzStack> {
  const logger = createLogger({ level: 'silent' });
  const redisServer = await startLocalRedis();
  const redis = new IORedis(redisServer.url, { maxRetriesPerRequest: null });
  const sandbox = await startSandbox({ logger: false, rateLimits: false });
  const portal = await sandbox.createPortal({ seed: 'ravenstack', companies: 20, randomSeed: 7 });
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const prefix = `csh-fuzz-${randomBytes(3).toString('hex')}`;
  const env = loadEnv(
    baseEnvironment({
      PORT: String(port),
      PUBLIC_ORIGIN: appUrl,
      HUBSPOT_CLIENT_ID: sandbox.app.clientId,
      HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
      HUBSPOT_API_BASE: sandbox.baseUrl,
      HUBSPOT_AUTHORIZE_URL: sandbox.authorizeUrl,
      REDIS_URL: redisServer.url,
      REDIS_PREFIX: prefix,
    }),
  );
  const cipherFor = (from: Env): TokenCipher =>
    new TokenCipher(from.TOKEN_ENCRYPTION_KEYS, from.TOKEN_ENCRYPTION_ACTIVE_KEY);
  const installations = new InstallationStore({ redis, prefix });
  const tokens = new TokenStore({ redis, prefix, cipher: cipherFor(env) });
  const gateway = new HubSpotGateway({ env, redis, prefix, logger, installations, tokens });
  const queue = new RecomputeQueue({ connection: redis, prefix, logger });
  const intake = createWebhookIntake({
    signature: { clientSecret: env.HUBSPOT_CLIENT_SECRET, publicOrigin: env.PUBLIC_ORIGIN },
    queue,
    installations,
    logger,
  });
  const installed: number[] = [];
  const app = createApp({
    env,
    logger,
    redis,
    prefix,
    installations,
    tokens,
    gateway,
    onInstalled: async (portalId) => {
      installed.push(portalId);
    },
    routers: [{ path: '/', router: intake.router }],
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });

  await installations.markInstalled(FUZZ_PORTALS.active, { scopes: ['oauth'] });
  await installations.markInstalled(FUZZ_PORTALS.uninstalled, { scopes: ['oauth'] });
  await installations.markUninstalled(FUZZ_PORTALS.uninstalled);

  return {
    redisServer,
    redis,
    sandbox,
    portal,
    env,
    prefix,
    logger,
    installations,
    tokens,
    gateway,
    queue,
    appUrl,
    installed,
    cipherFor,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      await sandbox.stop();
      redis.disconnect();
      await redisServer.stop();
    },
  };
}

/** Deletes every key matching `pattern` (SCAN, so Redis never blocks on a large keyspace). */
export async function deleteKeys(redis: IORedis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Lists every key matching `pattern`. */
export async function listKeys(redis: IORedis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
}
