import { EnvError, loadEnv } from './env';

const KEY = 'k1:' + Buffer.alloc(32, 7).toString('base64');
const KEY2 = 'k2:' + Buffer.alloc(32, 9).toString('base64');

const valid = {
  HUBSPOT_CLIENT_ID: 'client-id-1',
  HUBSPOT_CLIENT_SECRET: 'client-secret-value-123',
  TOKEN_ENCRYPTION_KEYS: KEY,
  ADMIN_TOKEN: 'admin-token-0123456789abcdef',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadEnv(env);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe('environment', () => {
  test('defaults fill everything optional', () => {
    const env = loadEnv(valid);
    expect(env.PORT).toBe(3000);
    expect(env.HUBSPOT_API_BASE).toBe('https://api.hubapi.com');
    expect(env.OAUTH_REDIRECT_URI).toBe('http://127.0.0.1:3000/oauth/callback');
    expect(env.TOKEN_ENCRYPTION_ACTIVE_KEY).toBe('k1');
    expect(env.TOKEN_ENCRYPTION_KEYS[0]?.key).toHaveLength(32);
    expect(env.SECURE_COOKIES).toBe(false);
    expect(env.RATE_LIMIT_PER_10S).toBe(100);
  });

  test('every problem is listed at once', () => {
    const problems = problemsOf({ PORT: 'eighty', REDIS_URL: 'localhost:6379' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'HUBSPOT_CLIENT_ID: is missing',
        'HUBSPOT_CLIENT_SECRET: is missing',
        'TOKEN_ENCRYPTION_KEYS: is missing',
        'ADMIN_TOKEN: is missing',
        expect.stringMatching(/^PORT: .* \(got "eighty"\)$/),
        'REDIS_URL: expected redis://host:port (got "localhost:6379")',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  test('secret values never appear in messages', () => {
    const problems = problemsOf({
      ...valid,
      ADMIN_TOKEN: 'short-secret',
      HUBSPOT_CLIENT_SECRET: 'abc',
    });
    const text = problems.join('\n');
    expect(text).not.toContain('short-secret');
    expect(text).toContain('ADMIN_TOKEN: use at least 24 random characters');
    expect(text).toContain('HUBSPOT_CLIENT_SECRET: set it to the app client secret');
  });

  test('a Redis URL needs a host', () => {
    expect(problemsOf({ ...valid, REDIS_URL: 'redis://' })).toEqual([
      'REDIS_URL: expected redis://host:port (got "redis://")',
    ]);
    expect(loadEnv({ ...valid, REDIS_URL: 'redis://:pw@10.0.0.5:6380/2' }).REDIS_URL).toBe(
      'redis://:pw@10.0.0.5:6380/2',
    );
  });

  test('URL credentials are masked in messages', () => {
    expect(problemsOf({ ...valid, REDIS_URL: 'redis://:hunter2@' })).toEqual([
      'REDIS_URL: expected redis://host:port (got "redis://***@")',
    ]);
  });

  test('values equal to a secret are not echoed', () => {
    const problems = problemsOf({
      ...valid,
      HUBSPOT_AUTHORIZE_URL: valid.HUBSPOT_CLIENT_SECRET,
      RATE_LIMIT_PER_10S: '111',
    });
    expect(problems.join('\n')).not.toContain(valid.HUBSPOT_CLIENT_SECRET);
    expect(problems).toHaveLength(2);
    expect(problems).toContain(
      'RATE_LIMIT_PER_10S: must be at most 110, HubSpot\'s limit for public apps (got "111")',
    );
  });

  test('key rotation keeps old keys and picks the active one', () => {
    const env = loadEnv({
      ...valid,
      TOKEN_ENCRYPTION_KEYS: `${KEY},${KEY2}`,
      TOKEN_ENCRYPTION_ACTIVE_KEY: 'k1',
    });
    expect(env.TOKEN_ENCRYPTION_KEYS.map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(env.TOKEN_ENCRYPTION_ACTIVE_KEY).toBe('k1');
    expect(problemsOf({ ...valid, TOKEN_ENCRYPTION_ACTIVE_KEY: 'k9' })).toEqual([
      'TOKEN_ENCRYPTION_ACTIVE_KEY: is not one of the key ids in TOKEN_ENCRYPTION_KEYS (k1) (got "k9")',
    ]);
    expect(problemsOf({ ...valid, TOKEN_ENCRYPTION_KEYS: `${KEY},${KEY}` })).toEqual([
      'TOKEN_ENCRYPTION_KEYS: key ids must be unique, got k1, k1',
    ]);
  });

  test('production requires an https public origin', () => {
    expect(
      problemsOf({ ...valid, NODE_ENV: 'production', PUBLIC_ORIGIN: 'http://app.example.test' }),
    ).toEqual([
      'PUBLIC_ORIGIN: must be an https:// origin in production (got "http://app.example.test")',
    ]);
    expect(loadEnv({ ...valid, PUBLIC_ORIGIN: 'https://app.example.test' }).SECURE_COOKIES).toBe(
      true,
    );
  });
});
