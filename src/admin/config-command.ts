import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseScoreConfig, ScoreConfigError, WORKSPACE_NAME_PATTERN } from '../engine';
import { MAX_CONFIG_VERSIONS, type ConfigStore } from '../store/configs';

export interface ConfigCommandDeps {
  store: ConfigStore;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Reads the config file; tests may pass their own. Defaults to `fs.readFile` as UTF-8. */
  readTextFile?: (path: string) => Promise<string>;
  /**
   * Requests a full rescoring of a portal after `load` stored a config, e.g. the queue's
   * `requestSweep(portalId, 'backfill')`. Without it a new config applies only to later recomputes.
   */
  requestRescore?: (portalId: number) => Promise<void>;
}

export const CONFIG_COMMAND_USAGE = `Usage: admin config <command> [options]

Commands:
  load       --portal <id> [--workspace <name>] --file <path>
             Validate a JSON score config, store it as the workspace's next version
             and queue a rescoring of every company of the portal.
  validate   --file <path>
             Validate a JSON score config without storing it.
  show       --portal <id> [--workspace <name>]
             Print the workspace's current config as JSON (the default when none is stored).
  history    --portal <id> [--workspace <name>] [--limit <n>]
             List the stored versions, newest first.
  workspaces --portal <id>
             List the portal's workspaces.

Options:
  --portal     HubSpot portal (hub) id, a positive integer
  --workspace  workspace name, lowercase letters, digits, "-" or "_" (default: default)
  --file       path of the JSON config file
  --limit      number of versions to list, 1-50 (default: 50)
`;

/** Exit codes: 0 done, 1 the command failed, 2 the command line was invalid. */
const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

/**
 * Runs `admin config ...`. `argv` contains the words after `config`, and a leading `config` is
 * skipped too. Returns the process exit code and writes messages to `stdout` and `stderr`.
 */
