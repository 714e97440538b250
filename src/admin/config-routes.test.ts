import express from 'express';
import type IORedis from 'ioredis';
import request from 'supertest';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { DEFAULT_SCORE_CONFIG } from '../engine';
import { ConfigStore } from '../store/configs';
import { configAdminRouter } from './config-routes';

const PORTAL = 1234567;

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

describe('configAdminRouter', () => {
  let redis: IORedis;
  let store: ConfigStore;
  let app: express.Express;

  beforeAll(() => {
    redis = testRedis();
  });
  beforeEach(() => {
    store = new ConfigStore(redis, uniquePrefix('config-routes'));
    app = express();
    app.use('/admin', configAdminRouter({ store }));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('returns the default config for a new portal', async () => {
    const response = await request(app).get(`/admin/portals/${PORTAL}/configs/default`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      portalId: PORTAL,
      workspace: 'default',
      version: 1,
      stored: false,
      storedAt: null,
      config: JSON.parse(JSON.stringify(DEFAULT_SCORE_CONFIG)),
    });
  });

  it('stores a valid config as the next version', async () => {
    const put = await request(app)
      .put(`/admin/portals/${PORTAL}/configs/default`)
      .send(configJson(40, 25));
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(2);
    expect(put.body.warnings).toEqual([]);

    const get = await request(app).get(`/admin/portals/${PORTAL}/configs/default`);
    expect(get.body.version).toBe(2);
    expect(get.body.stored).toBe(true);
    expect(get.body.config.metrics[0].weight).toBe(40);
  });

  it('answers 400 with every problem and stores nothing', async () => {
    const broken = configJson(40, 30);
    (broken.status as Record<string, unknown>).atRiskBelow = 80;
    const response = await request(app)
      .put(`/admin/portals/${PORTAL}/configs/default`)
      .send(broken);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        code: 'invalid_config',
        message: 'invalid score config (2 problem(s)); nothing was stored',
        errors: [
          'weights sum to 105 (usage_per_seat 40 + nps 30 + open_tickets 20 + last_contact 15); ' +
            'they must sum to 100',
          'status: healthyAtOrAbove 70 must be above atRiskBelow 80',
        ],
      },
    });
    expect(await store.getStored(PORTAL, 'default')).toBeUndefined();
  });

  it('rejects a body that is not JSON', async () => {
    const response = await request(app)
      .put(`/admin/portals/${PORTAL}/configs/default`)
      .set('Content-Type', 'application/json')
      .send('{"metrics": [');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_json');
  });

  it('rejects a body without a JSON content type', async () => {
    const response = await request(app)
      .put(`/admin/portals/${PORTAL}/configs/default`)
      .set('Content-Type', 'text/plain')
      .send('metrics');
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('unsupported_media_type');
  });

  it('validates without storing', async () => {
    const response = await request(app)
      .post(`/admin/portals/${PORTAL}/configs/default/validate`)
      .send(configJson(40, 20));
    expect(response.status).toBe(200);
    expect(response.body.valid).toBe(false);
    expect(response.body.problems).toEqual([
      'weights sum to 95 (usage_per_seat 40 + nps 20 + open_tickets 20 + last_contact 15); ' +
        'they must sum to 100',
    ]);
    expect(await store.getStored(PORTAL, 'default')).toBeUndefined();
  });

  it('lists the history newest first', async () => {
    await store.put(PORTAL, 'smb', configJson(40, 25));
    await store.put(PORTAL, 'smb', configJson(35, 30));
    const response = await request(app).get(`/admin/portals/${PORTAL}/configs/smb/history?limit=5`);
    expect(response.status).toBe(200);
    expect(response.body.versions.map((entry: { version: number }) => entry.version)).toEqual([
      3, 2,
    ]);
    const list = await request(app).get(`/admin/portals/${PORTAL}/configs`);
    expect(list.body).toEqual({ portalId: PORTAL, workspaces: ['default', 'smb'] });
  });

  it('rejects a bad history limit', async () => {
    const response = await request(app).get(`/admin/portals/${PORTAL}/configs/smb/history?limit=0`);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe('limit must be a whole number from 1 to 50, got "0"');
  });

  it('rejects a bad portal id and workspace', async () => {
    const portal = await request(app).get('/admin/portals/abc/configs/default');
    expect(portal.status).toBe(400);
    expect(portal.body.error.code).toBe('invalid_portal_id');
    const workspace = await request(app).get(`/admin/portals/${PORTAL}/configs/Sales%20Team`);
    expect(workspace.status).toBe(400);
    expect(workspace.body.error.message).toBe(
      'workspace must be 1-64 lowercase letters, digits, "-" or "_", got "Sales Team"',
    );
  });
});
