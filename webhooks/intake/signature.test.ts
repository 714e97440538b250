import { createHmac } from 'node:crypto';
import {
  checkRequestSignature,
  checkSignatureV3,
  computeSignatureV3,
  decodeSignedUriEscapes,
  signedUri,
} from './signature';

const SECRET = 'test-client-secret-0000';
const TIMESTAMP = '1717243200000';
const NOW = 1717243201000;

/** 248 bytes; the trailing space inside "Acme Corp " is part of what HubSpot signed. */
const TRIMMED_SPACE_BODY =
  '[{"eventId":101,"subscriptionId":9001,"portalId":1234567,"appId":555,"occurredAt":1717243190000,"subscriptionType":"company.propertyChange","attemptNumber":0,"objectId":42,"propertyName":"name","propertyValue":"Acme Corp ","changeSource":"CRM_UI"}]';
const TRIMMED_SPACE_SIGNATURE = 'ZNlKHYBbSwYm11QrRFDVNv+qPMOvop1skMP1euFvkow=';

/** 249 bytes. */
const PROXY_BODY =
  '[{"eventId":202,"subscriptionId":9001,"portalId":1234567,"appId":555,"occurredAt":1717243195000,"subscriptionType":"company.propertyChange","attemptNumber":0,"objectId":42,"propertyName":"annualrevenue","propertyValue":"50000","changeSource":"API"}]';
const PROXY_SIGNATURE = 'V/FiS4crglyN5qSFAYGJD7X5P9/3GJzGtVFH9VrW/xM=';
const PROXY_PATH = '/hubspot/webhooks?src=hs&next=%2Fcards%3Fid%3D7';

const CARD_PATH = '/cards/health?portalId=1234567&companyId=42';
const CARD_SIGNATURE = 'JblItXF7k7OybwgCMQpIu7Sg0A1Ep695V/nAhHJj9KY=';

function request(method: string, originalUrl: string, signature: string, timestamp = TIMESTAMP) {
  return {
    method,
    originalUrl,
    headers: {
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': timestamp,
    },
  };
}

