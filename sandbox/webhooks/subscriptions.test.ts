import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { DEFAULT_SUBSCRIPTIONS_FILE } from './dispatcher';
import { loadWebhooksFile, parseWebhooksConfig, WebhooksFileError } from './subscriptions';

type Item = {
  subscriptionType: string;
  objectType?: string;
  propertyName?: string;
  active: boolean;
};

function webhooksFile(
  lists: { crmObjects?: Item[]; legacyCrmObjects?: Item[]; hubEvents?: Item[] },
  settings: Record<string, unknown> = {
    targetUrl: 'https://app.example.test/hooks',
    maxConcurrentRequests: 10,
  },
) {
  return {
    uid: 'test_webhooks',
    type: 'webhooks',
    config: {
      settings,
      subscriptions: {
        crmObjects: lists.crmObjects ?? [],
        legacyCrmObjects: lists.legacyCrmObjects ?? [],
        hubEvents: lists.hubEvents ?? [],
      },
    },
  };
}

function problemsOf(json: unknown): string[] {
  try {
    parseWebhooksConfig(json, 'test.json');
  } catch (error) {
    if (error instanceof WebhooksFileError) return error.problems;
    throw error;
  }
  throw new Error('expected the webhooks file to be rejected');
}

describe('loadWebhooksFile', () => {
  test('reads the project file', () => {
    const config = loadWebhooksFile(DEFAULT_SUBSCRIPTIONS_FILE);

    expect(config.uid).toBe('cs_health_webhooks');
    expect(config.maxConcurrentRequests).toBe(10);
    expect(config.subscriptions).toHaveLength(19);
    const feedback = config.subscriptions.find((s) => s.subscriptionType === 'object.creation');
    expect(feedback?.crmType).toBe('feedback_submissions');
    expect(feedback?.objectTypeId).toBe('0-19');
    const seats = config.subscriptions.find((s) => s.propertyName === 'licensed_seats');
    expect(seats?.crmType).toBe('companies');
    expect(seats?.eventKind).toBe('propertyChange');
    expect(seats?.objectTypeId).toBeUndefined();
  });

  test('gives unique nine-digit ids', () => {
    const ids = loadWebhooksFile(DEFAULT_SUBSCRIPTIONS_FILE).subscriptions.map(
      (s) => s.subscriptionId,
    );
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(Number.isInteger(id)).toBe(true);
      expect(id).toBeGreaterThanOrEqual(100_000_000);
      expect(id).toBeLessThanOrEqual(999_999_999);
    }
  });

  test('reports a missing file', () => {
    expect(() => loadWebhooksFile('/nonexistent/webhooks-hsmeta.json')).toThrow(
      /invalid webhooks file \/nonexistent\/webhooks-hsmeta.json:\n {2}- cannot read the file/,
    );
  });

  test('reports invalid JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'webhooks-file-'));
    const file = path.join(dir, 'webhooks-hsmeta.json');
    writeFileSync(file, '{"uid": ');
    expect(() => loadWebhooksFile(file)).toThrow(/not valid JSON/);
  });
});

