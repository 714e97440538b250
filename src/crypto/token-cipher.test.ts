import { randomBytes } from 'node:crypto';
import { TokenCipher } from './token-cipher';

const oldKey = { id: 'k1', key: randomBytes(32) };
const newKey = { id: 'k2', key: randomBytes(32) };

describe('TokenCipher', () => {
  it('round-trips a token', () => {
    const cipher = new TokenCipher([oldKey], 'k1');
    const sealed = cipher.encrypt('pat-na1-abc', 'portal:1:access');
    expect(cipher.decrypt(sealed, 'portal:1:access')).toBe('pat-na1-abc');
  });

  it('never stores the plaintext', () => {
    const cipher = new TokenCipher([oldKey], 'k1');
    const sealed = cipher.encrypt('secret-token-value', 'portal:1:access');
    expect(sealed).not.toContain('secret-token-value');
    expect(sealed.startsWith('v1.k1.')).toBe(true);
  });

  it('uses a fresh IV for each value', () => {
    const cipher = new TokenCipher([oldKey], 'k1');
    expect(cipher.encrypt('same', 'c')).not.toBe(cipher.encrypt('same', 'c'));
  });

  it('rejects a value moved to another context', () => {
    const cipher = new TokenCipher([oldKey], 'k1');
    const sealed = cipher.encrypt('token', 'portal:1:access');
    expect(() => cipher.decrypt(sealed, 'portal:2:access')).toThrow('failed authentication');
  });

  it('rejects a tampered ciphertext', () => {
    const cipher = new TokenCipher([oldKey], 'k1');
    const parts = cipher.encrypt('token', 'c').split('.');
    const ciphertext = Buffer.from(parts[4] as string, 'base64url');
    ciphertext[0] = (ciphertext[0] as number) ^ 1;
    parts[4] = ciphertext.toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'c')).toThrow('failed authentication');
  });

  it('decrypts old values after rotation', () => {
    const before = new TokenCipher([oldKey], 'k1');
    const sealed = before.encrypt('token', 'c');
    const after = new TokenCipher([oldKey, newKey], 'k2');
    expect(after.decrypt(sealed, 'c')).toBe('token');
    expect(after.needsReencryption(sealed)).toBe(true);
    expect(after.needsReencryption(after.encrypt('token', 'c'))).toBe(false);
  });

  it('names a removed key in the error', () => {
    const sealed = new TokenCipher([oldKey], 'k1').encrypt('token', 'c');
    const withoutOld = new TokenCipher([newKey], 'k2');
    expect(() => withoutOld.decrypt(sealed, 'c')).toThrow(
      'key "k1", which is not in TOKEN_ENCRYPTION_KEYS',
    );
  });

  it('rejects an active key id that is not configured', () => {
    expect(() => new TokenCipher([oldKey], 'k9')).toThrow('active encryption key "k9"');
  });

  it('rejects a key of the wrong length', () => {
    expect(() => new TokenCipher([{ id: 'short', key: randomBytes(16) }], 'short')).toThrow(
      '16 bytes',
    );
  });

  it('rejects a value in an unknown format', () => {
    const cipher = new TokenCipher([oldKey], 'k1');
    expect(() => cipher.decrypt('plain-text-token', 'c')).toThrow('unknown format');
  });
});
