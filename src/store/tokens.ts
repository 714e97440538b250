import type IORedis from 'ioredis';
import type { TokenCipher } from '../crypto/token-cipher';

/** A portal's OAuth tokens, decrypted. Never put these in job data, logs or error messages. */
export interface PortalTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires: the time of the token call + `expires_in`. */
  expiresAt: number;
  /** Epoch ms of the last write. */
  updatedAt: number;
}

/**
 * One Redis hash per portal with the access and refresh tokens sealed by `TokenCipher`. Only
 * `expiresAt` and `updatedAt` are stored in clear.
 */
export class TokenStore {
  private readonly redis: IORedis;
  private readonly prefix: string;
  private readonly cipher: TokenCipher;

  constructor(deps: { redis: IORedis; prefix: string; cipher: TokenCipher }) {
    this.redis = deps.redis;
    this.prefix = deps.prefix;
    this.cipher = deps.cipher;
  }

  key(portalId: number): string {
    return `${this.prefix}:tokens:${portalId}`;
  }

  async get(portalId: number): Promise<PortalTokens | undefined> {
    const record = await this.redis.hgetall(this.key(portalId));
    if (!record.access || !record.refresh || !record.expiresAt) return undefined;
    return {
      accessToken: this.cipher.decrypt(record.access, context(portalId, 'access')),
      refreshToken: this.cipher.decrypt(record.refresh, context(portalId, 'refresh')),
      expiresAt: Number(record.expiresAt),
      updatedAt: Number(record.updatedAt ?? 0),
    };
  }

  async save(
    portalId: number,
    tokens: { accessToken: string; refreshToken: string; expiresAt: number },
  ): Promise<void> {
    await this.redis.hset(this.key(portalId), {
      access: this.cipher.encrypt(tokens.accessToken, context(portalId, 'access')),
      refresh: this.cipher.encrypt(tokens.refreshToken, context(portalId, 'refresh')),
      expiresAt: String(tokens.expiresAt),
      updatedAt: String(Date.now()),
      keyId: this.cipher.activeKeyId,
    });
  }

  async delete(portalId: number): Promise<void> {
    await this.redis.del(this.key(portalId));
  }

  /**
   * Re-encrypts every record sealed with a key other than the active one, so an old key can be
   * removed from TOKEN_ENCRYPTION_KEYS afterwards.
   */
  async reencryptAll(): Promise<{ checked: number; reencrypted: number }> {
    let checked = 0;
    let reencrypted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(
        cursor,
        'MATCH',
        `${this.prefix}:tokens:*`,
        'COUNT',
        200,
      );
      cursor = next;
      for (const key of keys) {
        const portalId = Number(key.slice(`${this.prefix}:tokens:`.length));
        if (!Number.isSafeInteger(portalId)) continue;
        checked += 1;
        const record = await this.redis.hmget(key, 'access', 'refresh');
        const stale = record.some((value) => value && this.cipher.needsReencryption(value));
        if (!stale) continue;
        const tokens = await this.get(portalId);
        if (!tokens || !record[0]) continue;
        // Compare-and-set on the sealed access token: a refresh that saved newer tokens since
        // the read above wins, and this record is left for the next run.
        const written = await this.redis.eval(
          REPLACE_IF_UNCHANGED,
          1,
          key,
          record[0],
          this.cipher.encrypt(tokens.accessToken, context(portalId, 'access')),
          this.cipher.encrypt(tokens.refreshToken, context(portalId, 'refresh')),
          this.cipher.activeKeyId,
        );
        if (written !== 1) continue;
        reencrypted += 1;
      }
    } while (cursor !== '0');
    return { checked, reencrypted };
  }
}

const REPLACE_IF_UNCHANGED = `
if redis.call('HGET', KEYS[1], 'access') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'access', ARGV[2], 'refresh', ARGV[3], 'keyId', ARGV[4])
return 1`;

function context(portalId: number, field: 'access' | 'refresh'): string {
  return `portal:${portalId}:${field}`;
}
