import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes';
import {
  apiClient,
  apiError,
  ISO_TIMESTAMP,
  raw,
  startTestSandbox,
  UUID,
  type TestSandbox,
} from './helpers';

let t: TestSandbox;
let companyIds: string[];

beforeAll(async () => {
  t = await startTestSandbox();
  await t.client.crm.properties.coreApi.create('companies', {
    name: 'health_score',
    label: 'Health score',
    type: 'number' as never,
    fieldType: 'number' as never,
    groupName: 'companyinformation',
  });
  await t.client.crm.properties.coreApi.create('companies', {
    name: 'health_tier',
    label: 'Health tier',
    type: 'enumeration' as never,
    fieldType: 'select' as never,
    groupName: 'companyinformation',
    options: [
      { label: 'Healthy', value: 'healthy', displayOrder: 0, hidden: false },
      { label: 'At risk', value: 'at_risk', displayOrder: 1, hidden: false },
      { label: 'Critical', value: 'critical', displayOrder: 2, hidden: false },
    ],
  });
  await t.client.crm.properties.coreApi.create('companies', {
    name: 'renewal_date',
    label: 'Renewal date',
    type: 'date' as never,
    fieldType: 'date' as never,
    groupName: 'companyinformation',
  });
  companyIds = ['Acme', 'Globex', 'Initech'].map((name) =>
    t.portal.createObject('companies', { name, domain: `${name.toLowerCase()}.example` }),
  );
});

afterAll(async () => {
  await t.sandbox.stop();
});

describe('single records', () => {
  it('returns the SimplePublicObject shape through the client', async () => {
    const company = await t.client.crm.companies.basicApi.getById(companyIds[0] as string, [
      'name',
      'domain',
    ]);
    expect(company.id).toBe(companyIds[0]);
    expect(company.properties.name).toBe('Acme');
    expect(company.properties.domain).toBe('acme.example');
    expect(company.createdAt).toBeInstanceOf(Date);
    expect(company.updatedAt).toBeInstanceOf(Date);
    expect(company.archived).toBe(false);
  });

  it('returns default properties and ISO strings over raw HTTP', async () => {
    const response = await raw(t.sandbox, 'GET', `/crm/v3/objects/companies/${companyIds[0]}`, {
      token: t.token,
    });
    const body = response.body as Record<string, unknown>;
    expect(response.status).toBe(200);
    expect(Object.keys(body.properties as object).sort()).toEqual([
      'createdate',
      'domain',
      'hs_lastmodifieddate',
      'hs_object_id',
      'name',
    ]);
    expect(body.createdAt).toMatch(ISO_TIMESTAMP);
    for (const value of Object.values(body.properties as object))
      expect(typeof value).toBe('string');
  });

  it('answers 404 OBJECT_NOT_FOUND for an unknown id', async () => {
    const response = await raw(t.sandbox, 'GET', '/crm/v3/objects/companies/999999', {
      token: t.token,
    });
    const body = response.body as Record<string, unknown>;
    expect(response.status).toBe(404);
    expect(body.status).toBe('error');
    expect(body.category).toBe('OBJECT_NOT_FOUND');
    expect(body.correlationId).toMatch(UUID);
  });

  it('serves the date-versioned object path', async () => {
    const response = await raw(
      t.sandbox,
      'GET',
      `/crm/objects/2026-03/companies/${companyIds[1]}`,
      { token: t.token },
    );
    expect(response.status).toBe(200);
    expect((response.body as { id: string }).id).toBe(companyIds[1]);
  });

  it('lists with after paging and omits paging on the last page', async () => {
    const first = await t.client.crm.companies.basicApi.getPage(2);
    expect(first.results.map((company) => company.id)).toEqual(companyIds.slice(0, 2));
    expect(first.paging?.next?.after).toBe(companyIds[2]);
    const second = await t.client.crm.companies.basicApi.getPage(2, first.paging?.next?.after);
    expect(second.results.map((company) => company.id)).toEqual([companyIds[2]]);
    expect(second.paging).toBeUndefined();
  });
});

