import type { Server } from 'node:http';
import type IORedis from 'ioredis';
import { createApp, type AppDeps } from '../../src/http/app';
import type { Logger } from '../../src/log';
import { freePort } from '../../src/redis/local-server';
import { startSandbox, type PortalHandle, type Sandbox, type SandboxOptions } from '../../sandbox';
import { testRedis, uniquePrefix } from '../setup/redis';
import { testEnv } from './env';
import { buildGateway, type GatewayFixture } from './stores';

export interface InstallHarness extends GatewayFixture {
  sandbox: Sandbox;
  portal: PortalHandle;
  appUrl: string;
  /** Portal ids passed to onInstalled, in order. */
  installed: number[];
  close(): Promise<void>;
}

/**
 * Starts the real web app on a free loopback port, wired to a real sandbox and the test Redis, the way
 * `src/main/web.ts` wires production. `onInstalled` records the portal instead of enqueueing a
 * backfill, because the queue belongs to the worker suites.
 */
export async function startInstallHarness(
  options: {
    sandbox?: SandboxOptions;
    portal?: Parameters<Sandbox['createPortal']>[0];
    env?: Record<string, string>;
    app?: Partial<Pick<AppDeps, 'onInstalled'>>;
    logger?: Logger;
  } = {},
): Promise<InstallHarness> {
  const sandbox = await startSandbox({ logger: false, ...options.sandbox });
  const portal = await sandbox.createPortal({ seed: 'empty', ...options.portal });
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const redis: IORedis = testRedis();
  const env = testEnv({
    PORT: String(port),
    PUBLIC_ORIGIN: appUrl,
    HUBSPOT_API_BASE: sandbox.baseUrl,
    HUBSPOT_AUTHORIZE_URL: sandbox.authorizeUrl,
    HUBSPOT_CLIENT_ID: sandbox.app.clientId,
    HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
    ...options.env,
  });
  const fixture = buildGateway({
    env,
    redis,
    prefix: uniquePrefix('install'),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const installed: number[] = [];
  const app = createApp({
    ...fixture,
    onInstalled:
      options.app?.onInstalled ??
      (async (portalId) => {
        installed.push(portalId);
      }),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  return {
    ...fixture,
    sandbox,
    portal,
    appUrl,
    installed,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sandbox.stop();
      await redis.quit();
    },
  };
}

export interface InstallRun {
  status: number;
  html: string;
  /** The callback URL HubSpot's consent page redirected to. */
  callbackUrl: string;
  /** The install cookie, as a Cookie header value. */
  cookie: string;
}

/**
 * Goes through the install with plain HTTP, as a browser would: our install route, the sandbox
 * consent page and its form, then our callback with the install cookie.
 */
export async function installOverHttp(
  harness: Pick<InstallHarness, 'appUrl'>,
  options: { decision?: 'approve' | 'deny'; portalId?: number; followCallback?: boolean } = {},
): Promise<InstallRun> {
  const start = await fetch(`${harness.appUrl}/oauth/install`, { redirect: 'manual' });
  const authorizeUrl = start.headers.get('location');
  const setCookie = start.headers.get('set-cookie') ?? '';
  if (start.status !== 302 || !authorizeUrl)
    throw new Error(`install route responded with ${start.status} without a redirect`);
  const cookie = setCookie.split(';')[0] ?? '';

  const consent = await fetch(authorizeUrl);
  const form = hiddenInputs(await consent.text());
  if (options.portalId !== undefined) form.set('portal_id', String(options.portalId));
  form.set('decision', options.decision ?? 'approve');
  const decision = await fetch(new URL('/oauth/authorize/decision', authorizeUrl), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const callbackUrl = decision.headers.get('location');
  if (!callbackUrl)
    throw new Error(`consent decision responded with ${decision.status} without a redirect`);
  if (options.followCallback === false) return { status: 0, html: '', callbackUrl, cookie };

  const callback = await fetch(callbackUrl, { headers: { cookie }, redirect: 'manual' });
  return { status: callback.status, html: await callback.text(), callbackUrl, cookie };
}

/** Reads the consent form's hidden fields and the selected portal. */
function hiddenInputs(html: string): URLSearchParams {
  const form = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(match[1] as string, unescapeHtml(match[2] as string));
  }
  const selected =
    /<option value="(\d+)" selected>/.exec(html) ?? /<option value="(\d+)"/.exec(html);
  if (selected?.[1]) form.set('portal_id', selected[1]);
  return form;
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