describe('parseWebhooksConfig', () => {
  const companyCreation = { subscriptionType: 'company.creation', active: true };
  const seatsChange = {
    subscriptionType: 'company.propertyChange',
    propertyName: 'licensed_seats',
    active: true,
  };

  test('keeps ids when the file is reordered', () => {
    const forward = parseWebhooksConfig(
      webhooksFile({ legacyCrmObjects: [companyCreation, seatsChange] }),
    );
    const reversed = parseWebhooksConfig(
      webhooksFile({ legacyCrmObjects: [seatsChange, companyCreation] }),
    );
    const idOf = (config: typeof forward, type: string) =>
      config.subscriptions.find((s) => s.subscriptionType === type)?.subscriptionId;

    expect(idOf(forward, 'company.creation')).toBe(idOf(reversed, 'company.creation'));
    expect(idOf(forward, 'company.propertyChange')).toBe(idOf(reversed, 'company.propertyChange'));
  });

  test('keeps inactive subscriptions with an id', () => {
    const config = parseWebhooksConfig(
      webhooksFile({ legacyCrmObjects: [{ subscriptionType: 'ticket.creation', active: false }] }),
    );
    expect(config.subscriptions[0]?.active).toBe(false);
    expect(config.subscriptions[0]?.subscriptionId).toBeGreaterThan(0);
  });

  test('defaults maxConcurrentRequests to 10', () => {
    const config = parseWebhooksConfig(
      webhooksFile({}, { targetUrl: 'https://app.example.test/hooks' }),
    );
    expect(config.maxConcurrentRequests).toBe(10);
  });

  test('accepts object type ids and unstored objects', () => {
    const config = parseWebhooksConfig(
      webhooksFile({
        crmObjects: [
          { subscriptionType: 'object.creation', objectType: '0-2', active: true },
          { subscriptionType: 'object.creation', objectType: 'line_item', active: true },
        ],
        legacyCrmObjects: [{ subscriptionType: 'product.deletion', active: true }],
        hubEvents: [{ subscriptionType: 'contact.privacyDeletion', active: true }],
      }),
    );
    const [companies, lineItems, products, privacy] = config.subscriptions;
    expect(companies?.crmType).toBe('companies');
    expect(lineItems?.objectTypeId).toBe('0-8');
    expect(lineItems?.crmType).toBeUndefined();
    expect(products?.crmType).toBeUndefined();
    expect(privacy?.eventKind).toBeUndefined();
  });

  test.each([
    [
      'a propertyChange without propertyName',
      { legacyCrmObjects: [{ subscriptionType: 'company.propertyChange', active: true }] },
      'config.subscriptions.legacyCrmObjects.0: company.propertyChange needs a propertyName',
    ],
    [
      'hs_lastmodifieddate',
      {
        legacyCrmObjects: [
          {
            subscriptionType: 'ticket.propertyChange',
            propertyName: 'hs_lastmodifieddate',
            active: true,
          },
        ],
      },
      'config.subscriptions.legacyCrmObjects.0: HubSpot sends no propertyChange events for hs_lastmodifieddate; remove this subscription',
    ],
    [
      'a propertyName on a creation',
      {
        legacyCrmObjects: [
          { subscriptionType: 'company.creation', propertyName: 'name', active: true },
        ],
      },
      'config.subscriptions.legacyCrmObjects.0: company.creation takes no propertyName; remove it',
    ],
    [
      'an unknown objectType',
      {
        crmObjects: [
          { subscriptionType: 'object.creation', objectType: 'companies', active: true },
        ],
      },
      'config.subscriptions.crmObjects.0: unknown objectType companies; use an object type id such as 0-2 or one of',
    ],
    [
      'a generic subscription without objectType',
      { crmObjects: [{ subscriptionType: 'object.deletion', active: true }] },
      'config.subscriptions.crmObjects.0: object.deletion needs an objectType, for example "company"',
    ],
    [
      'a classic type in crmObjects',
      {
        crmObjects: [{ subscriptionType: 'company.creation', objectType: 'company', active: true }],
      },
      'config.subscriptions.crmObjects.0: company.creation belongs in legacyCrmObjects',
    ],
    [
      'an objectType on a classic type',
      {
        legacyCrmObjects: [
          { subscriptionType: 'company.creation', objectType: 'company', active: true },
        ],
      },
      'config.subscriptions.legacyCrmObjects.0: company.creation takes no objectType',
    ],
    [
      'an unknown classic object',
      { legacyCrmObjects: [{ subscriptionType: 'feedback_submission.creation', active: true }] },
      'config.subscriptions.legacyCrmObjects.0: unknown object feedback_submission in feedback_submission.creation',
    ],
    [
      'an unknown event kind',
      { legacyCrmObjects: [{ subscriptionType: 'company.update', active: true }] },
      'config.subscriptions.legacyCrmObjects.0: invalid subscriptionType company.update',
    ],
    [
      'product.associationChange',
      { legacyCrmObjects: [{ subscriptionType: 'product.associationChange', active: true }] },
      'config.subscriptions.legacyCrmObjects.0: HubSpot has no product.associationChange subscription',
    ],
    [
      'an unknown hub event',
      { hubEvents: [{ subscriptionType: 'company.creation', active: true }] },
      'config.subscriptions.hubEvents.0: unknown hub event company.creation',
    ],
    [
      'a duplicate',
      {
        legacyCrmObjects: [
          { subscriptionType: 'ticket.creation', active: true },
          { subscriptionType: 'ticket.creation', active: false },
        ],
      },
      'config.subscriptions.legacyCrmObjects.1: duplicate of ticket.creation; remove one of them',
    ],
  ])('rejects %s', (_name, lists, expected) => {
    const problems = problemsOf(webhooksFile(lists as Parameters<typeof webhooksFile>[0]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  test('rejects an http targetUrl', () => {
    const problems = problemsOf(webhooksFile({}, { targetUrl: 'http://app.example.test/hooks' }));
    expect(problems).toEqual([
      'config.settings.targetUrl: must be an https:// URL, as HubSpot requires',
    ]);
  });

  test('rejects a misspelled key', () => {
    const problems = problemsOf(
      webhooksFile({
        legacyCrmObjects: [
          {
            subscriptionType: 'company.propertyChange',
            propertyname: 'name',
            active: true,
          } as Item,
        ],
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^config\.subscriptions\.legacyCrmObjects\.0: Unrecognized key: "propertyname"/,
    );
  });

  test('lists every problem at once', () => {
    const problems = problemsOf(
      webhooksFile({
        legacyCrmObjects: [
          { subscriptionType: 'company.propertyChange', active: true },
          { subscriptionType: 'deal.restore', active: true },
          { subscriptionType: 'ticket.propertyChange', active: true },
        ],
      }),
    );
    expect(problems).toEqual([
      'config.subscriptions.legacyCrmObjects.0: company.propertyChange needs a propertyName',
      'config.subscriptions.legacyCrmObjects.2: ticket.propertyChange needs a propertyName',
    ]);
  });
});