describe('batch read', () => {
  it('reads properties and history through the client', async () => {
    t.portal.updateObject('companies', companyIds[0] as string, { health_score: '40' }, 'CRM_UI');
    t.portal.updateObject('companies', companyIds[0] as string, { health_score: '55' }, 'CRM_UI');
    const response = await t.client.crm.companies.batchApi.read({
      inputs: [{ id: companyIds[0] as string }],
      properties: ['name', 'health_score', 'nonexistent_property'],
      propertiesWithHistory: ['health_score'],
    });
    const result = response.results[0];
    expect(response.status).toBe('COMPLETE');
    expect(response.startedAt).toBeInstanceOf(Date);
    expect(result?.properties.health_score).toBe('55');
    expect(result?.properties).not.toHaveProperty('nonexistent_property');
    const history = result?.propertiesWithHistory?.health_score ?? [];
    expect(history.map((entry) => entry.value)).toEqual(['55', '40']);
    expect(history[0]?.sourceType).toBe('CRM_UI');
    expect(history[0]?.timestamp).toBeInstanceOf(Date);
  });

  it('answers 207 with errors naming missing ids', async () => {
    const response = await raw(t.sandbox, 'POST', '/crm/v3/objects/companies/batch/read', {
      token: t.token,
      body: { inputs: [{ id: companyIds[1] }, { id: '424242' }], properties: ['name'] },
    });
    const body = response.body as {
      results: unknown[];
      numErrors: number;
      errors: { context: { ids: string[] } }[];
    };
    expect(response.status).toBe(207);
    expect(body.results).toHaveLength(1);
    expect(body.numErrors).toBe(1);
    expect(body.errors[0]?.context.ids).toEqual(['424242']);
  });

  it('rejects more than 100 inputs', async () => {
    const inputs = Array.from({ length: 101 }, (_, index) => ({ id: String(index + 1) }));
    const response = await raw(t.sandbox, 'POST', '/crm/v3/objects/companies/batch/read', {
      token: t.token,
      body: { inputs },
    });
    expect(response.status).toBe(400);
    expect((response.body as { category: string }).category).toBe('VALIDATION_ERROR');
  });

  it('rejects malformed JSON with a 400 instead of crashing', async () => {
    const response = await raw(t.sandbox, 'POST', '/crm/v3/objects/companies/batch/read', {
      token: t.token,
      rawBody: '{"inputs": [',
    });
    const body = response.body as { category: string; message: string };
    expect(response.status).toBe(400);
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.message).toContain('Invalid input JSON');
  });
});

describe('batch update', () => {
  it('rejects the whole batch with the exact VALIDATION_ERROR body', async () => {
    const residue = String(0.1 + 0.2 - 0.3);
    const response = await raw(t.sandbox, 'POST', '/crm/v3/objects/companies/batch/update', {
      token: t.token,
      body: {
        inputs: [
          { id: companyIds[0], properties: { health_score: residue } },
          { id: companyIds[2], properties: { health_score: '72' } },
        ],
      },
    });
    const body = response.body as Record<string, unknown>;
    expect(response.status).toBe(400);
    expect(body.status).toBe('error');
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.message).toBe(
      'Property values were not valid: [{"isValid":false,"message":"5.551115123125783e-17 was not a valid number.","error":"INVALID_INTEGER","name":"health_score"}]',
    );
    expect(
      t.portal.getObject('companies', companyIds[2] as string)?.properties.health_score,
    ).toBeUndefined();
  });

  it('names the allowed options for an unknown enumeration value', async () => {
    const failure = await apiError(
      t.client.crm.companies.batchApi.update({
        inputs: [{ id: companyIds[1] as string, properties: { health_tier: 'At Risk' } }],
      }),
    );
    expect(failure.code).toBe(400);
    expect(failure.body.message).toContain(
      'At Risk was not one of the allowed options: [healthy, at_risk, critical]',
    );
    expect(failure.body.message).toContain('"error":"INVALID_OPTION"');
  });

  it('rejects a date that is not midnight UTC', async () => {
    const failure = await apiError(
      t.client.crm.companies.batchApi.update({
        inputs: [{ id: companyIds[1] as string, properties: { renewal_date: '1717243200123' } }],
      }),
    );
    expect(failure.code).toBe(400);
    expect(failure.body.message).toContain('"error":"INVALID_DATE"');
  });

  it('stores a midnight epoch date as YYYY-MM-DD', async () => {
    await t.client.crm.companies.batchApi.update({
      inputs: [{ id: companyIds[1] as string, properties: { renewal_date: '1430438400000' } }],
    });
    expect(t.portal.getObject('companies', companyIds[1] as string)?.properties.renewal_date).toBe(
      '2015-05-01',
    );
  });

  it('answers 207 for a missing id and writes the others', async () => {
    const response = await raw(t.sandbox, 'POST', '/crm/v3/objects/companies/batch/update', {
      token: t.token,
      body: {
        inputs: [
          { id: companyIds[2], properties: { health_score: '72', health_tier: 'healthy' } },
          { id: '104104', properties: { health_score: '10' } },
        ],
      },
    });
    const body = response.body as {
      results: { id: string }[];
      errors: { context: { ids: string[] } }[];
    };
    expect(response.status).toBe(207);
    expect(body.results.map((result) => result.id)).toEqual([companyIds[2]]);
    expect(body.errors[0]?.context.ids).toEqual(['104104']);
    expect(t.portal.getObject('companies', companyIds[2] as string)?.properties.health_tier).toBe(
      'healthy',
    );
  });

  it('leaves a value unchanged for null and clears it for an empty string', async () => {
    const id = companyIds[2] as string;
    await raw(t.sandbox, 'POST', '/crm/v3/objects/companies/batch/update', {
      token: t.token,
      body: { inputs: [{ id, properties: { health_score: null, health_tier: '' } }] },
    });
    const company = t.portal.getObject('companies', id);
    expect(company?.properties.health_score).toBe('72');
    expect(company?.properties.health_tier).toBe('');
    const history = t.portal.propertyHistory('companies', id, 'health_tier');
    expect(history[0]).toMatchObject({ value: '', sourceType: 'API' });
  });

  it('rejects unknown properties and read-only values', async () => {
    const failure = await apiError(
      t.client.crm.companies.batchApi.update({
        inputs: [
          { id: companyIds[0] as string, properties: { no_such_property: '1', hs_object_id: '5' } },
        ],
      }),
    );
    expect(failure.body.message).toContain('"error":"PROPERTY_DOESNT_EXIST"');
    expect(failure.body.message).toContain('"error":"READ_ONLY_VALUE"');
  });

  it('rejects duplicate ids', async () => {
    const failure = await apiError(
      t.client.crm.companies.batchApi.update({
        inputs: [
          { id: companyIds[0] as string, properties: { health_score: '1' } },
          { id: companyIds[0] as string, properties: { health_score: '2' } },
        ],
      }),
    );
    expect(failure.code).toBe(400);
    expect(failure.body.message).toContain('Duplicate IDs');
  });
});

