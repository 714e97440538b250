import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { EnvError, loadEnv, type Env } from '../../../src/config/env';
import { clip, type FuzzTarget, type Verdict } from './runner';
import { baseEnvironment } from './stack';

/**
 * Environment settings: a valid environment with one to three variables removed or replaced by
 * edge values, fed to `loadEnv`. A rejected environment must raise `EnvError` without echoing a
 * secret; an accepted one must hold values the app can run with.
 */

/** HubSpot's burst limit for public OAuth apps: 110 requests per 10 s per portal. */
const HUBSPOT_BURST_LIMIT = 110;
/** HubSpot's CRM search limit: 5 requests per second per portal. */
const HUBSPOT_SEARCH_LIMIT = 5;
const SECRET_NAMES = ['HUBSPOT_CLIENT_SECRET', 'TOKEN_ENCRYPTION_KEYS', 'ADMIN_TOKEN'];

const NAMES = Object.keys(baseEnvironment()).concat([
  'OAUTH_REDIRECT_URI',
  'HUBSPOT_APP_ID',
  'TOKEN_ENCRYPTION_ACTIVE_KEY',
  'WORKER_CONCURRENCY',
  'RATE_LIMIT_PER_10S',
  'SEARCH_RATE_LIMIT_PER_S',
  'INCREMENTAL_SWEEP_MINUTES',
  'NIGHTLY_SWEEP_HOUR',
  'SECURE_COOKIES',
]);

const key = (id: string, bytes = 32): string => `${id}:${randomBytes(bytes).toString('base64')}`;

/** Values that are valid for some variable and wrong for most. */
const EDGE_VALUES = [
  '',
  ' ',
  '0',
  '-1',
  '1',
  '1.5',
  '0x10',
  '1e3',
  ' 3000 ',
  '65535',
  '65536',
  'Infinity',
  'NaN',
  'true',
  'yes',
  'TRUE',
  'production',
  'development',
  'http://127.0.0.1:3000',
  'https://app.example.com',
  'https://app.example.com/',
  'javascript:alert(1)',
  'ftp://example.com',
  'http://',
  'https://[::1]:99999',
  'http://exa mple.com',
  'redis://127.0.0.1:6379',
  'rediss://user:pass@host:6380/2',
  'redis://',
  'redis://:@',
  'k1:short',
  key('k1'),
  `${key('k1')},${key('k1')}`,
  `${key('k1')},${key('k2')}`,
  key('k1', 31),
  key('k1', 33),
  `${key('bad id!')}`,
  'k2',
  'x'.repeat(23),
  'x'.repeat(24),
  'x'.repeat(100_000),
  '\u0000',
  '\n',
  '190',
  '111',
  '110',
  '6',
  '5',
  '64',
  '65',
  '23',
  '24',
  '0.04',
  '1440',
  '1441',
];

type EnvChange = { name: string; value: string | undefined };

const envChange: fc.Arbitrary<EnvChange> = fc.record({
  name: fc.constantFrom(...NAMES),
  value: fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: fc.constantFrom(...EDGE_VALUES) },
    { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.integer({ min: -100_000, max: 100_000 }).map(String) },
  ),
});

export interface EnvCase {
  changes: EnvChange[];
}

function buildEnvironment(input: EnvCase): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = baseEnvironment();
  for (const change of input.changes) env[change.name] = change.value;
  return env;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function inRange(value: number, min: number, max: number, integer = true): boolean {
  return (
    Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value))
  );
}

