import { z } from 'zod';

/**
 * Every environment variable CS Health reads, parsed once at start-up. `.env.example` documents
 * the same list; keep the two in step.
 */
const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const httpUrl = z.url({ protocol: /^https?$/ });

/** One AES-256 key: `<keyId>:<base64 of 32 bytes>`. */
const encryptionKeyEntry = z.string().regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/, {
  message: 'expected <keyId>:<base64 of 32 random bytes>, e.g. k1:$(openssl rand -base64 32)',
});

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),

    PUBLIC_ORIGIN: httpUrl.default('http://127.0.0.1:3000'),
    OAUTH_REDIRECT_URI: httpUrl.optional(),

    HUBSPOT_CLIENT_ID: z.string().min(1, 'set it to the app client id from HubSpot'),
    HUBSPOT_CLIENT_SECRET: z.string().min(8, 'set it to the app client secret from HubSpot'),
    HUBSPOT_APP_ID: z.coerce.number().int().positive().optional(),
    HUBSPOT_API_BASE: httpUrl.default('https://api.hubapi.com'),
    HUBSPOT_AUTHORIZE_URL: httpUrl.default('https://app.hubspot.com/oauth/authorize'),

    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/([^@/\s]*@)?[^:/@\s]+(:\d+)?(\/\d*)?$/, 'expected redis://host:port')
      .default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]+$/)
      .default('csh'),

    TOKEN_ENCRYPTION_KEYS: z
      .string()
      .min(1, 'set it to one or more <keyId>:<base64 key> entries separated by commas')
      .transform((text) => text.split(',').map((entry) => entry.trim()))
      .pipe(z.array(encryptionKeyEntry).min(1)),
    TOKEN_ENCRYPTION_ACTIVE_KEY: z.string().optional(),

    ADMIN_TOKEN: z.string().min(24, 'use at least 24 random characters (openssl rand -hex 24)'),

    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    // HubSpot allows public (OAuth) apps 110 requests per 10 s per portal.
    RATE_LIMIT_PER_10S: z.coerce
      .number()
      .int()
      .min(1)
      .max(110, { error: "must be at most 110, HubSpot's limit for public apps" })
      .default(100),
    SEARCH_RATE_LIMIT_PER_S: z.coerce.number().int().min(1).max(5).default(4),
    RECOMPUTE_DEBOUNCE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    INCREMENTAL_SWEEP_MINUTES: z.coerce.number().min(0.05).max(1440).default(5),
    NIGHTLY_SWEEP_HOUR: z.coerce.number().int().min(0).max(23).default(2),
    SECURE_COOKIES: booleanText.optional(),
  })
  .superRefine((env, ctx) => {
    const ids = env.TOKEN_ENCRYPTION_KEYS.map((entry) => entry.split(':')[0]);
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['TOKEN_ENCRYPTION_KEYS'],
        message: `key ids must be unique, got ${ids.join(', ')}`,
      });
    }
    const active = env.TOKEN_ENCRYPTION_ACTIVE_KEY;
    if (active !== undefined && !ids.includes(active)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TOKEN_ENCRYPTION_ACTIVE_KEY'],
        message: `is not one of the key ids in TOKEN_ENCRYPTION_KEYS (${ids.join(', ')})`,
      });
    }
    if (env.NODE_ENV === 'production' && !env.PUBLIC_ORIGIN.startsWith('https://')) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_ORIGIN'],
        message: 'must be an https:// origin in production',
      });
    }
  });

export type Env = Omit<z.infer<typeof envSchema>, 'TOKEN_ENCRYPTION_KEYS'> & {
  TOKEN_ENCRYPTION_KEYS: { id: string; key: Buffer }[];
  TOKEN_ENCRYPTION_ACTIVE_KEY: string;
  OAUTH_REDIRECT_URI: string;
  SECURE_COOKIES: boolean;
};

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid environment (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'EnvError';
  }
}

/** Names whose values must never appear in an error message. */
const SECRET_NAMES = new Set(['HUBSPOT_CLIENT_SECRET', 'TOKEN_ENCRYPTION_KEYS', 'ADMIN_TOKEN']);

/**
 * Parses the environment and lists every problem at once. Messages name the variable and the
 * fix; they never echo the value of a secret.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const input: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && value !== '') input[name] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const secretValues = [...SECRET_NAMES]
      .map((secretName) => input[secretName])
      .filter((secret): secret is string => secret !== undefined && secret.length >= 4);
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      const value = input[name];
      // A value is echoed only when it is not a secret, nor equal to one (a pasted secret).
      const echoable =
        value !== undefined &&
        !SECRET_NAMES.has(name) &&
        !secretValues.some((secret) => value.includes(secret));
      // URL credentials (redis://user:password@host) are masked.
      const shown = value?.replace(/\/\/[^@/\s]*@/, '//***@');
      const valueNote = echoable ? ` (got "${shown}")` : '';
      const missing =
        input[name] === undefined && issue.code === 'invalid_type' ? 'is missing' : issue.message;
      return `${name}: ${missing}${valueNote}`;
    });
    throw new EnvError(problems);
  }
  const env = parsed.data;
  const keys = env.TOKEN_ENCRYPTION_KEYS.map((entry) => {
    const [id, base64] = entry.split(':') as [string, string];
    return { id, key: Buffer.from(base64, 'base64') };
  });
  const lastKey = keys[keys.length - 1];
  if (!lastKey) throw new EnvError(['TOKEN_ENCRYPTION_KEYS: is missing']);
  return {
    ...env,
    TOKEN_ENCRYPTION_KEYS: keys,
    TOKEN_ENCRYPTION_ACTIVE_KEY: env.TOKEN_ENCRYPTION_ACTIVE_KEY ?? lastKey.id,
    OAUTH_REDIRECT_URI:
      env.OAUTH_REDIRECT_URI ?? `${env.PUBLIC_ORIGIN.replace(/\/$/, '')}/oauth/callback`,
    SECURE_COOKIES: env.SECURE_COOKIES ?? env.PUBLIC_ORIGIN.startsWith('https://'),
  };
}