describe('signature v3 vectors', () => {
  test('raw body with a trailing space in a value', () => {
    expect(Buffer.byteLength(TRIMMED_SPACE_BODY)).toBe(248);
    const result = checkRequestSignature(
      request('POST', '/hubspot/webhooks', TRIMMED_SPACE_SIGNATURE),
      Buffer.from(TRIMMED_SPACE_BODY),
      { clientSecret: SECRET, publicOrigin: 'https://hooks.example.test', now: () => NOW },
    );
    expect(result).toEqual({ valid: true });
  });

  test('a trimmed or re-serialized body fails', () => {
    const trimmed = JSON.stringify(
      (JSON.parse(TRIMMED_SPACE_BODY) as Record<string, unknown>[]).map((event) => ({
        ...event,
        propertyValue: String(event.propertyValue).trim(),
      })),
    );
    expect(
      computeSignatureV3(
        SECRET,
        'POST',
        'https://hooks.example.test/hubspot/webhooks',
        trimmed,
        TIMESTAMP,
      ),
    ).toBe('5JBikGgb/OR9M4i1TV7oXRlbKtUPs0i+OWTnEbN1DRI=');
    const result = checkRequestSignature(
      request('POST', '/hubspot/webhooks', TRIMMED_SPACE_SIGNATURE),
      Buffer.from(trimmed),
      { clientSecret: SECRET, publicOrigin: 'https://hooks.example.test', now: () => NOW },
    );
    expect(result).toEqual({ valid: false, reason: 'signature_mismatch' });
  });

  test('every single-byte change of the body fails', () => {
    const body = Buffer.from(TRIMMED_SPACE_BODY);
    let rejected = 0;
    for (let index = 0; index < body.length; index += 1) {
      const changed = Buffer.from(body);
      changed[index] = (changed[index] as number) ^ 0x01;
      const result = checkRequestSignature(
        request('POST', '/hubspot/webhooks', TRIMMED_SPACE_SIGNATURE),
        changed,
        { clientSecret: SECRET, publicOrigin: 'https://hooks.example.test', now: () => NOW },
      );
      if (!result.valid) rejected += 1;
    }
    expect(rejected).toBe(body.length);
  });

  test('webhook URI behind a proxy uses the public origin', () => {
    expect(Buffer.byteLength(PROXY_BODY)).toBe(249);
    expect(signedUri('https://hooks.example.test', PROXY_PATH)).toBe(
      'https://hooks.example.test/hubspot/webhooks?src=hs&next=/cards?id%3D7',
    );
    const result = checkRequestSignature(
      request('POST', PROXY_PATH, PROXY_SIGNATURE),
      Buffer.from(PROXY_BODY),
      { clientSecret: SECRET, publicOrigin: 'https://hooks.example.test', now: () => NOW },
    );
    expect(result).toEqual({ valid: true });
  });

  test.each([
    ['raw encoded URI', 'k/MedWmeZz2bPPCqym0KAVIXvSsYpAXLrQFoMtpFnhM='],
    ['fully decoded URI', 'yPvaGU6MajerQhfql9Gvny6+8MCy9mUfnT7zke1YWHU='],
    ['http and the internal host', 'yI9S73tvdc7lZS4mM4wKfGm2pVksvDMdtmFCdUsbWFQ='],
  ])('webhook signature computed over the %s is rejected', (_mistake, signature) => {
    const result = checkRequestSignature(
      request('POST', PROXY_PATH, signature),
      Buffer.from(PROXY_BODY),
      {
        clientSecret: SECRET,
        publicOrigin: 'https://hooks.example.test',
        now: () => NOW,
      },
    );
    expect(result).toEqual({ valid: false, reason: 'signature_mismatch' });
  });

  test('card GET with its query as sent', () => {
    const result = checkRequestSignature(
      request('GET', CARD_PATH, CARD_SIGNATURE),
      Buffer.alloc(0),
      {
        clientSecret: SECRET,
        publicOrigin: 'https://api.example.test',
        now: () => NOW,
      },
    );
    expect(result).toEqual({ valid: true });
  });

  test.each([
    ['re-sorted query', '0DlppUADJGNa1R6WrDENz9TKJlSVDpj19/AFr+/4Oxw='],
    ['path without the query', '4ZbAjXWUl3ChoRBF7OYVprn9bnvB9z4h3xYR4HZqA9k='],
  ])('card signature computed over the %s is rejected', (_mistake, signature) => {
    const result = checkRequestSignature(request('GET', CARD_PATH, signature), Buffer.alloc(0), {
      clientSecret: SECRET,
      publicOrigin: 'https://api.example.test',
      now: () => NOW,
    });
    expect(result).toEqual({ valid: false, reason: 'signature_mismatch' });
  });

  test('matches an independent HMAC of the same string', () => {
    const uri = 'https://app.example.com/api/cards/health?portalId=123&email=a@b.com&q=x%20y';
    const independent = createHmac('sha256', 'my-client-secret')
      .update(`GET${uri}1767225601000`)
      .digest('base64');
    expect(computeSignatureV3('my-client-secret', 'GET', uri, '', '1767225601000')).toBe(
      independent,
    );
    expect(independent).toBe('vMwau3LcYwo7fqT59JztkA5oshg6OSI6NuL93k9xGFc=');
  });
});

describe('signed URI decoding', () => {
  test('decodes exactly the twelve listed escapes', () => {
    expect(decodeSignedUriEscapes('%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B')).toBe(":/?@!$'()*,;");
  });

  test('decodes lower-case escapes too', () => {
    expect(decodeSignedUriEscapes('%3a%2f%3f%40%2a%2c%3b')).toBe(':/?@*,;');
  });

  test('keeps every other escape encoded', () => {
    expect(decodeSignedUriEscapes('q=x%20y&a=%26&b=%3D&c=%25&d=%2B')).toBe(
      'q=x%20y&a=%26&b=%3D&c=%25&d=%2B',
    );
  });

  test('does not decode twice', () => {
    // %252F is an escaped "%2F"; one pass of the table leaves it as is.
    expect(decodeSignedUriEscapes('%252F')).toBe('%252F');
  });

  test('joins origin and path with one slash', () => {
    expect(signedUri('https://hooks.example.test/', '/hubspot/webhooks')).toBe(
      'https://hooks.example.test/hubspot/webhooks',
    );
  });
});