/** The properties a loaded environment must have for the app to run as configured. */
export function envRuleBroken(env: Env): string | undefined {
  if (!inRange(env.PORT, 0, 65535)) return `PORT ${env.PORT}`;
  for (const name of [
    'PUBLIC_ORIGIN',
    'OAUTH_REDIRECT_URI',
    'HUBSPOT_API_BASE',
    'HUBSPOT_AUTHORIZE_URL',
  ] as const) {
    if (!isHttpUrl(env[name])) return `${name} ${JSON.stringify(env[name])} is not an http(s) URL`;
  }
  if (env.NODE_ENV === 'production' && !env.PUBLIC_ORIGIN.startsWith('https://'))
    return 'production with an http origin';
  try {
    const redis = new URL(env.REDIS_URL);
    if (redis.protocol !== 'redis:' && redis.protocol !== 'rediss:')
      return `REDIS_URL ${env.REDIS_URL}`;
    if (redis.hostname === '') return `REDIS_URL ${JSON.stringify(env.REDIS_URL)} has no host`;
  } catch {
    return `REDIS_URL ${JSON.stringify(env.REDIS_URL)} is not a URL`;
  }
  const ids = env.TOKEN_ENCRYPTION_KEYS.map((entry) => entry.id);
  if (new Set(ids).size !== ids.length) return 'encryption key ids repeat';
  if (env.TOKEN_ENCRYPTION_KEYS.some((entry) => entry.key.length !== 32))
    return 'an encryption key is not 32 bytes';
  if (!ids.includes(env.TOKEN_ENCRYPTION_ACTIVE_KEY)) return 'the active key is not configured';
  if (env.ADMIN_TOKEN.length < 24) return 'ADMIN_TOKEN is shorter than 24 characters';
  if (env.HUBSPOT_CLIENT_SECRET.length === 0) return 'empty HUBSPOT_CLIENT_SECRET';
  if (!inRange(env.WORKER_CONCURRENCY, 1, 64))
    return `WORKER_CONCURRENCY ${env.WORKER_CONCURRENCY}`;
  if (!inRange(env.RATE_LIMIT_PER_10S, 1, HUBSPOT_BURST_LIMIT))
    return `RATE_LIMIT_PER_10S ${env.RATE_LIMIT_PER_10S} is above HubSpot's ${HUBSPOT_BURST_LIMIT} per 10 s for public apps`;
  if (!inRange(env.SEARCH_RATE_LIMIT_PER_S, 1, HUBSPOT_SEARCH_LIMIT))
    return `SEARCH_RATE_LIMIT_PER_S ${env.SEARCH_RATE_LIMIT_PER_S}`;
  if (!inRange(env.NIGHTLY_SWEEP_HOUR, 0, 23))
    return `NIGHTLY_SWEEP_HOUR ${env.NIGHTLY_SWEEP_HOUR}`;
  if (!inRange(env.INCREMENTAL_SWEEP_MINUTES, 0.05, 1440, false))
    return `INCREMENTAL_SWEEP_MINUTES ${env.INCREMENTAL_SWEEP_MINUTES}`;
  return undefined;
}

function messageOf(env: Record<string, string | undefined>): string {
  try {
    loadEnv(env);
    return '';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Returns random letters and digits as long as `text`. */
function lookalike(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(text.length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * Returns the name of a secret whose value (six characters or more) the message repeats. The
 * check is differential: the environment is loaded again with that secret replaced by random
 * text of the same length, and the value counts as leaked only when it leaves the message.
 * Text that stays came from elsewhere, such as a non-secret variable or the help text.
 */
function leakedSecret(
  message: string,
  env: Record<string, string | undefined>,
): string | undefined {
  for (const name of SECRET_NAMES) {
    const value = env[name];
    if (value === undefined) continue;
    const parts =
      name === 'TOKEN_ENCRYPTION_KEYS'
        ? value.split(',').map((part) => (part.split(':')[1] ?? '').trim())
        : [value.trim()];
    const shown = parts.filter((part) => part.length >= 6 && message.includes(part));
    if (shown.length === 0) continue;
    let replaced = value;
    for (const part of shown) replaced = replaced.split(part).join(lookalike(part));
    const again = messageOf({ ...env, [name]: replaced });
    if (shown.some((part) => !again.includes(part))) return name;
  }
  return undefined;
}

export function envTarget(hangMs: number): FuzzTarget<EnvCase> {
  return {
    name: 'environment',
    description:
      'loadEnv with a valid environment changed in one to three variables (removed, edge values, ' +
      'random text); errors checked for secrets, accepted environments checked for runnable values',
    arbitrary: fc.record({ changes: fc.array(envChange, { minLength: 1, maxLength: 3 }) }),
    describe(input) {
      return clip(
        input.changes
          .map((change) =>
            change.value === undefined
              ? `unset ${change.name}`
              : `${change.name}=${JSON.stringify(clip(change.value, 60))}`,
          )
          .join(', '),
      );
    },
    async run(input): Promise<Verdict> {
      const environment = buildEnvironment(input);
      const started = performance.now();
      let env: Env | undefined;
      let failure: unknown;
      try {
        env = loadEnv(environment);
      } catch (error) {
        failure = error;
      }
      const elapsed = performance.now() - started;
      if (elapsed > hangMs)
        return { kind: 'hang', reason: `loadEnv took ${Math.round(elapsed)} ms` };
      if (!env) {
        if (!(failure instanceof EnvError))
          return {
            kind: 'crash',
            cause: 'undocumentedError',
            reason: `loadEnv threw ${failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure)}`,
          };
        const leaked = leakedSecret(failure.message, environment);
        if (leaked)
          return { kind: 'mismatch', reason: `the error message repeats the value of ${leaked}` };
        if (
          failure.problems.length === 0 ||
          failure.problems.some((problem) => !/^[A-Za-z0-9_()]+: ./.test(problem))
        )
          return {
            kind: 'mismatch',
            reason: `EnvError problems do not name a variable: ${clip(failure.message, 200)}`,
          };
        return { kind: 'rejected' };
      }
      const broken = envRuleBroken(env);
      return broken ? { kind: 'acceptedInvalid', reason: broken } : { kind: 'accepted' };
    },
  };
}
