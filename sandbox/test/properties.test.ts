import { apiError, raw, startTestSandbox, type TestSandbox } from './helpers';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t.sandbox.stop();
});

describe('property groups', () => {
  it('creates, reads, updates and rejects a duplicate group', async () => {
    const group = await t.client.crm.properties.groupsApi.create('companies', {
      name: 'cs_health',
      label: 'CS Health',
      displayOrder: -1,
    });
    expect(group).toMatchObject({ name: 'cs_health', label: 'CS Health', archived: false });
    const duplicate = await apiError(
      t.client.crm.properties.groupsApi.create('companies', { name: 'cs_health', label: 'Again' }),
    );
    expect(duplicate.code).toBe(409);
    const updated = await t.client.crm.properties.groupsApi.update('companies', 'cs_health', {
      label: 'Health',
    });
    expect(updated.label).toBe('Health');
    const all = await t.client.crm.properties.groupsApi.getAll('companies');
    expect(all.results.map((item) => item.name)).toContain('cs_health');
  });
});

describe('properties', () => {
  it('creates an enumeration property and reads it back through the client', async () => {
    const created = await t.client.crm.properties.coreApi.create('companies', {
      name: 'health_band',
      label: 'Health band',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'companyinformation',
      options: [
        { label: 'Green', value: 'green', displayOrder: 0, hidden: false },
        { label: 'Red', value: 'red', displayOrder: 1, hidden: false },
      ],
    });
    expect(created.name).toBe('health_band');
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.modificationMetadata?.archivable).toBe(true);
    const read = await t.client.crm.properties.coreApi.getByName('companies', 'health_band');
    expect(read.options.map((option) => option.value)).toEqual(['green', 'red']);
  });

  it('answers 409 for a duplicate name', async () => {
    const failure = await apiError(
      t.client.crm.properties.coreApi.create('companies', {
        name: 'health_band',
        label: 'Again',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: 'companyinformation',
      }),
    );
    expect(failure.code).toBe(409);
    expect(failure.body.category).toBe('OBJECT_ALREADY_EXISTS');
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['an unknown type', { type: 'money', fieldType: 'number' }, 'money'],
    ['a field type that does not fit the type', { type: 'number', fieldType: 'select' }, 'select'],
    ['an enumeration without options', { type: 'enumeration', fieldType: 'select' }, 'options'],
    ['a missing group', { type: 'string', fieldType: 'text', groupName: 'no_group' }, 'no_group'],
    ['an invalid name', { name: 'Bad Name', type: 'string', fieldType: 'text' }, 'Bad Name'],
  ];
  it.each(invalid)('rejects %s', async (_label, fields, named) => {
    const response = await raw(t.sandbox, 'POST', '/crm/v3/properties/companies', {
      token: t.token,
      body: { name: 'some_property', label: 'Some', groupName: 'companyinformation', ...fields },
    });
    expect(response.status).toBe(400);
    expect((response.body as { category: string }).category).toBe('VALIDATION_ERROR');
    expect((response.body as { message: string }).message).toContain(named);
  });

  it('batch-creates properties and reports existing names as errors', async () => {
    const response = await raw(t.sandbox, 'POST', '/crm/v3/properties/companies/batch/create', {
      token: t.token,
      body: {
        inputs: [
          {
            name: 'health_score',
            label: 'Score',
            type: 'number',
            fieldType: 'number',
            groupName: 'companyinformation',
          },
          {
            name: 'health_band',
            label: 'Band',
            type: 'string',
            fieldType: 'text',
            groupName: 'companyinformation',
          },
        ],
      },
    });
    const body = response.body as {
      results: { name: string }[];
      errors: { context: { name: string[] } }[];
    };
    expect(response.status).toBe(207);
    expect(body.results.map((result) => result.name)).toEqual(['health_score']);
    expect(body.errors[0]?.context.name).toEqual(['health_band']);
  });

  it('updates options and archives a custom property', async () => {
    const updated = await t.client.crm.properties.coreApi.update('companies', 'health_band', {
      options: [{ label: 'Amber', value: 'amber', displayOrder: 0, hidden: false }],
    });
    expect(updated.options.map((option) => option.value)).toEqual(['amber']);
    await t.client.crm.properties.coreApi.archive('companies', 'health_band');
    const missing = await raw(t.sandbox, 'GET', '/crm/v3/properties/companies/health_band', {
      token: t.token,
    });
    expect(missing.status).toBe(404);
  });

  it('refuses to archive a HubSpot-defined property', async () => {
    const response = await raw(t.sandbox, 'DELETE', '/crm/v3/properties/companies/name', {
      token: t.token,
    });
    expect(response.status).toBe(400);
  });

  it('lists HubSpot-defined properties such as notes_last_contacted', async () => {
    const all = await t.client.crm.properties.coreApi.getAll('companies');
    const lastContacted = all.results.find((property) => property.name === 'notes_last_contacted');
    expect(lastContacted?.type).toBe('datetime');
    expect(lastContacted?.modificationMetadata?.readOnlyValue).toBe(true);
  });

  it('needs the schema write scope to create', async () => {
    const limited = t.portal.issueTokens(['oauth', 'crm.schemas.companies.read']);
    const response = await raw(t.sandbox, 'POST', '/crm/v3/properties/companies/groups', {
      token: limited.accessToken,
      body: { name: 'x', label: 'X' },
    });
    expect(response.status).toBe(403);
  });
});