describe('signature timestamp', () => {
  const base = {
    method: 'POST',
    uri: 'https://hooks.example.test/hubspot/webhooks',
    body: Buffer.from(TRIMMED_SPACE_BODY),
    clientSecret: SECRET,
  };
  const signedAt = (timestamp: string) =>
    computeSignatureV3(SECRET, base.method, base.uri, base.body, timestamp);

  test('a request 5 minutes old passes', () => {
    const timestamp = String(NOW - 300_000);
    expect(
      checkSignatureV3({ ...base, signature: signedAt(timestamp), timestamp, now: NOW }),
    ).toEqual({
      valid: true,
    });
  });

  test('a request older than 5 minutes fails', () => {
    const timestamp = String(NOW - 300_001);
    expect(
      checkSignatureV3({ ...base, signature: signedAt(timestamp), timestamp, now: NOW }),
    ).toEqual({
      valid: false,
      reason: 'expired_timestamp',
    });
  });

  test('a timestamp far in the future fails', () => {
    const timestamp = String(NOW + 60_001);
    expect(
      checkSignatureV3({ ...base, signature: signedAt(timestamp), timestamp, now: NOW }),
    ).toEqual({
      valid: false,
      reason: 'future_timestamp',
    });
  });

  test('a little future skew passes', () => {
    const timestamp = String(NOW + 5_000);
    expect(
      checkSignatureV3({ ...base, signature: signedAt(timestamp), timestamp, now: NOW }),
    ).toEqual({
      valid: true,
    });
  });

  test('the timestamp text is hashed as sent', () => {
    // "01717243200000" has the same value but is a different string, so the HMAC differs.
    const result = checkSignatureV3({
      ...base,
      signature: TRIMMED_SPACE_SIGNATURE,
      timestamp: `0${TIMESTAMP}`,
      now: NOW,
    });
    expect(result).toEqual({ valid: false, reason: 'signature_mismatch' });
  });

  test.each([
    ['missing signature', { signature: undefined, timestamp: TIMESTAMP }, 'missing_signature'],
    [
      'missing timestamp',
      { signature: TRIMMED_SPACE_SIGNATURE, timestamp: undefined },
      'missing_timestamp',
    ],
    [
      'seconds with a fraction',
      { signature: TRIMMED_SPACE_SIGNATURE, timestamp: '1717243200.5' },
      'invalid_timestamp',
    ],
    ['text', { signature: TRIMMED_SPACE_SIGNATURE, timestamp: 'yesterday' }, 'invalid_timestamp'],
    [
      'truncated signature',
      { signature: TRIMMED_SPACE_SIGNATURE.slice(0, 20), timestamp: TIMESTAMP },
      'signature_mismatch',
    ],
  ])('%s is rejected', (_case, headers, reason) => {
    expect(checkSignatureV3({ ...base, ...headers, now: NOW })).toEqual({ valid: false, reason });
  });

  test('the v1 header alone is rejected', () => {
    const result = checkRequestSignature(
      {
        method: 'POST',
        originalUrl: '/hubspot/webhooks',
        headers: { 'x-hubspot-signature': 'abc', 'x-hubspot-signature-version': 'v1' },
      },
      Buffer.from(TRIMMED_SPACE_BODY),
      { clientSecret: SECRET, publicOrigin: 'https://hooks.example.test', now: () => NOW },
    );
    expect(result).toEqual({ valid: false, reason: 'missing_signature' });
  });
});
