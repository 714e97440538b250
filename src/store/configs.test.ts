import type IORedis from 'ioredis';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { DEFAULT_SCORE_CONFIG, ScoreConfigError, type ReferenceDistributions } from '../engine';
import { ConfigStore, MAX_CONFIG_VERSIONS } from './configs';

const PORTAL = 1234567;

/** Builds the default config as plain JSON with new usage and NPS weights, as an admin loads it. */
function editedConfig(usageWeight = 40, npsWeight = 65 - usageWeight): Record<string, unknown> {
  const json = JSON.parse(JSON.stringify(DEFAULT_SCORE_CONFIG)) as {
    metrics: { id: string; weight: number }[];
  } & Record<string, unknown>;
  for (const metric of json.metrics) {
    if (metric.id === 'usage_per_seat') metric.weight = usageWeight;
    if (metric.id === 'nps') metric.weight = npsWeight;
  }
  delete json.version;
  delete json.workspace;
  return json;
}

function reference(version: number, values: number[]): ReferenceDistributions {
  return { workspace: 'default', configVersion: version, asOf: null, metrics: { usage: values } };
}

describe('ConfigStore', () => {
  let redis: IORedis;
  let prefix: string;
  let store: ConfigStore;

  beforeAll(() => {
    redis = testRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix('configs');
    store = new ConfigStore(redis, prefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('starts every portal with the default config', async () => {
    expect(await store.get(PORTAL, 'default')).toEqual(DEFAULT_SCORE_CONFIG);
    expect(await store.getStored(PORTAL, 'default')).toBeUndefined();
    expect(await store.listWorkspaces(PORTAL)).toEqual(['default']);
    expect(await store.history(PORTAL, 'default')).toEqual([]);
  });

  it('gives another workspace the default metrics under its own name', async () => {
    const config = await store.get(PORTAL, 'enterprise');
    expect(config.workspace).toBe('enterprise');
    expect(config.metrics).toEqual(DEFAULT_SCORE_CONFIG.metrics);
  });

  it('stores a config as version 2 and returns it', async () => {
    const result = await store.put(PORTAL, 'default', editedConfig());
    expect(result.version).toBe(2);
    expect(result.warnings).toEqual([]);

    const config = await store.get(PORTAL, 'default');
    expect(config.version).toBe(2);
    expect(config.workspace).toBe('default');
    expect(config.metrics.map((metric) => metric.weight)).toEqual([40, 25, 20, 15]);
  });

  it('increments the version and keeps the history newest first', async () => {
    await store.put(PORTAL, 'default', editedConfig(40));
    await store.put(PORTAL, 'default', editedConfig(35));
    await store.put(PORTAL, 'default', editedConfig(30));

    const history = await store.history(PORTAL, 'default');
    expect(history.map((entry) => entry.version)).toEqual([4, 3, 2]);
    expect(history.map((entry) => entry.config.metrics[0]?.weight)).toEqual([30, 35, 40]);
    expect(Date.parse(history[0]?.storedAt ?? '')).toBeGreaterThan(0);
    expect((await store.history(PORTAL, 'default', 1)).map((entry) => entry.version)).toEqual([4]);
  });

  it('gives concurrent puts distinct versions', async () => {
    const results = await Promise.all(
      [40, 39, 38, 37, 36].map((weight) => store.put(PORTAL, 'default', editedConfig(weight))),
    );
    expect(results.map((result) => result.version).sort()).toEqual([2, 3, 4, 5, 6]);
    expect((await store.get(PORTAL, 'default')).version).toBe(6);
  });

  it(`keeps only the last ${MAX_CONFIG_VERSIONS} versions`, async () => {
    for (let index = 0; index < MAX_CONFIG_VERSIONS + 5; index += 1) {
      await store.put(PORTAL, 'default', editedConfig(40));
    }
    const history = await store.history(PORTAL, 'default', 100);
    expect(history).toHaveLength(MAX_CONFIG_VERSIONS);
    expect(history[0]?.version).toBe(MAX_CONFIG_VERSIONS + 6);
    expect(history.at(-1)?.version).toBe(7);
    expect(await redis.zcard(`${prefix}:configs:${PORTAL}:default:versions`)).toBe(
      MAX_CONFIG_VERSIONS,
    );
  });

  it('rejects an invalid config and stores nothing', async () => {
    const broken = editedConfig(40, 35);
    await expect(store.put(PORTAL, 'default', broken)).rejects.toThrow(ScoreConfigError);
    await expect(store.put(PORTAL, 'default', broken)).rejects.toMatchObject({
      problems: [
        'weights sum to 110 (usage_per_seat 40 + nps 35 + open_tickets 20 + last_contact 15); ' +
          'they must sum to 100',
      ],
    });
    expect(await store.getStored(PORTAL, 'default')).toBeUndefined();
    expect(await store.listWorkspaces(PORTAL)).toEqual(['default']);
  });

  it('rejects a config that names another workspace', async () => {
    const config = { ...editedConfig(), workspace: 'smb' };
    await expect(store.put(PORTAL, 'enterprise', config)).rejects.toMatchObject({
      problems: [
        'workspace: the config names workspace "smb" but is being stored for workspace ' +
          '"enterprise"; change the field or leave it out',
      ],
    });
  });

  it('replaces a version given in the input and warns', async () => {
    const result = await store.put(PORTAL, 'default', { ...editedConfig(), version: 9 });
    expect(result.version).toBe(2);
    expect(result.warnings).toEqual(['version 9 in the input is ignored; stored as version 2']);
  });

  it('lists the workspaces with stored configs', async () => {
    await store.put(PORTAL, 'smb', editedConfig());
    await store.put(PORTAL, 'enterprise', editedConfig());
    expect(await store.listWorkspaces(PORTAL)).toEqual(['default', 'enterprise', 'smb']);
    expect(await store.listWorkspaces(PORTAL + 1)).toEqual(['default']);
  });

  it('keeps portals apart', async () => {
    await store.put(PORTAL, 'default', editedConfig(30));
    expect((await store.get(PORTAL + 1, 'default')).version).toBe(1);
  });

  it('stores reference distributions per version', async () => {
    await store.putReference(PORTAL, reference(1, [1, 2, 3]));
    await store.putReference(PORTAL, reference(2, [4, 5]));
    expect(await store.getReference(PORTAL, 'default', 1)).toEqual(reference(1, [1, 2, 3]));
    expect(await store.getReference(PORTAL, 'default', 2)).toEqual(reference(2, [4, 5]));
    expect(await store.getReference(PORTAL, 'default', 3)).toBeUndefined();
  });

  it('drops the references of versions no longer kept', async () => {
    await store.putReference(PORTAL, reference(1, [1]));
    for (let index = 0; index < MAX_CONFIG_VERSIONS + 1; index += 1) {
      await store.put(PORTAL, 'default', editedConfig(40));
    }
    // Versions 3 to 52 are kept, so the references of 1 and 2 are gone.
    await store.putReference(PORTAL, reference(3, [3]));
    expect(await store.getReference(PORTAL, 'default', 1)).toBeUndefined();
    expect(await store.getReference(PORTAL, 'default', 3)).toEqual(reference(3, [3]));
  });

  it('deletes everything of a portal', async () => {
    await store.put(PORTAL, 'smb', editedConfig());
    await store.putReference(PORTAL, { ...reference(2, [1]), workspace: 'smb' });
    await store.deletePortal(PORTAL);
    expect(await store.getStored(PORTAL, 'smb')).toBeUndefined();
    expect(await store.getReference(PORTAL, 'smb', 2)).toBeUndefined();
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('rejects a bad portal id or workspace name', async () => {
    await expect(store.get(0, 'default')).rejects.toThrow(
      'portal id must be a positive integer, got 0',
    );
    await expect(store.get(PORTAL, 'Sales Team')).rejects.toThrow(
      'workspace must be 1-64 lowercase letters, digits, "-" or "_", got "Sales Team"',
    );
  });

  it('reports a stored config that no longer validates', async () => {
    await store.put(PORTAL, 'default', editedConfig());
    const key = `${prefix}:configs:${PORTAL}:default:versions`;
    const broken = { version: 3, storedAt: new Date(0).toISOString(), config: { metrics: [] } };
    await redis.zadd(key, 3, JSON.stringify(broken));
    await expect(store.get(PORTAL, 'default')).rejects.toThrow(
      `stored config for portal ${PORTAL} workspace default version 3 no longer passes ` +
        'validation: status: is required; metrics: a config needs 1 to 10 metrics; this one has ' +
        '0; store a corrected version',
    );
  });
});
