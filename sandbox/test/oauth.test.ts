import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@hubspot/api-client';
import { startSandbox, type PortalHandle, type Sandbox } from '../index';
import { apiError, raw } from './helpers';

const REDIRECT_URI = 'http://127.0.0.1:3999/oauth/callback';

let sandbox: Sandbox;
let portal: PortalHandle;
let requiredScopes: string[];

beforeAll(async () => {
  sandbox = await startSandbox({ logger: false });
  portal = await sandbox.createPortal({ seed: 'empty' });
  const appFile = JSON.parse(
    readFileSync(path.join(__dirname, '../../extensions/app/app-hsmeta.json'), 'utf8'),
  ) as {
    config: { auth: { requiredScopes: string[] } };
  };
  requiredScopes = appFile.config.auth.requiredScopes;
});

afterAll(async () => {
  await sandbox.stop();
});

function authorizePath(state: string, scopes?: string[], redirectUri = REDIRECT_URI): string {
  const scope = (scopes ?? requiredScopes).join(' ');
  const params = new URLSearchParams({
    client_id: sandbox.app.clientId,
    redirect_uri: redirectUri,
    scope,
    state,
  });
  return `/oauth/authorize?${params.toString()}`;
}

/** Drives the consent page as a browser would: GET the page, POST its form. */
async function consent(decision: 'approve' | 'deny', state: string): Promise<URL> {
  const page = await raw(sandbox, 'GET', authorizePath(state));
  expect(page.status).toBe(200);
  const fields: Record<string, string> = {};
  for (const match of page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1] as string] = (match[2] as string)
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"');
  }
  const response = await raw(sandbox, 'POST', '/oauth/authorize/decision', {
    form: { ...fields, portal_id: String(portal.id), decision },
  });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') as string);
}

function tokenForm(extra: Record<string, string>): Record<string, string> {
  return { client_id: sandbox.app.clientId, client_secret: sandbox.app.clientSecret, ...extra };
}

describe('consent page', () => {
  it('lists the app scopes in plain words with approve and deny', async () => {
    const page = await raw(sandbox, 'GET', authorizePath('s1'));
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('CS Health');
    expect(page.text).toContain('View companies');
    expect(page.text).toContain('value="approve"');
    expect(page.text).toContain('value="deny"');
    expect(requiredScopes).toContain('crm.objects.companies.write');
  });

  it('rejects a redirect URL the app does not allow', async () => {
    const page = await raw(
      sandbox,
      'GET',
      authorizePath('s2', undefined, 'https://evil.example/callback'),
    );
    expect(page.status).toBe(400);
    expect(page.text).toContain('Redirect URL not allowed');
  });

  it('rejects a scope list without every required scope', async () => {
    const page = await raw(sandbox, 'GET', authorizePath('s3', ['oauth']));
    expect(page.status).toBe(400);
    expect(page.text).toContain('crm.objects.companies.read');
  });

  it('redirects a denial with access_denied and the state', async () => {
    const location = await consent('deny', 'deny-state');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('deny-state');
    expect(location.searchParams.get('code')).toBeNull();
  });
});

