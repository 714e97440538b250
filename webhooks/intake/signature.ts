import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HubSpot's v3 request signature: base64 HMAC-SHA256, keyed with the app's client secret, over
 * `method + uri + body + timestamp`. Webhook deliveries and `hubspot.fetch` card requests both
 * carry it, so this module is shared by every route that accepts requests from HubSpot.
 */
export const SIGNATURE_HEADER = 'x-hubspot-signature-v3';
export const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';

/** HubSpot's request-validation rules reject requests older than 5 minutes. */
export const DEFAULT_MAX_AGE_MS = 5 * 60 * 1000;
/** Clock skew accepted for a timestamp in the future (HubSpot's clock ahead of ours). */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 60 * 1000;

/**
 * The only escapes HubSpot decodes before signing (its v3 request-validation table). Every other
 * escape, such as `%20`, `%26` or `%3D`, stays encoded in the signed URI.
 */
const SIGNED_URI_ESCAPES: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};
const SIGNED_URI_ESCAPE_PATTERN = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

/** Decodes the escapes of HubSpot's table, case-insensitively, and leaves every other byte as is. */
export function decodeSignedUriEscapes(uri: string): string {
  return uri.replace(
    SIGNED_URI_ESCAPE_PATTERN,
    (escape) => SIGNED_URI_ESCAPES[escape.toUpperCase()] ?? escape,
  );
}

/**
 * Builds the URI HubSpot signed: the configured public origin (scheme and host as HubSpot called
 * them, which a proxy hides from the app) plus the path and query exactly as received, so nothing
 * is re-sorted or re-encoded.
 */
export function signedUri(publicOrigin: string, originalUrl: string): string {
  const origin = publicOrigin.replace(/\/+$/, '');
  const path = originalUrl.startsWith('/') ? originalUrl : `/${originalUrl}`;
  return decodeSignedUriEscapes(origin + path);
}

export function computeSignatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  body: Buffer | string,
  timestamp: string,
): string {
  const hmac = createHmac('sha256', clientSecret);
  hmac.update(method.toUpperCase() + uri, 'utf8');
  hmac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  hmac.update(timestamp, 'utf8');
  return hmac.digest('base64');
}

export interface SignatureCheckInput {
  method: string;
  /** The signed URI, from {@link signedUri}. */
  uri: string;
  /** The raw request body bytes, before any parsing. Empty for a GET. */
  body: Buffer;
  /** `X-HubSpot-Signature-v3` as received. */
  signature: string | undefined;
  /** `X-HubSpot-Request-Timestamp` as received (epoch milliseconds as text). */
  timestamp: string | undefined;
  clientSecret: string;
  /** Current time in epoch milliseconds. */
  now: number;
  maxAgeMs?: number;
  maxFutureSkewMs?: number;
}

export type SignatureRejection =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'invalid_timestamp'
  | 'expired_timestamp'
  | 'future_timestamp'
  | 'signature_mismatch';

export type SignatureCheckResult = { valid: true } | { valid: false; reason: SignatureRejection };

/**
 * Checks a v3 signature. The timestamp text is hashed exactly as sent, its value must lie within
 * `maxAgeMs` in the past and `maxFutureSkewMs` in the future, and the comparison runs in constant
 * time over the decoded digests.
 */
export function checkSignatureV3(input: SignatureCheckInput): SignatureCheckResult {
  const { signature, timestamp } = input;
  if (!signature) return { valid: false, reason: 'missing_signature' };
  if (!timestamp) return { valid: false, reason: 'missing_timestamp' };
  if (!/^\d{1,16}$/.test(timestamp)) return { valid: false, reason: 'invalid_timestamp' };

  const sentAt = Number(timestamp);
  const age = input.now - sentAt;
  if (age > (input.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) {
    return { valid: false, reason: 'expired_timestamp' };
  }
  if (-age > (input.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS)) {
    return { valid: false, reason: 'future_timestamp' };
  }

  const expected = Buffer.from(
    computeSignatureV3(input.clientSecret, input.method, input.uri, input.body, timestamp),
    'base64',
  );
  const received = Buffer.from(signature.trim(), 'base64');
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the secret.
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    return { valid: false, reason: 'signature_mismatch' };
  }
  return { valid: true };
}

export interface RequestSignatureOptions {
  clientSecret: string;
  /** `PUBLIC_ORIGIN`: the scheme and host HubSpot calls, e.g. `https://app.example.com`. */
  publicOrigin: string;
  now?: () => number;
  maxAgeMs?: number;
  maxFutureSkewMs?: number;
}

/** The parts of an incoming request the check reads; an express `Request` satisfies it. */
export interface SignedRequest {
  method: string;
  originalUrl: string;
  headers: Record<string, string | string[] | undefined>;
}

function headerValue(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Checks the v3 signature of an incoming request against its raw body bytes. */
export function checkRequestSignature(
  request: SignedRequest,
  rawBody: Buffer,
  options: RequestSignatureOptions,
): SignatureCheckResult {
  return checkSignatureV3({
    method: request.method,
    uri: signedUri(options.publicOrigin, request.originalUrl),
    body: rawBody,
    signature: headerValue(request, SIGNATURE_HEADER),
    timestamp: headerValue(request, TIMESTAMP_HEADER),
    clientSecret: options.clientSecret,
    now: (options.now ?? Date.now)(),
    maxAgeMs: options.maxAgeMs,
    maxFutureSkewMs: options.maxFutureSkewMs,
  });
}
