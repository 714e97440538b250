import { randomBytes } from 'node:crypto';
import type IORedis from 'ioredis';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { TokenCipher } from '../crypto/token-cipher';
import { TokenStore } from './tokens';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

describe('TokenStore', () => {
  let redis: IORedis;
  let prefix: string;

  beforeAll(() => {
    redis = testRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix('tokens');
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('saves and reads tokens', async () => {
    const store = new TokenStore({ redis, prefix, cipher: new TokenCipher([k1], 'k1') });
    await store.save(42, {
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
      expiresAt: 1_800_000,
    });
    const tokens = await store.get(42);
    expect(tokens?.accessToken).toBe('access-1');
    expect(tokens?.refreshToken).toBe('refresh-1');
    expect(tokens?.expiresAt).toBe(1_800_000);
  });

  it('keeps no token in plain text in Redis', async () => {
    const store = new TokenStore({ redis, prefix, cipher: new TokenCipher([k1], 'k1') });
    await store.save(42, {
      accessToken: 'plain-access-xyz',
      refreshToken: 'plain-refresh-xyz',
      expiresAt: 1,
    });
    const raw = JSON.stringify(await redis.hgetall(store.key(42)));
    expect(raw).not.toContain('plain-access-xyz');
    expect(raw).not.toContain('plain-refresh-xyz');
  });

  it('returns undefined for an unknown portal', async () => {
    const store = new TokenStore({ redis, prefix, cipher: new TokenCipher([k1], 'k1') });
    expect(await store.get(7)).toBeUndefined();
  });

  it('refuses a record copied from another portal', async () => {
    const store = new TokenStore({ redis, prefix, cipher: new TokenCipher([k1], 'k1') });
    await store.save(1, { accessToken: 'a', refreshToken: 'r', expiresAt: 1 });
    await redis.copy(store.key(1), store.key(2));
    await expect(store.get(2)).rejects.toThrow('failed authentication');
  });

  it('re-encrypts records under the active key', async () => {
    const before = new TokenStore({ redis, prefix, cipher: new TokenCipher([k1], 'k1') });
    await before.save(1, { accessToken: 'a1', refreshToken: 'r1', expiresAt: 11 });
    await before.save(2, { accessToken: 'a2', refreshToken: 'r2', expiresAt: 22 });

    const rotated = new TokenStore({ redis, prefix, cipher: new TokenCipher([k1, k2], 'k2') });
    expect(await rotated.reencryptAll()).toEqual({ checked: 2, reencrypted: 2 });
    expect(await rotated.reencryptAll()).toEqual({ checked: 2, reencrypted: 0 });

    const onlyNewKey = new TokenStore({ redis, prefix, cipher: new TokenCipher([k2], 'k2') });
    expect((await onlyNewKey.get(1))?.accessToken).toBe('a1');
    expect((await onlyNewKey.get(2))?.refreshToken).toBe('r2');
    expect((await onlyNewKey.get(2))?.expiresAt).toBe(22);
  });

  it('deletes a portal', async () => {
    const store = new TokenStore({ redis, prefix, cipher: new TokenCipher([k1], 'k1') });
    await store.save(5, { accessToken: 'a', refreshToken: 'r', expiresAt: 1 });
    await store.delete(5);
    expect(await store.get(5)).toBeUndefined();
  });
});
