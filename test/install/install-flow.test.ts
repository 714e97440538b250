import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { REQUIRED_SCOPES } from '../../src/install/scopes';
import { CS_HEALTH_PROPERTIES } from '../../src/install/properties';
import { installOverHttp, startInstallHarness, type InstallHarness } from './harness';

/** Reads a company property definition from the sandbox with a token of its own. */
async function sandboxProperty(harness: InstallHarness, name: string) {
  const { accessToken } = harness.portal.issueTokens();
  const response = await fetch(`${harness.sandbox.baseUrl}/crm/v3/properties/companies/${name}`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return response.status === 200
    ? ((await response.json()) as {
        name: string;
        label: string;
        groupName: string;
        type: string;
        options: { value: string; label: string }[];
      })
    : undefined;
}

describe('install flow against the sandbox', () => {
  let harness: InstallHarness;

  beforeEach(async () => {
    harness = await startInstallHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('installs, provisions and starts scoring', async () => {
    const run = await installOverHttp(harness);

    expect(run.status).toBe(200);
    expect(run.html).toContain('CS Health is installed');
    expect(run.html).toContain('first full scoring');
    const installation = await harness.installations.get(harness.portal.id);
    expect(installation?.status).toBe('active');
    expect(installation?.scopes).toEqual(expect.arrayContaining([...REQUIRED_SCOPES]));
    expect(installation?.provisionedAt).toBeGreaterThan(0);
    expect(harness.installed).toEqual([harness.portal.id]);
    const tokens = await harness.tokens.get(harness.portal.id);
    expect(tokens?.accessToken).toBeTruthy();
    for (const definition of CS_HEALTH_PROPERTIES) {
      const stored = await sandboxProperty(harness, definition.name);
      expect(stored?.groupName).toBe('cs_health');
      expect(stored?.type).toBe(definition.type);
    }
    const status = await sandboxProperty(harness, 'cs_health_status');
    expect(status?.options.map((option) => option.value)).toEqual([
      'healthy',
      'needs_attention',
      'at_risk',
    ]);
  });

  it('keeps no token in plain text in Redis', async () => {
    await installOverHttp(harness);
    const tokens = await harness.tokens.get(harness.portal.id);
    const keys = await harness.redis.keys(`${harness.prefix}:*`);
    const dump: string[] = [];
    for (const key of keys) {
      const type = await harness.redis.type(key);
      if (type === 'hash') dump.push(JSON.stringify(await harness.redis.hgetall(key)));
      if (type === 'string') dump.push((await harness.redis.get(key)) ?? '');
    }
    expect(dump.join('\n')).not.toContain(tokens?.accessToken);
    expect(dump.join('\n')).not.toContain(tokens?.refreshToken);
  });

  it('asks for the scopes the app component requires', async () => {
    const start = await fetch(`${harness.appUrl}/oauth/install`, { redirect: 'manual' });
    const location = new URL(start.headers.get('location') ?? '');
    const hsmeta = JSON.parse(
      readFileSync(path.join(__dirname, '../../extensions/app/app-hsmeta.json'), 'utf8'),
    );
    expect(location.origin + location.pathname).toBe(harness.sandbox.authorizeUrl);
    expect(location.searchParams.get('scope')?.split(' ')).toEqual(
      hsmeta.config.auth.requiredScopes,
    );
    expect(location.searchParams.get('redirect_uri')).toBe(`${harness.appUrl}/oauth/callback`);
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  /** Nothing of the portal reached Redis or the sandbox's properties. */
  async function expectNothingStored() {
    expect(await harness.installations.get(harness.portal.id)).toBeUndefined();
    expect(await harness.tokens.get(harness.portal.id)).toBeUndefined();
    expect(await sandboxProperty(harness, 'cs_health_score')).toBeUndefined();
    expect(harness.installed).toEqual([]);
  }

  it('stores nothing when consent is denied', async () => {
    const run = await installOverHttp(harness, { decision: 'deny' });

    expect(run.status).toBe(400);
    expect(run.html).toContain('data-install-result="access_denied"');
    expect(run.html).toContain('start again');
    await expectNothingStored();
  });

  it('treats an oversized error parameter as an error', async () => {
    const run = await installOverHttp(harness, { followCallback: false });
    const url = new URL(run.callbackUrl);
    url.searchParams.set('error', 'x'.repeat(3000));

    const response = await fetch(url, { headers: { cookie: run.cookie } });

    expect(response.status).toBe(400);
    expect(harness.installed).toEqual([]);
    await expectNothingStored();
  });

  it('rejects a replayed callback', async () => {
    const run = await installOverHttp(harness);
    expect(run.status).toBe(200);

    const replay = await fetch(run.callbackUrl, { headers: { cookie: run.cookie } });

    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('data-install-result="state_expired_or_used"');
    expect(harness.installed).toEqual([harness.portal.id]);
  });

  it('rejects a callback without state', async () => {
    const run = await installOverHttp(harness, { followCallback: false });
    const url = new URL(run.callbackUrl);
    url.searchParams.delete('state');

    const response = await fetch(url, { headers: { cookie: run.cookie } });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('data-install-result="missing_state"');
    await expectNothingStored();
  });

  it('rejects a callback from a browser without the install cookie', async () => {
    const run = await installOverHttp(harness, { followCallback: false });

    const response = await fetch(run.callbackUrl);

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('data-install-result="missing_browser_cookie"');
    await expectNothingStored();
  });

  it("rejects a callback carrying another browser's cookie", async () => {
    const victim = await installOverHttp(harness, { followCallback: false });
    const attacker = await installOverHttp(harness, { followCallback: false });

    const response = await fetch(victim.callbackUrl, { headers: { cookie: attacker.cookie } });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('data-install-result="state_from_other_browser"');
    await expectNothingStored();
  });

  it('rejects a used authorization code', async () => {
    // The sandbox's codes expire after 10 minutes. A code already exchanged gets the same
    // invalid_grant response, so the test spends the code first instead of waiting.
    const run = await installOverHttp(harness, { followCallback: false });
    const code = new URL(run.callbackUrl).searchParams.get('code') ?? '';
    await harness.gateway.oauth.exchangeCode(code);

    const response = await fetch(run.callbackUrl, { headers: { cookie: run.cookie } });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('data-install-result="code_rejected"');
    await expectNothingStored();
  });

  it('sets an HttpOnly, SameSite=Lax install cookie scoped to /oauth', async () => {
    const start = await fetch(`${harness.appUrl}/oauth/install`, { redirect: 'manual' });
    const cookie = start.headers.get('set-cookie') ?? '';

    expect(cookie).toMatch(/^csh_install=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/oauth');
    expect(cookie).not.toContain('Secure');
  });

  it('keeps the configured redirect URI whatever the Host header says', async () => {
    // fetch does not let a caller set Host, so this request goes through node:http.
    const location = await new Promise<string>((resolve, reject) => {
      const request = http.get(
        `${harness.appUrl}/oauth/install`,
        { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } },
        (response) => {
          response.resume();
          resolve(response.headers.location ?? '');
        },
      );
      request.on('error', reject);
    });

    expect(new URL(location).searchParams.get('redirect_uri')).toBe(
      `${harness.appUrl}/oauth/callback`,
    );
  });

  it('sends security headers and no Referer on the callback page', async () => {
    const run = await installOverHttp(harness, { followCallback: false });
    const response = await fetch(run.callbackUrl, { headers: { cookie: run.cookie } });

    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('reinstall clears the disconnected state', async () => {
    await installOverHttp(harness);
    await harness.installations.markDisconnected(harness.portal.id, 'refresh_token_revoked');
    harness.sandbox.resetCounts();

    const again = await installOverHttp(harness);

    expect(again.status).toBe(200);
    expect(again.html).toContain(
      `0 created, 0 updated, ${CS_HEALTH_PROPERTIES.length} already up to date`,
    );
    const installation = await harness.installations.get(harness.portal.id);
    expect(installation?.status).toBe('active');
    expect(installation?.disconnectedAt).toBeUndefined();
    const writes = Object.entries(harness.sandbox.requestCounts()).filter(
      ([route]) => route.includes('/properties') && !route.startsWith('GET'),
    );
    expect(writes).toEqual([]);
  });
});

describe('install cookie outside local development', () => {
  it('is Secure when SECURE_COOKIES is on', async () => {
    const harness = await startInstallHarness({ env: { SECURE_COOKIES: 'true' } });
    try {
      const start = await fetch(`${harness.appUrl}/oauth/install`, { redirect: 'manual' });
      expect(start.headers.get('set-cookie')).toContain('Secure');
      expect(start.headers.get('strict-transport-security')).toContain('max-age=31536000');
    } finally {
      await harness.close();
    }
  });
});
