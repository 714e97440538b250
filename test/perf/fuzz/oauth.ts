import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { clip, type FuzzTarget, type Verdict } from './runner';
import { listKeys, type FuzzStack } from './stack';

/**
 * The OAuth callback: `GET /oauth/callback` with fuzzed `code`, `state`, `error` and extra
 * parameters, with the install cookie matching, from another install, random or missing. Only
 * a callback carrying a code from an approved consent, its own state and its own cookie may
 * install. Every other one must get a 4xx page and store no tokens or installation.
 */

const INSTALL_COOKIE = 'csh_install';

type StateMode = 'fresh' | 'used' | 'random' | 'missing' | 'repeated';
type CookieMode = 'matching' | 'other' | 'random' | 'missing';
type CodeMode = 'approved' | 'random' | 'missing' | 'repeated';

export interface OAuthCase {
  state: StateMode;
  cookie: CookieMode;
  code: CodeMode;
  text: string;
  error?: string;
  errorDescription?: string;
  extras: [string, string][];
}

const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '%00', '\u0000', 'a'.repeat(2048), 'a'.repeat(2049), 'a'.repeat(20_000)),
);

const oauthCase: fc.Arbitrary<OAuthCase> = fc.record(
  {
    state: fc.constantFrom<StateMode>(
      'fresh',
      'fresh',
      'fresh',
      'used',
      'random',
      'missing',
      'repeated',
    ),
    cookie: fc.constantFrom<CookieMode>('matching', 'matching', 'other', 'random', 'missing'),
    code: fc.constantFrom<CodeMode>('approved', 'random', 'random', 'missing', 'repeated'),
    text: anyText,
    error: fc.oneof(fc.constantFrom('access_denied', 'invalid_scope', 'server_error'), anyText),
    errorDescription: anyText,
    extras: fc.array(fc.tuple(fc.string({ maxLength: 12 }), anyText), { maxLength: 4 }),
  },
  { requiredKeys: ['state', 'cookie', 'code', 'text', 'extras'] },
);

/** Starts an install on the app: returns the state from the consent URL and the cookie value. */
async function startInstall(
  stack: FuzzStack,
): Promise<{ authorizeUrl: string; state: string; cookie: string }> {
  const response = await fetch(`${stack.appUrl}/oauth/install`, { redirect: 'manual' });
  const location = response.headers.get('location');
  const cookie = /csh_install=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  if (response.status !== 302 || !location || !cookie)
    throw new Error(
      `GET /oauth/install responded ${response.status} without a redirect and cookie`,
    );
  const state = new URL(location).searchParams.get('state');
  if (!state) throw new Error(`the consent URL ${location} has no state`);
  return { authorizeUrl: location, state, cookie };
}

/** Approves the sandbox consent page as a browser would and returns the issued code. */
async function approve(authorizeUrl: string): Promise<string> {
  const page = await (await fetch(authorizeUrl)).text();
  const form = new URLSearchParams();
  for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(
      match[1] as string,
      (match[2] as string).replace(/&amp;/g, '&').replace(/&quot;/g, '"'),
    );
  }
  const portal = /<option value="(\d+)"/.exec(page)?.[1];
  if (portal) form.set('portal_id', portal);
  form.set('decision', 'approve');
  const decision = await fetch(new URL('/oauth/authorize/decision', authorizeUrl), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const code = new URL(decision.headers.get('location') ?? 'http://x/').searchParams.get('code');
  if (!code) throw new Error(`the consent decision responded ${decision.status} without a code`);
  return code;
}

/** A digest of every stored token and installation, to see whether a callback wrote any. */
async function storedDigest(stack: FuzzStack): Promise<string> {
  const hash = createHash('sha256');
  const keys = [
    ...(await listKeys(stack.redis, `${stack.prefix}:tokens:*`)),
    ...(await listKeys(stack.redis, `${stack.prefix}:installation*`)),
  ];
  for (const key of keys) {
    const type = await stack.redis.type(key);
    const value =
      type === 'hash'
        ? await stack.redis.hgetall(key)
        : type === 'set'
          ? (await stack.redis.smembers(key)).sort()
          : await stack.redis.get(key);
    hash.update(`${key}=${JSON.stringify(value)}\n`);
  }
  return hash.digest('hex');
}

