import express from 'express';
import request from 'supertest';
import { startSandbox, type PortalHandle, type Sandbox } from '../../sandbox';
import {
  startSandboxRuntime,
  waitFor,
  type SandboxRuntime,
} from '../../webhooks/queue/test-support/sandbox-runtime';
import { DEFAULT_SCORE_CONFIG } from '../engine';
import { provisionProperties } from '../install/provision';
import { runConfigCommand } from './config-command';
import { configAdminRouter } from './config-routes';

/**
 * A stored score config rescores the portal's companies through the real queue runtime, the
 * real recompute and the sandbox: every company ends up with the new `cs_health_config_version`.
 */
const TIME_SCALE = 20;
const COMPANIES = 4;

let sandbox: Sandbox;
let portal: PortalHandle;
let runtime: SandboxRuntime;
let companyIds: string[];

function configJson(usageWeight: number, npsWeight: number): Record<string, unknown> {
  const json = JSON.parse(JSON.stringify(DEFAULT_SCORE_CONFIG)) as {
    metrics: { id: string; weight: number }[];
  } & Record<string, unknown>;
  for (const metric of json.metrics) {
    if (metric.id === 'usage_per_seat') metric.weight = usageWeight;
    if (metric.id === 'nps') metric.weight = npsWeight;
  }
  delete json.workspace;
  delete json.version;
  return json;
}

function configVersions(): string[] {
  return companyIds.map(
    (id) => portal.getObject('companies', id)?.properties.cs_health_config_version ?? '',
  );
}

async function waitForVersion(version: string): Promise<void> {
  await waitFor(
    () => configVersions().every((value) => value === version),
    30_000,
    `every company to have config version ${version}`,
  );
}

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: TIME_SCALE, logger: false });
  portal = await sandbox.createPortal({ seed: 'empty' });
  companyIds = Array.from({ length: COMPANIES }, (_, index) =>
    portal.createObject('companies', {
      name: `Company ${index}`,
      usage_events_7d: String(100 * index),
      licensed_seats: '10',
    }),
  );
  runtime = await startSandboxRuntime({ sandbox, portal, timeScale: TIME_SCALE });
  await provisionProperties(runtime.client, runtime.logger);
  await runtime.queue.requestSweep(portal.id, 'backfill');
  await waitForVersion('1');
  await runtime.idle();
});

afterAll(async () => {
  await runtime.close();
  await sandbox.stop();
});

describe('config change rescoring', () => {
  test('PUT rescores with the new version', async () => {
    const app = express();
    app.use(
      '/admin',
      configAdminRouter({
        store: runtime.configs,
        requestRescore: (portalId) => runtime.queue.requestSweep(portalId, 'backfill'),
      }),
    );

    const put = await request(app)
      .put(`/admin/portals/${portal.id}/configs/default`)
      .send(configJson(40, 25));

    expect(put.status).toBe(200);
    expect(put.body.version).toBe(2);
    expect(put.body.rescoreRequested).toBe(true);
    await waitForVersion('2');
    await runtime.idle();
    expect(configVersions()).toEqual(companyIds.map(() => '2'));
    for (const id of companyIds) {
      expect((await runtime.store.getResult(portal.id, id))?.configVersion).toBe(2);
    }
  });

  test('CLI load rescores with the new version', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runConfigCommand(
      ['config', 'load', '--portal', String(portal.id), '--file', 'weights.json'],
      {
        store: runtime.configs,
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        readTextFile: async () => JSON.stringify(configJson(35, 30)),
        requestRescore: (portalId) => runtime.queue.requestSweep(portalId, 'backfill'),
      },
    );

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      `Stored score config version 3 for portal ${portal.id}, workspace default.\n` +
        `Requested a rescoring of every company of portal ${portal.id}.\n`,
    );
    await waitForVersion('3');
    await runtime.idle();
    expect(configVersions()).toEqual(companyIds.map(() => '3'));
  });

  test('failed rescore request keeps the config', async () => {
    const app = express();
    app.use(
      '/admin',
      configAdminRouter({
        store: runtime.configs,
        requestRescore: async () => {
          throw new Error('Redis connection is closed');
        },
      }),
    );

    const put = await request(app)
      .put(`/admin/portals/${portal.id}/configs/smb`)
      .send(configJson(40, 25));

    expect(put.status).toBe(200);
    expect(put.body.version).toBe(2);
    expect(put.body.rescoreRequested).toBe(false);
    expect(put.body.rescoreError).toBe(
      'the config is stored, but requesting the rescoring failed: Redis connection is closed',
    );
    expect((await runtime.configs.get(portal.id, 'smb')).version).toBe(2);
  });
});
