import type IORedis from 'ioredis';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { InstallationStore } from './installations';

describe('InstallationStore', () => {
  let redis: IORedis;
  let store: InstallationStore;

  beforeAll(() => {
    redis = testRedis();
  });
  beforeEach(() => {
    store = new InstallationStore({ redis, prefix: uniquePrefix('installations') });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('records an install', async () => {
    await store.markInstalled(101, {
      scopes: ['oauth', 'tickets'],
      hubDomain: 'acme.example',
      installedByUserId: 9,
    });
    const installation = await store.get(101);
    expect(installation?.status).toBe('active');
    expect(installation?.scopes).toEqual(['oauth', 'tickets']);
    expect(installation?.hubDomain).toBe('acme.example');
    expect(installation?.installedByUserId).toBe(9);
    expect(await store.isActive(101)).toBe(true);
  });

  it('marks an active portal disconnected once', async () => {
    await store.markInstalled(101, { scopes: [] });
    expect(await store.markDisconnected(101, 'refresh_token_revoked')).toBe(true);
    expect(await store.markDisconnected(101, 'refresh_token_revoked')).toBe(false);
    const installation = await store.get(101);
    expect(installation?.status).toBe('disconnected');
    expect(installation?.disconnectReason).toBe('refresh_token_revoked');
    expect(installation?.disconnectedAt).toBeGreaterThan(0);
  });

  it('does not create a record when disconnecting an unknown portal', async () => {
    expect(await store.markDisconnected(555, 'refresh_token_revoked')).toBe(false);
    expect(await store.get(555)).toBeUndefined();
  });

  it('clears the disconnected state on reinstall', async () => {
    await store.markInstalled(101, { scopes: [] });
    await store.markDisconnected(101, 'refresh_token_revoked');
    await store.markInstalled(101, { scopes: ['oauth'] });
    const installation = await store.get(101);
    expect(installation?.status).toBe('active');
    expect(installation?.disconnectedAt).toBeUndefined();
    expect(installation?.disconnectReason).toBeUndefined();
  });

  it('keeps an uninstalled tombstone without details', async () => {
    await store.markInstalled(101, { scopes: ['oauth'], hubDomain: 'acme.example' });
    await store.markUninstalled(101);
    const installation = await store.get(101);
    expect(installation?.status).toBe('uninstalled');
    expect(installation?.hubDomain).toBeUndefined();
    expect(await store.markDisconnected(101, 'x')).toBe(false);
  });

  it('records provisioning results', async () => {
    await store.markInstalled(101, { scopes: [] });
    await store.markProvisioned(101, 'cs_health_score: owned by someone else');
    expect((await store.get(101))?.provisioningError).toContain('cs_health_score');
    await store.markProvisioned(101);
    const installation = await store.get(101);
    expect(installation?.provisioningError).toBeUndefined();
    expect(installation?.provisionedAt).toBeGreaterThan(0);
  });

  it('lists installations by portal id', async () => {
    await store.markInstalled(30, { scopes: [] });
    await store.markInstalled(10, { scopes: [] });
    await store.markInstalled(20, { scopes: [] });
    await store.markDisconnected(20, 'refresh_token_revoked');
    const list = await store.list();
    expect(list.map((item) => item.portalId)).toEqual([10, 20, 30]);
    expect(list.map((item) => item.status)).toEqual(['active', 'disconnected', 'active']);
  });
});
