import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDotenv } from './dotenv';
import { EnvError } from './env';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cs-health-dotenv-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeDotenv(text: string): string {
  const file = path.join(dir, '.env');
  writeFileSync(file, text);
  return file;
}

function errorOf(run: () => unknown): EnvError {
  try {
    run();
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error('expected an EnvError');
}

describe('loadDotenv', () => {
  it('keeps variables already set', () => {
    const file = writeDotenv('PORT=4000\nHOST=0.0.0.0\n');
    const target: NodeJS.ProcessEnv = { PORT: '5000' };

    const applied = loadDotenv(file, target);

    expect(target.PORT).toBe('5000');
    expect(target.HOST).toBe('0.0.0.0');
    expect(applied).toEqual(['HOST']);
  });

  it('keeps a variable set to empty', () => {
    const file = writeDotenv('OAUTH_REDIRECT_URI=https://app.example.test/oauth/callback\n');
    const target: NodeJS.ProcessEnv = { OAUTH_REDIRECT_URI: '' };

    loadDotenv(file, target);

    expect(target.OAUTH_REDIRECT_URI).toBe('');
  });

  it('parses quotes and comments', () => {
    const file = writeDotenv(
      [
        '# CS Health settings',
        '',
        'HUBSPOT_CLIENT_ID="client id with spaces"',
        "ADMIN_TOKEN='single # not a comment'",
        'LOG_LEVEL=warn # trailing comment',
        'export REDIS_PREFIX=csh',
        'MULTI_LINE="first',
        'second"',
        '   # indented comment',
      ].join('\n'),
    );
    const target: NodeJS.ProcessEnv = {};

    loadDotenv(file, target);

    expect(target.HUBSPOT_CLIENT_ID).toBe('client id with spaces');
    expect(target.ADMIN_TOKEN).toBe('single # not a comment');
    expect(target.LOG_LEVEL).toBe('warn');
    expect(target.REDIS_PREFIX).toBe('csh');
    expect(target.MULTI_LINE).toBe('first\nsecond');
    expect(Object.keys(target)).toHaveLength(5);
  });

  it('ignores a missing file', () => {
    const target: NodeJS.ProcessEnv = {};

    expect(loadDotenv(path.join(dir, '.env'), target)).toEqual([]);
    expect(target).toEqual({});
  });

  it('rejects an invalid line by path', () => {
    const file = writeDotenv('PORT=4000\nthis is not an assignment\n');
    const target: NodeJS.ProcessEnv = {};

    const error = errorOf(() => loadDotenv(file, target));

    expect(error.problems).toEqual([
      `${file}: line 2 is invalid; expected NAME=value, a # comment or a blank line`,
    ]);
    expect(target).toEqual({});
  });

  it('rejects a directory by path', () => {
    const file = path.join(dir, '.env');
    mkdirSync(file);

    const error = errorOf(() => loadDotenv(file, {}));

    expect(error.problems[0]).toContain(`${file}: could not be read (`);
    expect(error.problems[0]).toContain('EISDIR');
  });

  const runsAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  (runsAsRoot ? it.skip : it)('rejects an unreadable file by path', () => {
    const file = writeDotenv('PORT=4000\n');
    chmodSync(file, 0o000);

    const error = errorOf(() => loadDotenv(file, {}));

    expect(error.problems[0]).toContain(`${file}: could not be read (`);
    expect(error.problems[0]).toContain('EACCES');
  });
});
