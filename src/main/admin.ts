import { parseArgs } from 'node:util';
import { runConfigCommand } from '../admin/config-command';
import { loadDotenv } from '../config/dotenv';
import { EnvError, loadEnv, type Env } from '../config/env';
import { provisionProperties } from '../install/provision';
import { PortalNotInstalledError, uninstallPortal } from '../install/uninstall';
import { createLogger, type Logger } from '../log';
import { ConfigStore } from '../store/configs';
import { RecomputeQueue } from '../../webhooks/queue/queue';
import { buildCoreServices, type CoreServices } from './services';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  status [--portal <id>]       List installations (or one) with status and token expiry
  uninstall --portal <id>      Uninstall from HubSpot, then delete the portal's tokens and data
  provision --portal <id>      Create or update the CS Health company properties again
  reencrypt-tokens             Re-encrypt every stored token with TOKEN_ENCRYPTION_ACTIVE_KEY
  config <command> ...         Load, validate or show score configs ("config help" lists them)

Environment: the same variables as the web process (see .env.example).`;

/** Runs one admin command and returns the process exit code. */
export async function runAdmin(
  argv: string[],
  env: Env,
  logger: Logger,
  print: (line: string) => void = console.log,
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    print(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'config') return runConfig(rest, env, logger, print);

  const { values } = parseArgs({
    args: rest,
    options: { portal: { type: 'string' } },
    strict: true,
  });
  const portalId = values.portal === undefined ? undefined : parsePortal(values.portal);
  const core = await buildCoreServices(env, logger);
  try {
    switch (command) {
      case 'status':
        return await printStatus(core, portalId, print);
      case 'uninstall':
        return await uninstall(core, env, logger, requirePortal(portalId, command), print);
      case 'provision':
        return await provision(core, logger, requirePortal(portalId, command), print);
      case 'reencrypt-tokens': {
        const result = await core.tokens.reencryptAll();
        print(
          `checked ${result.checked} token records, re-encrypted ${result.reencrypted} with key "${env.TOKEN_ENCRYPTION_ACTIVE_KEY}"`,
        );
        return 0;
      }
      default:
        print(`unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } finally {
    await core.redis.quit();
  }
}

async function printStatus(
  core: CoreServices,
  portalId: number | undefined,
  print: (line: string) => void,
): Promise<number> {
  const installations =
    portalId === undefined
      ? await core.installations.list()
      : [await core.installations.get(portalId)];
  if (installations.length === 0) print('no installations');
  for (const installation of installations) {
    if (!installation) {
      print(`portal ${portalId}: not installed`);
      return 1;
    }
    const tokens =
      installation.status === 'active' ? await core.tokens.get(installation.portalId) : undefined;
    const expiry = tokens
      ? `access token expires ${new Date(tokens.expiresAt).toISOString()}`
      : 'no tokens';
    const provisioning = installation.provisioningError
      ? `provisioning failed: ${installation.provisioningError}`
      : installation.provisionedAt
        ? 'properties provisioned'
        : 'properties not provisioned';
    const reason = installation.disconnectReason ? ` (${installation.disconnectReason})` : '';
    print(
      `portal ${installation.portalId}: ${installation.status}${reason}, ${expiry}, ${provisioning}`,
    );
  }
  return 0;
}

async function uninstall(
  core: CoreServices,
  env: Env,
  logger: Logger,
  portalId: number,
  print: (line: string) => void,
): Promise<number> {
  const queue = new RecomputeQueue({ connection: core.redis, prefix: env.REDIS_PREFIX, logger });
  try {
    const result = await uninstallPortal(
      { ...core, prefix: env.REDIS_PREFIX, logger, onUninstalled: [(id) => queue.purgePortal(id)] },
      portalId,
    );
    const hubspot = result.calledHubSpot
      ? 'HubSpot uninstall called'
      : 'HubSpot not called (portal was already disconnected)';
    print(`portal ${portalId} uninstalled: ${hubspot}, ${result.deletedKeys} Redis keys deleted`);
    return 0;
  } catch (error) {
    if (error instanceof PortalNotInstalledError) {
      print(error.message);
      return 1;
    }
    throw error;
  } finally {
    await queue.close();
  }
}

async function provision(
  core: CoreServices,
  logger: Logger,
  portalId: number,
  print: (line: string) => void,
): Promise<number> {
  const result = await provisionProperties(
    await core.gateway.forPortal(portalId),
    logger.child({ portalId }),
  );
  const conflicts = result.conflicts.map((item) => `${item.name}: ${item.reason}`);
  await core.installations.markProvisioned(
    portalId,
    conflicts.length > 0 ? conflicts.join('; ') : undefined,
  );
  print(
    `portal ${portalId}: ${result.created.length} created, ${result.updated.length} updated, ` +
      `${result.unchanged.length} unchanged${result.groupCreated ? ', group created' : ''}`,
  );
  for (const conflict of conflicts) print(`conflict: ${conflict}`);
  return conflicts.length > 0 ? 1 : 0;
}

/** `config …` hands over to the score-config CLI, with a ConfigStore on the same Redis. */
async function runConfig(
  args: string[],
  env: Env,
  logger: Logger,
  print: (line: string) => void,
): Promise<number> {
  const core = await buildCoreServices(env, logger);
  const queue = new RecomputeQueue({ connection: core.redis, prefix: env.REDIS_PREFIX, logger });
  try {
    const toPrint = { write: (text: string) => print(text.replace(/\n$/, '')) };
    return await runConfigCommand(args, {
      store: new ConfigStore(core.redis, env.REDIS_PREFIX),
      stdout: toPrint,
      stderr: toPrint,
      requestRescore: (portalId) => queue.requestSweep(portalId, 'backfill'),
    });
  } finally {
    await queue.close();
    await core.redis.quit();
  }
}

function parsePortal(text: string): number {
  const portalId = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(portalId) || portalId <= 0) {
    throw new Error(`--portal must be a HubSpot portal id (a positive integer), got "${text}"`);
  }
  return portalId;
}

function requirePortal(portalId: number | undefined, command: string): number {
  if (portalId === undefined) throw new Error(`${command} needs --portal <id>`);
  return portalId;
}

async function main(): Promise<void> {
  const first = process.argv[2];
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    // Help needs no environment, so a new user can read it before configuring anything.
    console.log(USAGE);
    process.exitCode = first === undefined ? 2 : 0;
    return;
  }
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
  const logger = createLogger({
    level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL,
    name: 'cs-health-admin',
  });
  process.exitCode = await runAdmin(process.argv.slice(2), env, logger);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