export async function runConfigCommand(argv: string[], deps: ConfigCommandDeps): Promise<number> {
  const words = argv[0] === 'config' ? argv.slice(1) : argv;
  try {
    return await dispatch(words, deps);
  } catch (error) {
    if (error instanceof UsageError) {
      deps.stderr.write(`${error.message}\n\n${CONFIG_COMMAND_USAGE}`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

async function dispatch(words: string[], deps: ConfigCommandDeps): Promise<number> {
  const [command, ...rest] = words;
  const options = parseOptions(rest);
  switch (command) {
    case 'load':
      return load(requirePortal(options), workspaceOf(options), requireFile(options), deps);
    case 'validate':
      return validate(requireFile(options), deps);
    case 'show': {
      const config = await deps.store.get(requirePortal(options), workspaceOf(options));
      deps.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
      return EXIT_OK;
    }
    case 'history':
      return history(requirePortal(options), workspaceOf(options), limitOf(options), deps);
    case 'workspaces': {
      const workspaces = await deps.store.listWorkspaces(requirePortal(options));
      deps.stdout.write(`${workspaces.join('\n')}\n`);
      return EXIT_OK;
    }
    case undefined:
      throw new UsageError('missing command');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function load(
  portalId: number,
  workspace: string,
  file: string,
  deps: ConfigCommandDeps,
): Promise<number> {
  const json = await readJsonFile(file, deps);
  if (json === undefined) return EXIT_FAILED;
  try {
    const result = await deps.store.put(portalId, workspace, json.value);
    deps.stdout.write(
      `Stored score config version ${result.version} for portal ${portalId}, ` +
        `workspace ${workspace}.\n`,
    );
    writeWarnings(result.warnings, deps);
    return await requestRescore(portalId, deps);
  } catch (error) {
    if (!(error instanceof ScoreConfigError)) throw error;
    writeProblems(file, error, deps);
    return EXIT_FAILED;
  }
}

/** Queues the rescoring after a stored config; a failure leaves the config stored. */
async function requestRescore(portalId: number, deps: ConfigCommandDeps): Promise<number> {
  if (!deps.requestRescore) return EXIT_OK;
  try {
    await deps.requestRescore(portalId);
  } catch (error) {
    deps.stderr.write(
      `The config is stored, but requesting the rescoring of portal ${portalId} failed: ` +
        `${(error as Error).message}\n`,
    );
    return EXIT_FAILED;
  }
  deps.stdout.write(`Requested a rescoring of every company of portal ${portalId}.\n`);
  return EXIT_OK;
}

async function validate(file: string, deps: ConfigCommandDeps): Promise<number> {
  const json = await readJsonFile(file, deps);
  if (json === undefined) return EXIT_FAILED;
  try {
    const { warnings } = parseScoreConfig(json.value);
    deps.stdout.write(`Config file "${file}" is valid.\n`);
    writeWarnings(warnings, deps);
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof ScoreConfigError)) throw error;
    writeProblems(file, error, deps);
    return EXIT_FAILED;
  }
}

async function history(
  portalId: number,
  workspace: string,
  limit: number,
  deps: ConfigCommandDeps,
): Promise<number> {
  const versions = await deps.store.history(portalId, workspace, limit);
  if (versions.length === 0) {
    deps.stdout.write(`No stored versions; workspace ${workspace} uses the default config.\n`);
    return EXIT_OK;
  }
  for (const entry of versions) {
    const weights = entry.config.metrics
      .map((metric) => `${metric.id} ${metric.weight}`)
      .join(', ');
    deps.stdout.write(`version ${entry.version}  stored ${entry.storedAt}  ${weights}\n`);
  }
  return EXIT_OK;
}

/** Reads and parses the file; on failure writes the reason and returns undefined. */
async function readJsonFile(
  file: string,
  deps: ConfigCommandDeps,
): Promise<{ value: unknown } | undefined> {
  const read = deps.readTextFile ?? ((path: string) => readFile(path, 'utf8'));
  let text: string;
  try {
    text = await read(file);
  } catch (error) {
    deps.stderr.write(`Cannot read config file "${file}": ${(error as Error).message}\n`);
    return undefined;
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    deps.stderr.write(`Config file "${file}" is not valid JSON: ${(error as Error).message}\n`);
    return undefined;
  }
}

function writeProblems(file: string, error: ScoreConfigError, deps: ConfigCommandDeps): void {
  const lines = error.problems.map((problem) => `  - ${problem}\n`).join('');
  deps.stderr.write(`Config file "${file}" is invalid; nothing was stored:\n${lines}`);
}

function writeWarnings(warnings: string[], deps: ConfigCommandDeps): void {
  for (const warning of warnings) deps.stderr.write(`warning: ${warning}\n`);
}

type Options = Record<string, string | undefined>;

function parseOptions(args: string[]): Options {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        portal: { type: 'string' },
        workspace: { type: 'string' },
        file: { type: 'string' },
        limit: { type: 'string' },
      },
    });
    return values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function requirePortal(options: Options): number {
  const raw = options.portal;
  if (raw === undefined) throw new UsageError('missing --portal <id>');
  const portalId = Number(raw);
  if (!/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(portalId) || portalId <= 0) {
    throw new UsageError(`--portal must be a positive integer, got "${raw}"`);
  }
  return portalId;
}

function workspaceOf(options: Options): string {
  const workspace = options.workspace ?? 'default';
  if (!WORKSPACE_NAME_PATTERN.test(workspace)) {
    throw new UsageError(
      `--workspace must be 1-64 lowercase letters, digits, "-" or "_", got "${workspace}"`,
    );
  }
  return workspace;
}

function requireFile(options: Options): string {
  if (options.file === undefined || options.file === '')
    throw new UsageError('missing --file <path>');
  return options.file;
}

function limitOf(options: Options): number {
  if (options.limit === undefined) return MAX_CONFIG_VERSIONS;
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONFIG_VERSIONS) {
    throw new UsageError(
      `--limit must be a whole number from 1 to ${MAX_CONFIG_VERSIONS}, got "${options.limit}"`,
    );
  }
  return limit;
}