export function oauthTarget(stack: FuzzStack, hangMs: number): FuzzTarget<OAuthCase> {
  return {
    name: 'oauth-callback',
    description:
      'GET /oauth/callback on the real web app against the sandbox token endpoint, with fuzzed ' +
      'code, state, error and extra parameters and matching, foreign, random or missing install cookies',
    arbitrary: oauthCase,
    describe(input) {
      return clip(
        `state ${input.state}, cookie ${input.cookie}, code ${input.code} (${JSON.stringify(input.text).slice(0, 40)})` +
          (input.error !== undefined ? `, error ${JSON.stringify(input.error).slice(0, 40)}` : '') +
          (input.extras.length > 0 ? `, extras ${JSON.stringify(input.extras).slice(0, 80)}` : ''),
      );
    },
    async run(input): Promise<Verdict> {
      const install = await startInstall(stack);
      const other = input.cookie === 'other' ? await startInstall(stack) : undefined;
      const code = input.code === 'approved' ? await approve(install.authorizeUrl) : input.text;
      if (input.state === 'used') {
        await fetch(
          `${stack.appUrl}/oauth/callback?code=used-up&state=${encodeURIComponent(install.state)}`,
          { headers: { cookie: `${INSTALL_COOKIE}=${install.cookie}` }, redirect: 'manual' },
        ).then((response) => response.text());
      }

      const query = new URLSearchParams();
      if (input.code === 'repeated') {
        query.append('code', input.text);
        query.append('code', 'second');
      } else if (input.code !== 'missing') {
        query.append('code', code);
      }
      const stateValue = input.state === 'random' ? input.text : install.state;
      if (input.state === 'repeated') {
        query.append('state', install.state);
        query.append('state', install.state);
      } else if (input.state !== 'missing') {
        query.append('state', stateValue);
      }
      if (input.error !== undefined) query.append('error', input.error);
      if (input.errorDescription !== undefined)
        query.append('error_description', input.errorDescription);
      for (const [name, value] of input.extras) query.append(name, value);

      const cookieValue =
        input.cookie === 'matching'
          ? install.cookie
          : input.cookie === 'other'
            ? other?.cookie
            : input.cookie === 'random'
              ? encodeURIComponent(input.text)
              : undefined;
      const url = `${stack.appUrl}/oauth/callback?${query.toString()}`;
      // Node's HTTP server takes at most 16 KiB of request line and headers and responds 431
      // (with no body) above that, so such a callback cannot be valid.
      const oversized = url.length + (cookieValue?.length ?? 0) > 8 * 1024;
      const valid =
        !oversized &&
        input.code === 'approved' &&
        input.state === 'fresh' &&
        input.cookie === 'matching' &&
        // An empty error parameter names no error, so it is treated as absent.
        !input.error &&
        !input.extras.some(([name]) => ['code', 'state', 'error'].includes(name));

      const before = await storedDigest(stack);
      const installedBefore = stack.installed.length;
      const response = await fetch(url, {
        headers: cookieValue === undefined ? {} : { cookie: `${INSTALL_COOKIE}=${cookieValue}` },
        redirect: 'manual',
        signal: AbortSignal.timeout(hangMs),
      });
      const page = await response.text();
      const status = response.status;
      if (status >= 500)
        return {
          kind: 'crash',
          cause: 'http5xx',
          reason: `HTTP ${status}: ${clip(page.replace(/<[^>]*>/g, ' '), 200)}`,
        };
      const after = await storedDigest(stack);
      const installedNow = stack.installed.length > installedBefore;

      if (valid) {
        if (status !== 200 || !installedNow)
          return {
            kind: 'mismatch',
            reason: `a valid callback got ${status} (installed: ${installedNow})`,
          };
        return { kind: 'accepted' };
      }
      if (after !== before || installedNow) {
        return {
          kind: 'acceptedInvalid',
          reason: `an invalid callback got ${status} and ${installedNow ? 'started an install' : 'changed stored tokens or installations'}`,
        };
      }
      if (status < 400) return { kind: 'mismatch', reason: `an invalid callback got ${status}` };
      if (oversized && (status === 431 || status === 414)) return { kind: 'rejected' };
      if (!/<h1>[^<]+<\/h1>/.test(page))
        return {
          kind: 'mismatch',
          reason: `HTTP ${status} page without a heading: ${clip(page, 200)}`,
        };
      return { kind: 'rejected' };
    },
  };
}
