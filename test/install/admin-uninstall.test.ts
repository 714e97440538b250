import { PortalDisconnectedError } from '../../src/hubspot/errors';
import { createLogger } from '../../src/log';
import { runAdmin } from '../../src/main/admin';
import { testRedisUrl } from '../setup/redis';
import { testEnv } from './env';
import { installOverHttp, startInstallHarness, type InstallHarness } from './harness';
import { buildGateway } from './stores';

const UNINSTALL_ROUTE = 'DELETE /appinstalls/2026-03/external-install';

describe('admin API and uninstall', () => {
  let harness: InstallHarness;
  let auth: { authorization: string };

  beforeEach(async () => {
    harness = await startInstallHarness();
    auth = { authorization: `Bearer ${harness.env.ADMIN_TOKEN}` };
  });
  afterEach(async () => {
    await harness.close();
  });

  it.each([
    ['no header', {}, 'missing_admin_token'],
    [
      'a wrong token',
      { authorization: 'Bearer not-the-admin-token-at-all' },
      'invalid_admin_token',
    ],
    ['a prefix of the token', { authorization: 'Bearer admin-token' }, 'invalid_admin_token'],
    ['basic auth', { authorization: 'Basic YWRtaW46YWRtaW4=' }, 'missing_admin_token'],
  ])('rejects %s with 401', async (_name, headers, code) => {
    const response = await fetch(`${harness.appUrl}/admin/portals`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it('lists installations without tokens', async () => {
    await installOverHttp(harness);
    const tokens = await harness.tokens.get(harness.portal.id);

    const response = await fetch(`${harness.appUrl}/admin/portals`, { headers: auth });
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(
      JSON.parse(text).portals.map((item: { portalId: number; status: string }) => [
        item.portalId,
        item.status,
      ]),
    ).toEqual([[harness.portal.id, 'active']]);
    expect(text).not.toContain(tokens?.accessToken);
    expect(text).not.toContain(tokens?.refreshToken);
  });

  it("uninstall deletes only that portal's data", async () => {
    await installOverHttp(harness);
    const id = harness.portal.id;
    await harness.redis.set(`${harness.prefix}:rc:${id}:result:1`, 'x');
    await harness.redis.set(`${harness.prefix}:backfill:${id}`, 'x');
    await harness.redis.set(`${harness.prefix}:rc:${id}9:result:1`, 'other portal');
    await harness.redis.set(`${harness.prefix}:rc:42:result:${id}`, 'other portal');
    harness.sandbox.resetCounts();

    const response = await fetch(`${harness.appUrl}/admin/portals/${id}/uninstall`, {
      method: 'POST',
      headers: auth,
    });

    expect(response.status).toBe(200);
    const result = (await response.json()) as { calledHubSpot: boolean; deletedKeys: number };
    expect(result.calledHubSpot).toBe(true);
    // The two keys above plus the rate-limit window the uninstall call itself used.
    expect(result.deletedKeys).toBe(3);
    const left = (await harness.redis.keys(`${harness.prefix}:*`)).filter((key) =>
      key.split(':').includes(String(id)),
    );
    expect(left.sort()).toEqual([
      `${harness.prefix}:installation:${id}`,
      `${harness.prefix}:rc:42:result:${id}`,
    ]);
    expect(harness.sandbox.requestCounts()[UNINSTALL_ROUTE]).toBe(1);
    expect(harness.portal.isInstalled()).toBe(false);
    expect(await harness.tokens.get(id)).toBeUndefined();
    expect(await harness.installations.status(id)).toBe('uninstalled');
    expect(
      await harness.redis.exists(
        `${harness.prefix}:rc:${id}:result:1`,
        `${harness.prefix}:backfill:${id}`,
      ),
    ).toBe(0);
    expect(await harness.redis.get(`${harness.prefix}:rc:${id}9:result:1`)).toBe('other portal');
    expect(await harness.redis.get(`${harness.prefix}:rc:42:result:${id}`)).toBe('other portal');
    await expect(harness.gateway.forPortal(id)).rejects.toBeInstanceOf(PortalDisconnectedError);
  });

  it('uninstalls a disconnected portal without calling HubSpot', async () => {
    await installOverHttp(harness);
    await harness.installations.markDisconnected(harness.portal.id, 'refresh_token_revoked');
    harness.sandbox.resetCounts();

    const response = await fetch(`${harness.appUrl}/admin/portals/${harness.portal.id}/uninstall`, {
      method: 'POST',
      headers: auth,
    });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { calledHubSpot: boolean }).calledHubSpot).toBe(false);
    expect(harness.sandbox.requestCounts().total ?? 0).toBe(0);
    expect(await harness.tokens.get(harness.portal.id)).toBeUndefined();
  });

  it('returns 404 unknown, 400 bad id', async () => {
    const unknown = await fetch(`${harness.appUrl}/admin/portals/999/uninstall`, {
      method: 'POST',
      headers: auth,
    });
    const bad = await fetch(`${harness.appUrl}/admin/portals/12ab/uninstall`, {
      method: 'POST',
      headers: auth,
    });

    expect(unknown.status).toBe(404);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain(
      '"12ab"',
    );
  });

  it('provisions again on request', async () => {
    await installOverHttp(harness);

    const response = await fetch(`${harness.appUrl}/admin/portals/${harness.portal.id}/provision`, {
      method: 'POST',
      headers: auth,
    });

    expect(response.status).toBe(200);
    const result = (await response.json()) as { created: string[]; unchanged: string[] };
    expect(result.created).toEqual([]);
    expect(result.unchanged).toHaveLength(13);
  });

  it('returns 409 when disconnected', async () => {
    await installOverHttp(harness);
    await harness.installations.markDisconnected(harness.portal.id, 'refresh_token_revoked');

    const response = await fetch(`${harness.appUrl}/admin/portals/${harness.portal.id}/provision`, {
      method: 'POST',
      headers: auth,
    });

    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'portal_disconnected',
    );
  });

  describe('admin CLI', () => {
    function cliEnv() {
      return testEnv({
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: harness.prefix,
        HUBSPOT_API_BASE: harness.sandbox.baseUrl,
        HUBSPOT_CLIENT_ID: harness.sandbox.app.clientId,
        HUBSPOT_CLIENT_SECRET: harness.sandbox.app.clientSecret,
        TOKEN_ENCRYPTION_KEYS: harness.env.TOKEN_ENCRYPTION_KEYS.map(
          (key) => `${key.id}:${key.key.toString('base64')}`,
        ).join(','),
      });
    }

    async function cli(...args: string[]) {
      const lines: string[] = [];
      const code = await runAdmin(args, cliEnv(), createLogger({ level: 'silent' }), (line) =>
        lines.push(line),
      );
      return { code, output: lines.join('\n') };
    }

    it('prints the status of each installation', async () => {
      await installOverHttp(harness);

      const { code, output } = await cli('status');

      expect(code).toBe(0);
      expect(output).toContain(`portal ${harness.portal.id}: active`);
      expect(output).toContain('properties provisioned');
    });

    it('uninstalls a portal', async () => {
      await installOverHttp(harness);

      const { code, output } = await cli('uninstall', '--portal', String(harness.portal.id));

      expect(code).toBe(0);
      expect(output).toContain('HubSpot uninstall called');
      expect(harness.portal.isInstalled()).toBe(false);
      expect(await harness.installations.status(harness.portal.id)).toBe('uninstalled');
    });

    it('names a bad portal id', async () => {
      await expect(cli('uninstall', '--portal', 'abc')).rejects.toThrow(
        '--portal must be a HubSpot portal id',
      );
    });

    it('returns 1 for a portal that is not installed', async () => {
      const { code, output } = await cli('uninstall', '--portal', '424242');
      expect(code).toBe(1);
      expect(output).toContain('portal 424242 has no installation');
    });

    it('hands config commands to the score-config CLI', async () => {
      const { code, output } = await cli('config', 'show', '--portal', String(harness.portal.id));

      expect(code).toBe(0);
      expect(JSON.parse(output)).toMatchObject({ workspace: 'default' });
    });

    it('re-encrypts tokens under a new active key', async () => {
      await installOverHttp(harness);
      const before = await harness.tokens.get(harness.portal.id);
      const oldKeys = cliEnv().TOKEN_ENCRYPTION_KEYS.map(
        (key) => `${key.id}:${key.key.toString('base64')}`,
      );
      const rotated = testEnv({
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: harness.prefix,
        TOKEN_ENCRYPTION_KEYS: [...oldKeys, `k2:${Buffer.alloc(32, 7).toString('base64')}`].join(
          ',',
        ),
        TOKEN_ENCRYPTION_ACTIVE_KEY: 'k2',
      });
      const lines: string[] = [];

      const code = await runAdmin(
        ['reencrypt-tokens'],
        rotated,
        createLogger({ level: 'silent' }),
        (line) => lines.push(line),
      );

      expect(code).toBe(0);
      expect(lines.join('\n')).toContain('re-encrypted 1 with key "k2"');
      expect(await harness.redis.hget(harness.tokens.key(harness.portal.id), 'keyId')).toBe('k2');
      const onlyNewKey = buildGateway({
        env: testEnv({ TOKEN_ENCRYPTION_KEYS: `k2:${Buffer.alloc(32, 7).toString('base64')}` }),
        redis: harness.redis,
        prefix: harness.prefix,
      });
      expect((await onlyNewKey.tokens.get(harness.portal.id))?.accessToken).toBe(
        before?.accessToken,
      );
    });

    it('prints usage for an unknown command', async () => {
      const { code, output } = await cli('frobnicate');
      expect(code).toBe(2);
      expect(output).toContain('unknown command "frobnicate"');
    });
  });
});
