import { createHmac, randomBytes } from 'node:crypto';

import { signatureV3, signedUriFor, webhookRequestHeaders } from './signature';
import { hmacSha256Base64 } from './testing/hmac';

const SDK_SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const SDK_URI = 'https://www.example.com/webhook_uri';
// 33 bytes with single quotes, the input of the v3 test in HubSpot's Python and Ruby SDKs.
const SDK_BODY = "{'example_field':'example_value'}";

describe('signatureV3', () => {
  // The first expected value comes from the SDKs. The other two sign the same input later.
  test.each([
    ['15000000', 'HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw='],
    ['1693657560000', 'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y='],
    ['1700000300000', 'RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw='],
  ])('matches the vector at timestamp %s', (timestamp, expected) => {
    expect(signatureV3(SDK_SECRET, 'POST', SDK_URI, SDK_BODY, timestamp)).toBe(expected);
  });

  test('matches a webhook batch vector', () => {
    const body =
      '[{"eventId":1,"subscriptionId":2,"portalId":3,"appId":4,"occurredAt":1767225600000,' +
      '"subscriptionType":"object.propertyChange","attemptNumber":0,"objectId":5,"objectTypeId":"0-2",' +
      '"propertyName":"name","propertyValue":"Acme","changeSource":"CRM_UI"}]';
    const signature = signatureV3(
      'my-client-secret',
      'POST',
      'https://app.example.com/hubspot/webhooks',
      body,
      '1767225601000',
    );
    expect(signature).toBe('ZEmMWnfe1uNU95Ozztwn+0ArG7WhIVLMtAy9decIuhU=');
  });

  test('matches a body with a trailing space in a value', () => {
    const body =
      '[{"eventId":101,"subscriptionId":9001,"portalId":1234567,"appId":555,"occurredAt":1717243190000,' +
      '"subscriptionType":"company.propertyChange","attemptNumber":0,"objectId":42,' +
      '"propertyName":"name","propertyValue":"Acme Corp ","changeSource":"CRM_UI"}]';
    const signature = signatureV3(
      'test-client-secret-0000',
      'POST',
      'https://hooks.example.test/hubspot/webhooks',
      body,
      '1717243200000',
    );
    expect(signature).toBe('ZNlKHYBbSwYm11QrRFDVNv+qPMOvop1skMP1euFvkow=');
  });

  test('agrees with the independent HMAC', () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength).toString('hex').slice(0, keyLength);
      const message = `POST${SDK_URI}[{"n":${keyLength},"text":"é ü"}]1767225601000`;
      expect(hmacSha256Base64(key, message)).toBe(
        createHmac('sha256', key).update(message).digest('base64'),
      );
      expect(
        signatureV3(key, 'POST', SDK_URI, `[{"n":${keyLength},"text":"é ü"}]`, '1767225601000'),
      ).toBe(hmacSha256Base64(key, message));
    }
  });
});

describe('webhookRequestHeaders', () => {
  test('sets the HubSpot headers', () => {
    const url = 'http://127.0.0.1:4000/hubspot/webhooks';
    const body = '[{"eventId":7}]';
    const headers = webhookRequestHeaders('secret-1', url, body, 1717243200000);

    expect(headers['Content-Type']).toBe('application/json');
    expect(headers['User-Agent']).toBe('HubSpot Connect 2.0 (http://dev.hubspot.com/)');
    expect(headers['X-HubSpot-Request-Timestamp']).toBe('1717243200000');
    expect(headers['X-HubSpot-Signature-v3']).toBe(
      hmacSha256Base64('secret-1', `POST${url}${body}1717243200000`),
    );
  });

  test('signs with listed escapes decoded', () => {
    const body =
      '[{"eventId":202,"subscriptionId":9001,"portalId":1234567,"appId":555,"occurredAt":1717243195000,' +
      '"subscriptionType":"company.propertyChange","attemptNumber":0,"objectId":42,' +
      '"propertyName":"annualrevenue","propertyValue":"50000","changeSource":"API"}]';
    const headers = webhookRequestHeaders(
      'test-client-secret-0000',
      'https://hooks.example.test/hubspot/webhooks?src=hs&next=%2Fcards%3Fid%3D7',
      body,
      1717243200000,
    );
    expect(headers['X-HubSpot-Signature-v3']).toBe('V/FiS4crglyN5qSFAYGJD7X5P9/3GJzGtVFH9VrW/xM=');
  });
});

describe('signedUriFor', () => {
  test.each([
    ['http://127.0.0.1:4000/hooks', 'http://127.0.0.1:4000/hooks'],
    [
      'http://127.0.0.1:4000/hooks?next=%2Fcards%3Fid%3D7',
      'http://127.0.0.1:4000/hooks?next=/cards?id%3D7',
    ],
    ['http://127.0.0.1:4000/hooks?a=%2f%3a%40', 'http://127.0.0.1:4000/hooks?a=/:@'],
    [
      'http://127.0.0.1:4000/hooks?e=%21%24%27%28%29%2A%2C%3B',
      "http://127.0.0.1:4000/hooks?e=!$'()*,;",
    ],
    [
      'http://127.0.0.1:4000/hooks?q=x%20y&r=%26%3D%25',
      'http://127.0.0.1:4000/hooks?q=x%20y&r=%26%3D%25',
    ],
    ['http://127.0.0.1:4000/hooks?b=2&a=1', 'http://127.0.0.1:4000/hooks?b=2&a=1'],
  ])('maps %s', (configured, signed) => {
    expect(signedUriFor(configured)).toBe(signed);
  });
});
