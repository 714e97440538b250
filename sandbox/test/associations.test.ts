import { raw, startTestSandbox, type TestSandbox } from './helpers';

let t: TestSandbox;
let companyId: string;
let ticketIds: string[];
let contactId: string;

beforeAll(async () => {
  t = await startTestSandbox();
  companyId = t.portal.createObject('companies', { name: 'Big Account' });
  ticketIds = Array.from({ length: 250 }, (_, index) =>
    t.portal.createObject(
      'tickets',
      { subject: `Ticket ${index}`, hs_pipeline: '0', hs_pipeline_stage: index < 40 ? '1' : '4' },
      [{ toType: 'companies', toId: companyId }],
    ),
  );
  contactId = t.portal.createObject('contacts', { email: 'ada@big.example' });
  t.portal.associate('contacts', contactId, 'companies', companyId);
});

afterAll(async () => {
  await t.sandbox.stop();
});

function listPath(after?: string): string {
  const query = after ? `?limit=100&after=${after}` : '?limit=100';
  return `/crm/v4/objects/companies/${companyId}/associations/tickets${query}`;
}

describe('per-record listing', () => {
  it('pages 250 tickets in three requests and omits paging on the last page', async () => {
    const first = await raw(t.sandbox, 'GET', listPath(), { token: t.token });
    const firstBody = first.body as {
      results: { toObjectId: string }[];
      paging: { next: { after: string } };
    };
    expect(firstBody.results).toHaveLength(100);
    expect(firstBody.paging.next.after).toBe('MTAw');

    const second = await raw(t.sandbox, 'GET', listPath('MTAw'), { token: t.token });
    const secondBody = second.body as { results: unknown[]; paging: { next: { after: string } } };
    expect(secondBody.paging.next.after).toBe('MjAw');

    const third = await raw(t.sandbox, 'GET', listPath('MjAw'), { token: t.token });
    const thirdBody = third.body as { results: { toObjectId: number }[] };
    expect(thirdBody.results).toHaveLength(50);
    expect(thirdBody).not.toHaveProperty('paging');

    const all = [...firstBody.results, ...secondBody.results, ...thirdBody.results] as {
      toObjectId: string;
    }[];
    expect(new Set(all.map((item) => String(item.toObjectId)))).toEqual(new Set(ticketIds));
  });

  it('labels the HubSpot-defined types with the primary one first', async () => {
    const response = await raw(
      t.sandbox,
      'GET',
      `/crm/v4/objects/tickets/${ticketIds[0]}/associations/companies`,
      {
        token: t.token,
      },
    );
    const body = response.body as {
      results: { toObjectId: string; associationTypes: unknown[] }[];
    };
    expect(body.results[0]?.toObjectId).toBe(companyId);
    expect(body.results[0]?.associationTypes).toEqual([
      { category: 'HUBSPOT_DEFINED', typeId: 339, label: null },
    ]);
  });

  it('repeats the cursor under the repeatAssociationCursor fault', async () => {
    t.sandbox.setFaults({ repeatAssociationCursor: true }, t.portal.id);
    try {
      const response = await raw(t.sandbox, 'GET', listPath('MTAw'), { token: t.token });
      expect((response.body as { paging: { next: { after: string } } }).paging.next.after).toBe(
        'MTAw',
      );
    } finally {
      t.sandbox.clearFaults();
    }
  });

  it('rejects a limit above 500', async () => {
    const response = await raw(
      t.sandbox,
      'GET',
      `/crm/v4/objects/companies/${companyId}/associations/tickets?limit=501`,
      {
        token: t.token,
      },
    );
    expect(response.status).toBe(400);
  });
});

describe('batch read', () => {
  it('reads through the client with per-input paging', async () => {
    const response = await t.client.crm.associations.v4.batchApi.getPage('companies', 'contacts', {
      inputs: [{ id: companyId }],
    });
    expect(response.status).toBe('COMPLETE');
    expect(response.results[0]?._from.id).toBe(companyId);
    expect(response.results[0]?.to.map((item) => String(item.toObjectId))).toEqual([contactId]);
    expect(response.results[0]?.to[0]?.associationTypes[0]?.typeId).toBe(280);
  });

  it('answers 207 with NO_ASSOCIATIONS_FOUND for an input without associations', async () => {
    const lonely = t.portal.createObject('companies', { name: 'Lonely' });
    const response = await raw(
      t.sandbox,
      'POST',
      '/crm/v4/associations/companies/tickets/batch/read',
      {
        token: t.token,
        body: { inputs: [{ id: companyId }, { id: lonely }] },
      },
    );
    const body = response.body as {
      results: { from: { id: string } }[];
      errors: { subCategory: string }[];
    };
    expect(response.status).toBe(207);
    expect(body.results.map((result) => result.from.id)).toEqual([companyId]);
    expect(body.errors[0]?.subCategory).toBe('crm.associations.NO_ASSOCIATIONS_FOUND');
  });

  it('rejects more than 1,000 inputs', async () => {
    const inputs = Array.from({ length: 1001 }, (_, index) => ({ id: String(index + 1) }));
    const response = await raw(
      t.sandbox,
      'POST',
      '/crm/v4/associations/companies/tickets/batch/read',
      {
        token: t.token,
        body: { inputs },
      },
    );
    expect(response.status).toBe(400);
  });

  it('serves the date-versioned batch path', async () => {
    const response = await raw(
      t.sandbox,
      'POST',
      '/crm/associations/2026-03/companies/contacts/batch/read',
      {
        token: t.token,
        body: { inputs: [{ id: companyId }] },
      },
    );
    expect(response.status).toBe(200);
  });
});

describe('writes', () => {
  it('creates and removes a default association', async () => {
    const other = t.portal.createObject('companies', { name: 'Partner' });
    const created = await raw(
      t.sandbox,
      'PUT',
      `/crm/v4/objects/contacts/${contactId}/associations/default/companies/${other}`,
      { token: t.token },
    );
    expect(created.status).toBe(200);
    expect(t.portal.associatedIds('contacts', contactId, 'companies')).toContain(other);
    const removed = await raw(
      t.sandbox,
      'DELETE',
      `/crm/v4/objects/contacts/${contactId}/associations/companies/${other}`,
      {
        token: t.token,
      },
    );
    expect(removed.status).toBe(204);
    expect(t.portal.associatedIds('contacts', contactId, 'companies')).not.toContain(other);
  });
});
