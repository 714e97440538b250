import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4';
import { raw, startTestSandbox, type TestSandbox } from './helpers';

let t: TestSandbox;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestSandbox();
  ids.company = t.portal.createObject('companies', { name: 'Client Co' });
  ids.contact = t.portal.createObject(
    'contacts',
    { email: 'lin@client.example', firstname: 'Lin' },
    [{ toType: 'companies', toId: ids.company }],
  );
  ids.deal = t.portal.createObject('deals', {
    dealname: 'Renewal',
    amount: '1200',
    dealstage: 'contractsent',
  });
  ids.ticket = t.portal.createObject('tickets', {
    subject: 'Sync fails',
    hs_pipeline: '0',
    hs_pipeline_stage: '2',
    hs_ticket_priority: 'HIGH',
  });
  await t.portal.playScript([
    {
      kind: 'create',
      objectType: 'feedback_submissions',
      id: '501',
      properties: {
        hs_survey_type: 'NPS',
        hs_value: '9',
        hs_submission_timestamp: '2026-01-15T10:00:00.000Z',
      },
      associations: [{ toType: 'contacts', toId: ids.contact }],
    },
  ]);
});

afterAll(async () => {
  await t.sandbox.stop();
});

describe('object APIs through the client', () => {
  it('reads contacts, deals and tickets', async () => {
    const contact = await t.client.crm.contacts.basicApi.getById(ids.contact as string, ['email']);
    expect(contact.properties.email).toBe('lin@client.example');
    const deals = await t.client.crm.deals.batchApi.read({
      inputs: [{ id: ids.deal as string }],
      properties: ['amount', 'dealstage'],
      propertiesWithHistory: [],
    });
    expect(deals.results[0]?.properties.amount).toBe('1200');
    const tickets = await t.client.crm.tickets.basicApi.getPage(10, undefined, [
      'hs_ticket_priority',
    ]);
    expect(tickets.results[0]?.properties.hs_ticket_priority).toBe('HIGH');
  });

  it('reads feedback submissions', async () => {
    const page = await t.client.crm.objects.feedbackSubmissions.basicApi.getPage(10, undefined, [
      'hs_value',
    ]);
    expect(page.results.map((item) => item.properties.hs_value)).toEqual(['9']);
    const found = await t.client.crm.objects.feedbackSubmissions.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'hs_survey_type', operator: 'EQ' as never, value: 'NPS' }] },
      ],
      limit: 10,
      after: '0',
      sorts: [],
      properties: ['hs_value'],
    });
    expect(found.total).toBe(1);
  });

  it('returns a 207 batch with errors as a result object', async () => {
    const response = await t.client.crm.companies.batchApi.read({
      inputs: [{ id: ids.company as string }, { id: '987654' }],
      properties: ['name'],
      propertiesWithHistory: [],
    });
    expect(response.results).toHaveLength(1);
    expect('errors' in response ? response.errors?.[0]?.context?.ids : undefined).toEqual([
      '987654',
    ]);
  });

  it('updates one record and archives it', async () => {
    const updated = await t.client.crm.tickets.basicApi.update(ids.ticket as string, {
      properties: { hs_ticket_priority: 'LOW' },
    });
    expect(updated.properties.hs_ticket_priority).toBe('LOW');
    const spare = t.portal.createObject('tickets', {
      subject: 'Spare',
      hs_pipeline: '0',
      hs_pipeline_stage: '1',
    });
    await t.client.crm.tickets.basicApi.archive(spare);
    expect(t.portal.getObject('tickets', spare)?.archived).toBe(true);
  });

  it('rejects a deal write without the deals write scope', async () => {
    const response = await raw(t.sandbox, 'PATCH', `/crm/v3/objects/deals/${ids.deal}`, {
      token: t.token,
      body: { properties: { amount: '1500' } },
    });
    expect(response.status).toBe(403);
  });

  it('batch-creates tasks', async () => {
    const created = await t.client.crm.objects.tasks.batchApi.create({
      inputs: [
        {
          properties: { hs_timestamp: '2026-04-01T09:00:00Z', hs_task_subject: 'One' },
          associations: [],
        },
        {
          properties: { hs_timestamp: '2026-04-02T09:00:00Z', hs_task_subject: 'Two' },
          associations: [],
        },
      ],
    });
    expect(created.results.map((task) => task.properties.hs_task_subject).sort()).toEqual([
      'One',
      'Two',
    ]);
    expect(created.results[0]?.properties.hs_timestamp).toMatch(/^2026-04-0[12]T09:00:00\.000Z$/);
  });
});