describe('create', () => {
  it('creates a task associated with a company through the client', async () => {
    const task = await t.client.crm.objects.tasks.basicApi.create({
      properties: {
        hs_timestamp: '2026-03-01T09:00:00.000Z',
        hs_task_subject: 'Call about renewal',
        hs_task_status: 'NOT_STARTED',
      },
      associations: [
        {
          to: { id: companyIds[0] as string },
          types: [
            {
              associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
              associationTypeId: 192,
            },
          ],
        },
      ],
    });
    expect(task.id).toMatch(/^\d+$/);
    expect(task.properties.hs_task_subject).toBe('Call about renewal');
    expect(t.portal.associatedIds('companies', companyIds[0] as string, 'tasks')).toEqual([
      task.id,
    ]);
  });

  it('creates a note that sets notes_last_contacted on its company', async () => {
    const note = await t.client.crm.objects.notes.basicApi.create({
      properties: { hs_timestamp: '2026-02-10T12:00:00.000Z', hs_note_body: 'Quarterly review' },
      associations: [
        {
          to: { id: companyIds[1] as string },
          types: [
            {
              associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
              associationTypeId: 190,
            },
          ],
        },
      ],
    });
    expect(note.id).toMatch(/^\d+$/);
    expect(
      t.portal.getObject('companies', companyIds[1] as string)?.properties.notes_last_contacted,
    ).toBe('2026-02-10T12:00:00.000Z');
  });

  it('requires hs_timestamp on a task', async () => {
    const response = await raw(t.sandbox, 'POST', '/crm/v3/objects/tasks', {
      token: t.token,
      body: { properties: { hs_task_subject: 'No due date' } },
    });
    expect(response.status).toBe(400);
    expect((response.body as { message: string }).message).toContain('hs_timestamp');
  });

  it('rejects an association type id that does not fit the object', async () => {
    const response = await raw(t.sandbox, 'POST', '/crm/v3/objects/notes', {
      token: t.token,
      body: {
        properties: { hs_timestamp: '2026-02-10T12:00:00.000Z' },
        associations: [
          {
            to: { id: companyIds[0] },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 9999 }],
          },
        ],
      },
    });
    expect(response.status).toBe(400);
  });

  it('refuses writes to feedback submissions', async () => {
    const response = await raw(t.sandbox, 'POST', '/crm/v3/objects/feedback_submissions', {
      token: t.token,
      body: { properties: { hs_value: '9' } },
    });
    expect(response.status).toBe(405);
  });
});

