import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type IORedis from 'ioredis';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { DEFAULT_SCORE_CONFIG } from '../engine';
import { ConfigStore } from '../store/configs';
import { runConfigCommand } from './config-command';

const PORTAL = 1234567;

function configText(usageWeight: number, npsWeight: number): string {
  const json = JSON.parse(JSON.stringify(DEFAULT_SCORE_CONFIG)) as {
    metrics: { id: string; weight: number }[];
  } & Record<string, unknown>;
  for (const metric of json.metrics) {
    if (metric.id === 'usage_per_seat') metric.weight = usageWeight;
    if (metric.id === 'nps') metric.weight = npsWeight;
  }
  delete json.version;
  return JSON.stringify(json, null, 2);
}

describe('runConfigCommand', () => {
  let redis: IORedis;
  let store: ConfigStore;
  let dir: string;
  let stdout: string;
  let stderr: string;

  const run = (...argv: string[]) =>
    runConfigCommand(argv, {
      store,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });

  const writeConfig = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(() => {
    redis = testRedis();
    dir = mkdtempSync(path.join(os.tmpdir(), 'cs-health-config-command-'));
  });
  beforeEach(() => {
    store = new ConfigStore(redis, uniquePrefix('config-command'));
    stdout = '';
    stderr = '';
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await redis.quit();
  });

  it('loads a config file and prints the new version', async () => {
    const file = writeConfig('good.json', configText(40, 25));
    const code = await run(
      'config',
      'load',
      '--portal',
      String(PORTAL),
      '--workspace',
      'default',
      '--file',
      file,
    );
    expect(code).toBe(0);
    expect(stdout).toBe(`Stored score config version 2 for portal ${PORTAL}, workspace default.\n`);
    expect(stderr).toBe('');
    expect((await store.get(PORTAL, 'default')).metrics[0]?.weight).toBe(40);
  });

  it('prints warnings after storing', async () => {
    const json = JSON.parse(configText(40, 25)) as Record<string, unknown>;
    json.contactFrequencyDays = 14;
    const file = writeConfig('warn.json', JSON.stringify(json));
    expect(await run('load', '--portal', String(PORTAL), '--file', file)).toBe(0);
    expect(stderr).toBe(
      'warning: metric "last_contact": linear best is 30 days but contactFrequencyDays is 14; ' +
        'set best to the contact frequency so that accounts contacted on schedule get full ' +
        'points\n',
    );
  });

  it('names the file and every problem of an invalid config', async () => {
    const file = writeConfig('bad.json', configText(40, 20));
    const code = await run('load', '--portal', String(PORTAL), '--file', file);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `Config file "${file}" is invalid; nothing was stored:\n` +
        '  - weights sum to 95 (usage_per_seat 40 + nps 20 + open_tickets 20 + last_contact 15); ' +
        'they must sum to 100\n',
    );
    expect(await store.getStored(PORTAL, 'default')).toBeUndefined();
  });

  it('names a file that is not JSON', async () => {
    const file = writeConfig('broken.json', '{ "metrics": [ }');
    expect(await run('load', '--portal', String(PORTAL), '--file', file)).toBe(1);
    expect(stderr).toMatch(new RegExp(`^Config file "${file}" is not valid JSON: `));
  });

  it('names a file that does not exist', async () => {
    const file = path.join(dir, 'missing.json');
    expect(await run('load', '--portal', String(PORTAL), '--file', file)).toBe(1);
    expect(stderr).toMatch(new RegExp(`^Cannot read config file "${file}": ENOENT`));
  });

  it('validates a file without storing it', async () => {
    const file = writeConfig('valid.json', configText(45, 20));
    expect(await run('validate', '--file', file)).toBe(0);
    expect(stdout).toBe(`Config file "${file}" is valid.\n`);
    expect(await store.listWorkspaces(PORTAL)).toEqual(['default']);
  });

  it('shows the current config as JSON', async () => {
    expect(await run('show', '--portal', String(PORTAL), '--workspace', 'smb')).toBe(0);
    const shown = JSON.parse(stdout) as { workspace: string; version: number };
    expect(shown.workspace).toBe('smb');
    expect(shown.version).toBe(1);
  });

  it('lists the history', async () => {
    await store.put(PORTAL, 'default', JSON.parse(configText(40, 25)));
    expect(await run('history', '--portal', String(PORTAL))).toBe(0);
    expect(stdout).toMatch(
      /^version 2 {2}stored \d{4}-\d\d-\d\dT[\d:.]+Z {2}usage_per_seat 40, nps 25, open_tickets 20, last_contact 15\n$/,
    );
  });

  it.each([
    [['load', '--file', 'x.json'], 'missing --portal <id>'],
    [['load', '--portal', '12'], 'missing --file <path>'],
    [
      ['load', '--portal', 'acme', '--file', 'x'],
      '--portal must be a positive integer, got "acme"',
    ],
    [
      ['show', '--portal', '12', '--workspace', 'Sales'],
      '--workspace must be 1-64 lowercase letters, digits, "-" or "_", got "Sales"',
    ],
    [
      ['history', '--portal', '12', '--limit', '0'],
      '--limit must be a whole number from 1 to 50, got "0"',
    ],
    [['publish'], 'unknown command "publish"'],
    [[], 'missing command'],
  ])('rejects %j with usage', async (argv, message) => {
    expect(await run(...argv)).toBe(2);
    expect(stderr.split('\n')[0]).toBe(message);
    expect(stderr).toContain('Usage: admin config <command> [options]');
  });

  it('rejects an unknown option', async () => {
    expect(await run('show', '--portal', '12', '--colour', 'red')).toBe(2);
    expect(stderr).toContain("Unknown option '--colour'");
  });
});
