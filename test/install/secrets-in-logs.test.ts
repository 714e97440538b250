import { Writable } from 'node:stream';
import { createLogger } from '../../src/log';
import { installOverHttp, startInstallHarness, type InstallHarness } from './harness';

/** Collects every log line the app writes, at the most verbose level. */
function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'trace' }, stream) };
}

describe('secrets in logs', () => {
  let harness: InstallHarness;
  let logs: ReturnType<typeof captureLogs>;

  beforeEach(async () => {
    logs = captureLogs();
    harness = await startInstallHarness({ logger: logs.logger });
  });
  afterEach(async () => {
    await harness.close();
  });

  it('logs no token, code, state or secret through install, refresh and failure paths', async () => {
    const run = await installOverHttp(harness);
    const code = new URL(run.callbackUrl).searchParams.get('code') ?? '';
    const state = new URL(run.callbackUrl).searchParams.get('state') ?? '';
    const installed = await harness.tokens.get(harness.portal.id);
    // A 401 refresh, then a revoked refresh token, then an error on a disconnected portal.
    harness.portal.expireAccessTokens();
    const client = await harness.gateway.forPortal(harness.portal.id);
    await client.batchReadObjects('companies', ['1'], ['name']);
    const refreshed = await harness.tokens.get(harness.portal.id);
    harness.portal.revokeRefreshTokens();
    harness.portal.expireAccessTokens();
    await client.batchReadObjects('companies', ['1'], ['name']).catch(() => undefined);
    await fetch(run.callbackUrl, { headers: { cookie: run.cookie } });

    const text = logs.lines.join('');
    expect(logs.lines.length).toBeGreaterThan(5);
    expect(text).toContain('access token refreshed');
    expect(text).toContain('portal marked disconnected');
    const secrets = {
      code,
      state,
      cookie: run.cookie.split('=')[1] ?? '',
      installedAccess: installed?.accessToken ?? '',
      installedRefresh: installed?.refreshToken ?? '',
      refreshedAccess: refreshed?.accessToken ?? '',
      clientSecret: harness.env.HUBSPOT_CLIENT_SECRET,
      adminToken: harness.env.ADMIN_TOKEN,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length).toBeGreaterThan(7);
      expect({ name, found: text.includes(value) }).toEqual({ name, found: false });
    }
  });
});
