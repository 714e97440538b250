import { readFileSync } from 'node:fs';
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
});
