import { raw, startTestSandbox, type TestSandbox } from './helpers';

let t: TestSandbox;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestSandbox({ rateLimits: false });
  const rows: [string, Record<string, string>][] = [
    [
      'acme',
      {
        name: 'Acme Corp',
        domain: 'acme.example',
        numberofemployees: '50',
        lifecyclestage: 'customer',
      },
    ],
    [
      'globex',
      {
        name: 'Globex Corporation',
        domain: 'globex.example',
        numberofemployees: '500',
        lifecyclestage: 'lead',
      },
    ],
    ['initech', { name: 'Initech', domain: 'initech.example', numberofemployees: '5' }],
    [
      'umbrella',
      { name: 'Umbrella Health', numberofemployees: '5000', lifecyclestage: 'customer' },
    ],
  ];
  for (const [key, properties] of rows) ids[key] = t.portal.createObject('companies', properties);
  ids.ticket = t.portal.createObject('tickets', {
    subject: 'Broken export',
    hs_pipeline: '0',
    hs_pipeline_stage: '1',
  });
  ids.otherTicket = t.portal.createObject('tickets', {
    subject: 'Other',
    hs_pipeline: '0',
    hs_pipeline_stage: '4',
  });
  t.portal.associate('tickets', ids.ticket, 'companies', ids.acme as string);
});

afterAll(async () => {
  await t.sandbox.stop();
});

async function search(body: unknown, type = 'companies') {
  return raw(t.sandbox, 'POST', `/crm/v3/objects/${type}/search`, { token: t.token, body });
}

async function searchIds(filters: unknown[], type = 'companies'): Promise<string[]> {
  const response = await search({ filterGroups: [{ filters }], limit: 200 }, type);
  expect(response.status).toBe(200);
  return (response.body as { results: { id: string }[] }).results.map((result) => result.id);
}

describe('operators', () => {
  const cases: [string, unknown, string[]][] = [
    [
      'EQ on text ignores case',
      { propertyName: 'name', operator: 'EQ', value: 'acme corp' },
      ['acme'],
    ],
    [
      'NEQ',
      { propertyName: 'lifecyclestage', operator: 'NEQ', value: 'customer' },
      ['globex', 'initech'],
    ],
    ['LT numeric', { propertyName: 'numberofemployees', operator: 'LT', value: '50' }, ['initech']],
    [
      'LTE numeric',
      { propertyName: 'numberofemployees', operator: 'LTE', value: '50' },
      ['acme', 'initech'],
    ],
    [
      'GT numeric',
      { propertyName: 'numberofemployees', operator: 'GT', value: '500' },
      ['umbrella'],
    ],
    [
      'GTE numeric',
      { propertyName: 'numberofemployees', operator: 'GTE', value: '500' },
      ['globex', 'umbrella'],
    ],
    [
      'BETWEEN inclusive',
      { propertyName: 'numberofemployees', operator: 'BETWEEN', value: '50', highValue: '500' },
      ['acme', 'globex'],
    ],
    [
      'IN',
      { propertyName: 'domain', operator: 'IN', values: ['acme.example', 'initech.example'] },
      ['acme', 'initech'],
    ],
    [
      'NOT_IN',
      { propertyName: 'lifecyclestage', operator: 'NOT_IN', values: ['customer'] },
      ['globex', 'initech'],
    ],
    [
      'HAS_PROPERTY',
      { propertyName: 'domain', operator: 'HAS_PROPERTY' },
      ['acme', 'globex', 'initech'],
    ],
    ['NOT_HAS_PROPERTY', { propertyName: 'domain', operator: 'NOT_HAS_PROPERTY' }, ['umbrella']],
    [
      'CONTAINS_TOKEN with wildcard',
      { propertyName: 'name', operator: 'CONTAINS_TOKEN', value: 'corp*' },
      ['acme', 'globex'],
    ],
    [
      'NOT_CONTAINS_TOKEN',
      { propertyName: 'name', operator: 'NOT_CONTAINS_TOKEN', value: 'health' },
      ['acme', 'globex', 'initech'],
    ],
  ];
  it.each(cases)('%s', async (_label, filter, expected) => {
    expect(await searchIds([filter])).toEqual(expected.map((key) => ids[key]));
  });

  it('ORs filter groups and ANDs filters within a group', async () => {
    const response = await search({
      filterGroups: [
        {
          filters: [
            { propertyName: 'lifecyclestage', operator: 'EQ', value: 'customer' },
            { propertyName: 'numberofemployees', operator: 'GT', value: '100' },
          ],
        },
        { filters: [{ propertyName: 'name', operator: 'EQ', value: 'Initech' }] },
      ],
    });
    const results = (response.body as { results: { id: string }[] }).results.map(
      (result) => result.id,
    );
    expect(results).toEqual([ids.initech, ids.umbrella]);
  });

  it('filters tickets by the associations.company pseudo-property', async () => {
    const found = await searchIds(
      [{ propertyName: 'associations.company', operator: 'EQ', value: ids.acme }],
      'tickets',
    );
    expect(found).toEqual([ids.ticket]);
  });

  it('sorts descending by a number property', async () => {
    const response = await search({
      sorts: [{ propertyName: 'numberofemployees', direction: 'DESCENDING' }],
      limit: 2,
    });
    const body = response.body as {
      total: number;
      results: { id: string }[];
      paging: { next: { after: string } };
    };
    expect(body.total).toBe(4);
    expect(body.results.map((result) => result.id)).toEqual([ids.umbrella, ids.globex]);
    expect(body.paging.next.after).toBe('2');
  });

  it('returns requested properties plus the record id and dates', async () => {
    const response = await search({ properties: ['domain'], limit: 1 });
    const first = (response.body as { results: { properties: Record<string, string> }[] })
      .results[0];
    expect(Object.keys(first?.properties ?? {}).sort()).toEqual([
      'createdate',
      'domain',
      'hs_lastmodifieddate',
      'hs_object_id',
    ]);
  });

  it('parses through the client with Date fields', async () => {
    const page = await t.client.crm.companies.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'domain', operator: 'EQ' as never, value: 'acme.example' }] },
      ],
      properties: ['name'],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(page.total).toBe(1);
    expect(page.results[0]?.createdAt).toBeInstanceOf(Date);
    expect(page.paging).toBeUndefined();
  });
});

