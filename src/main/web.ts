import type { Server } from 'node:http';
import { configAdminRouter } from '../admin/config-routes';
import { cardsRouter } from '../cards/routes';
import { loadDotenv } from '../config/dotenv';
import { EnvError, loadEnv, type Env } from '../config/env';
import { createApp } from '../http/app';
import { createLogger, type Logger } from '../log';
import { startDefaultMetrics } from '../metrics';
import { ConfigStore } from '../store/configs';
import { ProgressStore } from '../../webhooks/backfill';
import { scoringAdminRouter } from '../../webhooks/backfill/routes';
import { createWebhookIntake } from '../../webhooks/intake/router';
import { connectRedis } from '../../webhooks/queue/connection';
import { createOpsRouter } from '../../webhooks/ops/router';
import { RecomputeQueue } from '../../webhooks/queue/queue';
import { RecomputeStore } from '../../webhooks/recompute/store';
import { buildCoreServices } from './services';

export interface WebProcess {
  server: Server;
  /** Stops accepting requests, waits for open ones, then closes Redis. */
  stop(): Promise<void>;
}

/**
 * Starts the web process: OAuth install, webhook intake, the card API, health and metrics
 * routes, and the admin API, listening on HOST:PORT.
 */
export async function startWeb(env: Env, logger: Logger): Promise<WebProcess> {
  startDefaultMetrics();
  const core = await buildCoreServices(env, logger);
  const prefix = env.REDIS_PREFIX;
  // Intake and probes must fail fast when Redis is down, so HubSpot gets a 503 and redelivers.
  const fastRedis = await connectRedis(env.REDIS_URL, 'web');
  fastRedis.on('error', (error) => logger.error({ err: error }, 'Redis connection error (intake)'));

  const queue = new RecomputeQueue({
    connection: fastRedis,
    prefix,
    logger,
    hotDebounceMs: env.RECOMPUTE_DEBOUNCE_MS,
  });
  const results = new RecomputeStore(core.redis, prefix);
  const intake = createWebhookIntake({
    signature: { clientSecret: env.HUBSPOT_CLIENT_SECRET, publicOrigin: env.PUBLIC_ORIGIN },
    queue,
    installations: core.installations,
    logger,
  });
  const progress = new ProgressStore(core.redis, prefix, results);
  const cards = cardsRouter({
    publicOrigin: env.PUBLIC_ORIGIN,
    clientSecret: env.HUBSPOT_CLIENT_SECRET,
    redis: fastRedis,
    installations: core.installations,
    results,
    progress,
    queue,
    logger,
  });

  const app = createApp({
    env,
    logger,
    redis: core.redis,
    prefix,
    installations: core.installations,
    tokens: core.tokens,
    gateway: core.gateway,
    onInstalled: (portalId) => queue.requestSweep(portalId, 'backfill'),
    onUninstalled: [(portalId) => queue.purgePortal(portalId)],
    routers: [
      { path: '/', router: intake.router },
      {
        path: '/',
        router: createOpsRouter({
          redis: fastRedis,
          prefix,
          queue,
          adminToken: env.ADMIN_TOKEN,
          logger,
        }),
      },
      { path: '/cards', router: cards },
    ],
    adminRouters: [
      configAdminRouter({
        store: new ConfigStore(core.redis, prefix),
        logger,
        requestRescore: (portalId) => queue.requestSweep(portalId, 'backfill'),
      }),
      scoringAdminRouter({ progress, results, logger }),
    ],
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(env.PORT, env.HOST, () => resolve(listening));
    listening.once('error', reject);
  });
  logger.info(
    { host: env.HOST, port: env.PORT, publicOrigin: env.PUBLIC_ORIGIN },
    'web process listening',
  );

  return {
    server,
    async stop() {
      intake.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      await Promise.allSettled([core.redis.quit(), fastRedis.quit()]);
      logger.info('web process stopped');
    },
  };
}

async function main(): Promise<void> {
  let env: Env;
  try {
    // Variables already in the environment win over `.env` in the current directory.
    loadDotenv();
    env = loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'cs-health-web' });
  const web = await startWeb(env, logger);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // If open requests keep the server from closing for 10 s, the process exits anyway, so a
    // stuck client cannot block a deploy.
    const deadline = setTimeout(() => {
      logger.error('graceful shutdown timed out after 10 s');
      process.exit(1);
    }, 10_000);
    deadline.unref();
    web.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