describe('associations through the client', () => {
  it('lists a record page and creates a labelled pair', async () => {
    const page = await t.client.crm.associations.v4.basicApi.getPage(
      'contacts',
      ids.contact as string,
      'companies',
    );
    expect(page.results.map((item) => String(item.toObjectId))).toEqual([ids.company]);
    expect(page.paging).toBeUndefined();

    const created = await t.client.crm.associations.v4.basicApi.create(
      'companies',
      ids.company as string,
      'tickets',
      ids.ticket as string,
      [
        {
          associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
          associationTypeId: 25,
        },
      ],
    );
    expect(created.labels).toEqual(['Primary']);
    const ticketSide = await t.client.crm.associations.v4.basicApi.getPage(
      'tickets',
      ids.ticket as string,
      'companies',
    );
    expect(ticketSide.results[0]?.associationTypes.map((type) => type.typeId)).toEqual([26, 339]);

    await t.client.crm.associations.v4.basicApi.archive(
      'companies',
      ids.company as string,
      'tickets',
      ids.ticket as string,
    );
    expect(t.portal.associatedIds('companies', ids.company as string, 'tickets')).toEqual([]);
  });
});

describe('properties, pipelines and OAuth through the client', () => {
  it('batch-reads and batch-archives properties', async () => {
    await t.client.crm.properties.batchApi.create('companies', {
      inputs: [
        {
          name: 'cs_one',
          label: 'One',
          type: 'string' as never,
          fieldType: 'text' as never,
          groupName: 'companyinformation',
        },
      ],
    });
    const read = await t.client.crm.properties.batchApi.read('companies', {
      archived: false,
      inputs: [{ name: 'cs_one' }],
    });
    expect(read.results.map((property) => property.name)).toEqual(['cs_one']);
    await t.client.crm.properties.batchApi.archive('companies', { inputs: [{ name: 'cs_one' }] });
    const archived = await t.client.crm.properties.coreApi.getByName('companies', 'cs_one', true);
    expect(archived.archived).toBe(true);
  });

  it('reads one pipeline and its stages', async () => {
    const pipeline = await t.client.crm.pipelines.pipelinesApi.getById('tickets', '0');
    expect(pipeline.label).toBe('Support Pipeline');
    const stages = await t.client.crm.pipelines.pipelineStagesApi.getAll('tickets', '0');
    expect(stages.results.find((stage) => stage.id === '4')?.metadata?.isClosed).toBe('true');
  });

  it('refreshes and reads a refresh token', async () => {
    const tokens = await t.client.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      t.sandbox.app.clientId,
      t.sandbox.app.clientSecret,
      t.refreshToken,
    );
    expect(tokens.refreshToken).toBe(t.refreshToken);
    const info = await t.client.oauth.refreshTokensApi.get(t.refreshToken);
    expect(info.hubId).toBe(t.portal.id);
    expect(info.clientId).toBe(t.sandbox.app.clientId);
  });

  it('serves account details through apiRequest', async () => {
    const response = await t.client.apiRequest({
      method: 'GET',
      path: '/account-info/2026-03/details',
    });
    const body = (await response.json()) as { portalId: number; timeZone: string };
    expect(body.portalId).toBe(t.portal.id);
    expect(body.timeZone).toBe('America/New_York');
  });

  it('keeps raw and client shapes of a record the same', async () => {
    const viaClient = await t.client.crm.companies.basicApi.getById(ids.company as string);
    const viaFetch = await raw(t.sandbox, 'GET', `/crm/v3/objects/companies/${ids.company}`, {
      token: t.token,
    });
    const body = viaFetch.body as {
      id: string;
      properties: Record<string, string>;
      createdAt: string;
    };
    expect(body.id).toBe(viaClient.id);
    expect(body.properties).toEqual(viaClient.properties);
    expect(body.createdAt).toBe(viaClient.createdAt.toISOString());
  });
});
