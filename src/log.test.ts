import { Writable } from 'node:stream';
import { createLogger, scrubSecrets } from './log';

/** Captures every line a logger writes, as text. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'trace' }, stream) };
}

const ACCESS = 'CKzL1aB2-access-token-value-9f8e7d';
const REFRESH = 'na1-6f2e-refresh-token-value-0a1b';
const SECRET = 'test-client-secret-0000';
const CODE = 'oauth-code-7c1d3e';

describe('logger redaction', () => {
  test('token fields are redacted at any depth we log', () => {
    const { lines, logger } = capture();
    logger.info({ accessToken: ACCESS, refreshToken: REFRESH }, 'tokens stored');
    logger.info({ tokens: { access_token: ACCESS, refresh_token: REFRESH } }, 'token response');
    logger.info({ body: { client_secret: SECRET, code: CODE } }, 'token request');
    const text = lines.join('');
    for (const secret of [ACCESS, REFRESH, SECRET, CODE]) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(lines).toHaveLength(3);
  });

  test('request headers and OAuth query values are redacted', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        req: {
          headers: { authorization: `Bearer ${ACCESS}`, cookie: 'csh_oauth_state=abc' },
          query: { code: CODE, state: 'state-123' },
        },
      },
      'request',
    );
    const text = lines.join('');
    expect(text).not.toContain(ACCESS);
    expect(text).not.toContain(CODE);
    expect(text).not.toContain('state-123');
    expect(text).not.toContain('csh_oauth_state=abc');
  });

  test('secrets inside messages and error texts are scrubbed', () => {
    const { lines, logger } = capture();
    logger.warn(`refresh failed for Bearer ${ACCESS}`);
    logger.error(
      { err: new Error(`POST /oauth/v1/token?refresh_token=${REFRESH}&client_secret=${SECRET}`) },
      'token call failed',
    );
    logger.error(
      { err: new Error(`response {"access_token":"${ACCESS}","refresh_token":"${REFRESH}"}`) },
      'bad',
    );
    const text = lines.join('');
    for (const secret of [ACCESS, REFRESH, SECRET]) expect(text).not.toContain(secret);
    expect(text).toContain('refresh failed for Bearer [redacted]');
  });

  test('scrubSecrets leaves ordinary text alone', () => {
    expect(scrubSecrets('scored 500 companies in 12 s')).toBe('scored 500 companies in 12 s');
    expect(scrubSecrets('https://x.test/oauth/callback?code=abc&state=def')).toBe(
      'https://x.test/oauth/callback?code=[redacted]&state=[redacted]',
    );
  });
});
