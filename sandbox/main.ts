/**
 * `npm run sandbox`: starts the sandbox on 127.0.0.1 with one RavenStack portal and prints its
 * base URL and the demo app's credentials.
 */
import { z } from 'zod';
import { createLogger } from '../src/log';
import { startSandbox } from './index';

const envSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  SANDBOX_TIME_SCALE: z.coerce.number().positive().default(1),
  SANDBOX_SEED: z.enum(['ravenstack', 'empty']).default('ravenstack'),
  SANDBOX_COMPANIES: z.coerce.number().int().positive().optional(),
  SANDBOX_WEBHOOK_URL: z.url().optional(),
  LOG_LEVEL: z.string().default('info'),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    console.error(`Invalid sandbox settings:\n  ${problems.join('\n  ')}`);
    process.exit(2);
  }
  const env = parsed.data;
  const logger = createLogger({ name: 'sandbox', level: env.LOG_LEVEL });
  const sandbox = await startSandbox({
    port: env.SANDBOX_PORT,
    timeScale: env.SANDBOX_TIME_SCALE,
    app: { webhookTargetUrl: env.SANDBOX_WEBHOOK_URL },
    logger,
  });
  const portal = await sandbox.createPortal({
    seed: env.SANDBOX_SEED,
    companies: env.SANDBOX_COMPANIES,
  });

  const lines = [
    `Sandbox running at ${sandbox.baseUrl}`,
    `  portal:        ${portal.id} (${portal.listObjects('companies').length} companies, ${portal.scenarioDaysLeft()} scenario days)`,
    `  authorize URL: ${sandbox.authorizeUrl}`,
    `  client id:     ${sandbox.app.clientId}`,
    `  client secret: ${sandbox.app.clientSecret}`,
    `  app id:        ${sandbox.app.appId}`,
    `  webhooks to:   ${env.SANDBOX_WEBHOOK_URL ?? '(none; set SANDBOX_WEBHOOK_URL)'}`,
    `  admin API:     ${sandbox.baseUrl}/_sandbox/portals`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping sandbox');
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'sandbox failed to stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
