import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One AES-256 key and the id stored next to every value it encrypted. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const FORMAT_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts tokens with AES-256-GCM. A sealed value reads `v1.<keyId>.<iv>.<tag>.<ciphertext>`
 * (base64url parts), so any configured key can decrypt it after the active key changes. The
 * `context` string (for example `portal:123:refresh`) is authenticated as associated data: a
 * value copied to another portal's record or field fails to decrypt.
 */
export class TokenCipher {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    keys: EncryptionKey[],
    readonly activeKeyId: string,
  ) {
    for (const { id, key } of keys) {
      if (key.length !== 32) {
        throw new Error(`encryption key "${id}" is ${key.length} bytes; AES-256 needs 32`);
      }
      this.keys.set(id, key);
    }
    if (!this.keys.has(activeKeyId)) {
      throw new Error(
        `active encryption key "${activeKeyId}" is not among the configured keys ` +
          `(${[...this.keys.keys()].join(', ')})`,
      );
    }
  }

  encrypt(plaintext: string, context: string): string {
    const key = this.keys.get(this.activeKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT_VERSION, this.activeKeyId, b64(iv), b64(tag), b64(ciphertext)].join('.');
  }

  /** Throws when the key id is unknown, the value was altered, or `context` differs. */
  decrypt(sealed: string, context: string): string {
    const { keyId, iv, tag, ciphertext } = parseSealed(sealed);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new Error(
        `token was encrypted with key "${keyId}", which is not in TOKEN_ENCRYPTION_KEYS: ` +
          'add the old key back until every token is re-encrypted',
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`token for ${context} failed authentication: it was altered or moved`);
    }
  }

  /** True when the value was sealed with a key other than the active one. */
  needsReencryption(sealed: string): boolean {
    return parseSealed(sealed).keyId !== this.activeKeyId;
  }
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64url');
}

function parseSealed(sealed: string): {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
} {
  const parts = sealed.split('.');
  const [version, keyId, iv, tag, ciphertext] = parts;
  if (parts.length !== 5 || version !== FORMAT_VERSION || !keyId || !iv || !tag || !ciphertext) {
    throw new Error(`stored token has an unknown format (expected ${FORMAT_VERSION}.<keyId>.…)`);
  }
  return {
    keyId,
    iv: Buffer.from(iv, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
  };
}