describe('token endpoints', () => {
  it('exchanges a code through the client on /oauth/v1/token', async () => {
    const location = await consent('approve', 'xyz');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('xyz');
    const code = location.searchParams.get('code') as string;

    const client = new Client({ basePath: sandbox.baseUrl, numberOfApiCallRetries: 1 });
    const tokens = await client.oauth.tokensApi.create(
      'authorization_code',
      code,
      REDIRECT_URI,
      sandbox.app.clientId,
      sandbox.app.clientSecret,
    );
    expect(tokens.tokenType).toBe('bearer');
    expect(tokens.expiresIn).toBe(1800);
    expect(tokens.accessToken.length).toBeGreaterThan(20);
    expect(portal.isInstalled()).toBe(true);

    const info = await client.oauth.accessTokensApi.get(tokens.accessToken);
    expect(info.hubId).toBe(portal.id);
    expect(info.appId).toBe(sandbox.app.appId);
    expect(info.scopes).toEqual(requiredScopes);
  });

  it('uses a code only once', async () => {
    const code = (await consent('approve', 'once')).searchParams.get('code') as string;
    const form = tokenForm({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    const first = await raw(sandbox, 'POST', '/oauth/2026-03/token', { form });
    expect(first.status).toBe(200);
    const second = await raw(sandbox, 'POST', '/oauth/2026-03/token', { form });
    expect(second.status).toBe(400);
    expect(second.body).toMatchObject({ status: 'BAD_AUTH_CODE', error: 'invalid_grant' });
  });

  it('refreshes on /oauth/2026-03/token and introspects both tokens', async () => {
    const code = (await consent('approve', 'r')).searchParams.get('code') as string;
    const exchanged = await raw(sandbox, 'POST', '/oauth/2026-03/token', {
      form: tokenForm({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
    });
    const { refresh_token: refreshToken, hub_id: hubId } = exchanged.body as {
      refresh_token: string;
      hub_id: number;
    };
    expect(hubId).toBe(portal.id);

    const refreshed = await raw(sandbox, 'POST', '/oauth/2026-03/token', {
      form: tokenForm({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    const body = refreshed.body as {
      access_token: string;
      refresh_token: string;
      expires_in: number;
    };
    expect(refreshed.status).toBe(200);
    expect(body.refresh_token).toBe(refreshToken);
    expect(body.expires_in).toBe(1800);

    const access = await raw(sandbox, 'POST', '/oauth/2026-03/token/introspect', {
      form: tokenForm({ token: body.access_token, token_type_hint: 'access_token' }),
    });
    expect(access.body).toMatchObject({
      active: true,
      hub_id: portal.id,
      token_use: 'access_token',
      app_id: sandbox.app.appId,
    });
    const refresh = await raw(sandbox, 'POST', '/oauth/2026-03/token/introspect', {
      form: tokenForm({ token: refreshToken, token_type_hint: 'refresh_token' }),
    });
    expect(refresh.body).toMatchObject({ active: true, token_use: 'refresh_token' });
    const unknown = await raw(sandbox, 'POST', '/oauth/2026-03/token/introspect', {
      form: tokenForm({ token: 'nope' }),
    });
    expect(unknown.body).toEqual({ active: false });
  });

  it('counts token calls for the refresh token portal', async () => {
    const other = await sandbox.createPortal({ seed: 'empty' });
    const issued = other.issueTokens();
    for (let index = 0; index < 2; index += 1) {
      await raw(sandbox, 'POST', '/oauth/2026-03/token', {
        form: tokenForm({ grant_type: 'refresh_token', refresh_token: issued.refreshToken }),
      });
    }
    expect(sandbox.requestCountsByPortal(other.id)['POST /oauth/2026-03/token']).toBe(2);
  });

  it('answers a wrong client secret with BAD_CLIENT_SECRET', async () => {
    const response = await raw(sandbox, 'POST', '/oauth/v1/token', {
      form: {
        grant_type: 'refresh_token',
        client_id: sandbox.app.clientId,
        client_secret: 'wrong',
        refresh_token: 'x',
      },
    });
    expect(response.status).toBe(400);
    expect((response.body as { status: string }).status).toBe('BAD_CLIENT_SECRET');
    expect((response.body as { error: string }).error).toBe('invalid_client');
  });

  it('answers BAD_REFRESH_TOKEN on both endpoints after an uninstall', async () => {
    const other = await sandbox.createPortal({ seed: 'empty' });
    const issued = other.issueTokens();
    other.revokeRefreshTokens();
    expect(other.isInstalled()).toBe(false);
    const form = tokenForm({ grant_type: 'refresh_token', refresh_token: issued.refreshToken });

    const v1 = await raw(sandbox, 'POST', '/oauth/v1/token', { form });
    expect(v1.status).toBe(400);
    expect(v1.body).toMatchObject({
      status: 'BAD_REFRESH_TOKEN',
      message: 'missing or invalid refresh token',
    });
    const v3 = await raw(sandbox, 'POST', '/oauth/2026-03/token', { form });
    expect(v3.body).toMatchObject({
      status: 'BAD_REFRESH_TOKEN',
      error: 'invalid_grant',
      error_description: 'missing or invalid refresh token',
    });

    const client = new Client({ basePath: sandbox.baseUrl, numberOfApiCallRetries: 1 });
    const failure = await apiError(
      client.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        sandbox.app.clientId,
        sandbox.app.clientSecret,
        issued.refreshToken,
      ),
    );
    expect(failure.code).toBe(400);
    expect(failure.body.status).toBe('BAD_REFRESH_TOKEN');
  });

  it('revokes a refresh token on /oauth/2026-03/token/revoke', async () => {
    const issued = portal.issueTokens();
    const revoked = await raw(sandbox, 'POST', '/oauth/2026-03/token/revoke', {
      form: tokenForm({ token: issued.refreshToken, token_type_hint: 'refresh_token' }),
    });
    expect(revoked.status).toBe(200);
    const refresh = await raw(sandbox, 'POST', '/oauth/2026-03/token', {
      form: tokenForm({ grant_type: 'refresh_token', refresh_token: issued.refreshToken }),
    });
    expect((refresh.body as { status: string }).status).toBe('BAD_REFRESH_TOKEN');
  });

  it('reads and deletes refresh tokens on the v1 paths', async () => {
    const issued = portal.issueTokens();
    const info = await raw(sandbox, 'GET', `/oauth/v1/refresh-tokens/${issued.refreshToken}`);
    expect(info.body).toMatchObject({
      hub_id: portal.id,
      token_type: 'refresh',
      client_id: sandbox.app.clientId,
    });
    const removed = await raw(sandbox, 'DELETE', `/oauth/v1/refresh-tokens/${issued.refreshToken}`);
    expect(removed.status).toBe(204);
    const gone = await raw(sandbox, 'GET', `/oauth/v1/refresh-tokens/${issued.refreshToken}`);
    expect(gone.status).toBe(404);
  });
});

describe('uninstall', () => {
  it('marks the portal uninstalled and revokes its tokens', async () => {
    const other = await sandbox.createPortal({ seed: 'empty' });
    const issued = other.issueTokens();
    const response = await raw(sandbox, 'DELETE', '/appinstalls/2026-03/external-install', {
      token: issued.accessToken,
    });
    expect(response.status).toBe(204);
    expect(other.isInstalled()).toBe(false);
    const after = await raw(sandbox, 'GET', '/account-info/2026-03/details', {
      token: issued.accessToken,
    });
    expect(after.status).toBe(401);
    const refresh = await raw(sandbox, 'POST', '/oauth/2026-03/token', {
      form: tokenForm({ grant_type: 'refresh_token', refresh_token: issued.refreshToken }),
    });
    expect((refresh.body as { status: string }).status).toBe('BAD_REFRESH_TOKEN');
  });
});