describe('merge and delete', () => {
  it('merges a company into the primary and moves its associations', async () => {
    const primary = t.portal.createObject('companies', { name: 'Primary Co' });
    const merged = t.portal.createObject('companies', {
      name: 'Duplicate Co',
      domain: 'dup.example',
    });
    const ticket = t.portal.createObject('tickets', {
      subject: 'Login fails',
      hs_pipeline: '0',
      hs_pipeline_stage: '1',
    });
    t.portal.associate('tickets', ticket, 'companies', merged);

    const result = await t.client.crm.companies.basicApi.merge({
      primaryObjectId: primary,
      objectIdToMerge: merged,
    });
    expect(result.id).toBe(primary);
    const stored = t.portal.getObject('companies', primary);
    expect(stored?.properties.hs_merged_object_ids).toBe(merged);
    expect(stored?.properties.domain).toBe('dup.example');
    expect(t.portal.associatedIds('companies', primary, 'tickets')).toEqual([ticket]);
    const viaMergedId = await t.client.crm.companies.basicApi.getById(merged);
    expect(viaMergedId.id).toBe(primary);
  });

  it('archives a record so reads answer 404', async () => {
    const id = t.portal.createObject('companies', { name: 'Short lived' });
    const response = await raw(t.sandbox, 'DELETE', `/crm/v3/objects/companies/${id}`, {
      token: t.token,
    });
    expect(response.status).toBe(204);
    const after = await raw(t.sandbox, 'GET', `/crm/v3/objects/companies/${id}`, {
      token: t.token,
    });
    expect(after.status).toBe(404);
    const archived = await raw(t.sandbox, 'GET', `/crm/v3/objects/companies/${id}?archived=true`, {
      token: t.token,
    });
    expect((archived.body as { archived: boolean }).archived).toBe(true);
  });
});

describe('restore', () => {
  it('brings an archived record back with a restore event', async () => {
    const kinds: string[] = [];
    const unsubscribe = t.sandbox.changes.subscribe((event) => kinds.push(event.kind));
    const id = t.portal.createObject('companies', { name: 'Comeback' });
    t.portal.deleteObject('companies', id);
    t.portal.restoreObject('companies', id);
    unsubscribe();
    expect(kinds).toEqual(['creation', 'deletion', 'restore']);
    const response = await raw(t.sandbox, 'GET', `/crm/v3/objects/companies/${id}`, {
      token: t.token,
    });
    expect(response.status).toBe(200);
    expect((response.body as { archived: boolean }).archived).toBe(false);
  });
});

describe('authentication and scopes', () => {
  it('answers 401 INVALID_AUTHENTICATION for an unknown token', async () => {
    const response = await raw(t.sandbox, 'GET', `/crm/v3/objects/companies/${companyIds[0]}`, {
      token: 'not-a-token',
    });
    expect(response.status).toBe(401);
    expect((response.body as { category: string }).category).toBe('INVALID_AUTHENTICATION');
  });

  it('answers 403 MISSING_SCOPES with the required scopes', async () => {
    const limited = t.portal.issueTokens(['oauth', 'crm.objects.companies.read']);
    const failure = await apiError(
      apiClient(t.sandbox, limited.accessToken).crm.companies.batchApi.update({
        inputs: [{ id: companyIds[0] as string, properties: { health_score: '1' } }],
      }),
    );
    expect(failure.code).toBe(403);
    expect(failure.body.category).toBe('MISSING_SCOPES');
    const errors = failure.body.errors as { context: { requiredGranularScopes: string[] } }[];
    expect(errors[0]?.context.requiredGranularScopes).toEqual(['crm.objects.companies.write']);
  });

  it('answers 401 EXPIRED_AUTHENTICATION with the seconds since expiry', async () => {
    const other = await t.sandbox.createPortal({ seed: 'empty' });
    const issued = other.issueTokens();
    other.expireAccessTokens();
    const response = await raw(t.sandbox, 'GET', '/crm/v3/objects/companies', {
      token: issued.accessToken,
    });
    const body = response.body as Record<string, unknown>;
    expect(response.status).toBe(401);
    expect(body.category).toBe('EXPIRED_AUTHENTICATION');
    expect(body.message).toMatch(
      /^The OAuth token used to make this call expired \d+ second\(s\) ago\.$/,
    );
    expect(Object.keys(body).sort()).toEqual(['category', 'correlationId', 'message', 'status']);
  });

  it('keeps portals isolated: a token sees only its own portal', async () => {
    const other = await t.sandbox.createPortal({ seed: 'empty' });
    await other.playScript([
      {
        kind: 'create',
        objectType: 'companies',
        id: '777777',
        properties: { name: 'Other portal company' },
      },
    ]);
    const response = await raw(t.sandbox, 'GET', '/crm/v3/objects/companies/777777', {
      token: t.token,
    });
    expect(response.status).toBe(404);
    const otherToken = other.issueTokens().accessToken;
    const own = await raw(t.sandbox, 'GET', '/crm/v3/objects/companies/777777', {
      token: otherToken,
    });
    expect(own.status).toBe(200);
  });
});
