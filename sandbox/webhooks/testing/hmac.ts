import { createHash } from 'node:crypto';

const SHA256_BLOCK_BYTES = 64;

/**
 * HMAC-SHA256 (RFC 2104) built from plain SHA-256 with the ipad/opad construction, encoded as
 * base64. Tests check the dispatcher's signatures with it, so they share no code with the signer,
 * which uses `createHmac`.
 */
export function hmacSha256Base64(key: string, message: string): string {
  let keyBytes = Buffer.from(key, 'utf8');
  if (keyBytes.length > SHA256_BLOCK_BYTES)
    keyBytes = createHash('sha256').update(keyBytes).digest();
  const paddedKey = Buffer.alloc(SHA256_BLOCK_BYTES);
  keyBytes.copy(paddedKey);

  const innerPad = Buffer.alloc(SHA256_BLOCK_BYTES);
  const outerPad = Buffer.alloc(SHA256_BLOCK_BYTES);
  for (let i = 0; i < SHA256_BLOCK_BYTES; i++) {
    innerPad[i] = (paddedKey[i] ?? 0) ^ 0x36;
    outerPad[i] = (paddedKey[i] ?? 0) ^ 0x5c;
  }
  const innerHash = createHash('sha256').update(innerPad).update(message, 'utf8').digest();
  return createHash('sha256').update(outerPad).update(innerHash).digest('base64');
}
