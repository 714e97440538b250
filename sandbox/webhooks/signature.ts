import { createHmac } from 'node:crypto';

/**
 * HubSpot's v3 request signature: base64 of HMAC-SHA256 keyed with the app's client secret over
 * `method + uri + body + timestamp`, concatenated without separators. `timestamp` is the
 * `X-HubSpot-Request-Timestamp` header value (epoch milliseconds as a decimal string).
 */
export function signatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: string,
): string {
  return createHmac('sha256', clientSecret)
    .update(method + uri + body + timestamp, 'utf8')
    .digest('base64');
}

/** Percent-escapes that HubSpot's v3 validation rules tell receivers to decode in the URI. */
const VALIDATION_DECODED_ESCAPES = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/i;

/**
 * Returns true when a receiver that follows HubSpot's v3 validation rules would hash a different URI than
 * `targetUrl`, because it decodes one of the listed escapes (such as `%2F`) before hashing.
 */
export function hasValidationDecodedEscape(targetUrl: string): boolean {
  return VALIDATION_DECODED_ESCAPES.test(targetUrl);
}

export const WEBHOOK_USER_AGENT = 'HubSpot Connect 2.0 (http://dev.hubspot.com/)';

/**
 * Builds the headers of one webhook POST. HubSpot signs the target URL exactly as the app
 * configured it, so `targetUrl` goes into the signature without any normalization.
 */
export function webhookRequestHeaders(
  clientSecret: string,
  targetUrl: string,
  body: string,
  timestampMs: number,
): Record<string, string> {
  const timestamp = String(timestampMs);
  return {
    'Content-Type': 'application/json',
    'User-Agent': WEBHOOK_USER_AGENT,
    'X-HubSpot-Signature-v3': signatureV3(clientSecret, 'POST', targetUrl, body, timestamp),
    'X-HubSpot-Request-Timestamp': timestamp,
  };
}