describe('limits', () => {
  const filter = { propertyName: 'name', operator: 'HAS_PROPERTY' };

  it('accepts 5 groups of 6 filters only within 18 filters in total', async () => {
    const groups = (count: number, size: number) =>
      Array.from({ length: count }, () => ({
        filters: Array.from({ length: size }, () => filter),
      }));
    expect((await search({ filterGroups: groups(3, 6) })).status).toBe(200);
    expect((await search({ filterGroups: groups(6, 1) })).status).toBe(400);
    expect((await search({ filterGroups: groups(1, 7) })).status).toBe(400);
    const tooMany = await search({ filterGroups: groups(4, 5) });
    expect(tooMany.status).toBe(400);
    expect((tooMany.body as { category: string }).category).toBe('VALIDATION_ERROR');
  });

  it('rejects a limit above 200 and a second sort', async () => {
    expect((await search({ limit: 201 })).status).toBe(400);
    expect((await search({ limit: 200 })).status).toBe(200);
    const sorts = [
      { propertyName: 'name', direction: 'ASCENDING' },
      { propertyName: 'domain', direction: 'ASCENDING' },
    ];
    expect((await search({ sorts })).status).toBe(400);
  });

  it('rejects an unknown operator and property with the value named', async () => {
    const operator = await search({
      filterGroups: [{ filters: [{ propertyName: 'name', operator: 'LIKE', value: 'x' }] }],
    });
    expect((operator.body as { message: string }).message).toContain('LIKE');
    const property = await search({
      filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ', value: 'x' }] }],
    });
    expect(property.status).toBe(400);
    expect((property.body as { message: string }).message).toContain('nope');
  });
});

describe('12,345 companies', () => {
  let bulkIds: string[];

  beforeAll(async () => {
    const portal = await t.sandbox.createPortal({ seed: 'empty', portalId: 9_000_001 });
    bulkIds = Array.from({ length: 12_345 }, (_, index) =>
      portal.createObject('companies', { name: `Company ${index}` }, undefined, 'IMPORT'),
    );
    t.token = portal.issueTokens().accessToken;
  });

  it('answers 400 for any after of 10,000 or more', async () => {
    const at = await search({ limit: 100, after: '10000' });
    expect(at.status).toBe(400);
    expect((at.body as { category: string }).category).toBe('VALIDATION_ERROR');
    expect((await search({ limit: 100, after: '12000' })).status).toBe(400);
    const below = await search({ limit: 100, after: '9900' });
    expect(below.status).toBe(200);
    expect((below.body as { total: number }).total).toBe(12_345);
    expect((below.body as { paging: { next: { after: string } } }).paging.next.after).toBe('10000');
  });

  it('walks every id once with hs_object_id GT windows sorted ascending', async () => {
    const seen: string[] = [];
    let lastId = '0';
    for (let page = 0; page < 100; page += 1) {
      const response = await search({
        filterGroups: [
          { filters: [{ propertyName: 'hs_object_id', operator: 'GT', value: lastId }] },
        ],
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
        limit: 200,
      });
      const results = (response.body as { results: { id: string }[] }).results;
      if (results.length === 0) break;
      seen.push(...results.map((result) => result.id));
      lastId = results[results.length - 1]?.id as string;
    }
    expect(seen).toHaveLength(12_345);
    expect(new Set(seen).size).toBe(12_345);
    expect(seen).toEqual(bulkIds);
  });
});
