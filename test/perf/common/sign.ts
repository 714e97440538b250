import { createHmac } from 'node:crypto';

/**
 * Signs a request the way HubSpot signs webhook deliveries (v3): base64 HMAC-SHA256 keyed with
 * the client secret over method, URI, body and the timestamp header's text. The perf suites sign
 * their own requests so they do not lean on the signature code they test.
 */
export function signedHeaders(
  clientSecret: string,
  url: string,
  body: string | Buffer,
  timestamp = String(Date.now()),
): Record<string, string> {
  const hmac = createHmac('sha256', clientSecret);
  hmac.update(`POST${url}`, 'utf8');
  hmac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  hmac.update(timestamp, 'utf8');
  return {
    'content-type': 'application/json',
    'x-hubspot-signature-v3': hmac.digest('base64'),
    'x-hubspot-request-timestamp': timestamp,
  };
}
