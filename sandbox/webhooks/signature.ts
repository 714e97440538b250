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

/** The escapes HubSpot's v3 validation rules decode in the signed URI; all others stay encoded. */
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

/**
 * Returns the URI HubSpot signs for a target URL: the URL as configured, with only the listed
 * escapes decoded (case-insensitively). Query order, host and other escapes such as `%20` or
 * `%3D` stay as they are. HubSpot's rules tell receivers to decode exactly these escapes before
 * checking, so a signature over any other form would fail there.
 * NOTE: derived from HubSpot's validation rules, not observed on a live delivery.
 */
export function signedUriFor(targetUrl: string): string {
  return targetUrl.replace(
    SIGNED_URI_ESCAPE_PATTERN,
    (escape) => SIGNED_URI_ESCAPES[escape.toUpperCase()] ?? escape,
  );
}

export const WEBHOOK_USER_AGENT = 'HubSpot Connect 2.0 (http://dev.hubspot.com/)';

/** Builds the headers of one webhook POST to `targetUrl`, signed over {@link signedUriFor}. */
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
    'X-HubSpot-Signature-v3': signatureV3(
      clientSecret,
      'POST',
      signedUriFor(targetUrl),
      body,
      timestamp,
    ),
    'X-HubSpot-Request-Timestamp': timestamp,
  };
}
