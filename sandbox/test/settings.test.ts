import { raw, startTestSandbox, type TestSandbox } from './helpers';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t.sandbox.stop();
});

describe('ticket pipelines', () => {
  it('marks only stage 4 of pipeline 0 as closed', async () => {
    const pipelines = await t.client.crm.pipelines.pipelinesApi.getAll('tickets');
    const pipeline = pipelines.results[0];
    expect(pipeline?.id).toBe('0');
    expect(pipeline?.createdAt).toBeInstanceOf(Date);
    expect(
      pipeline?.stages.map((stage) => [stage.id, stage.label, stage.metadata?.isClosed]),
    ).toEqual([
      ['1', 'New', 'false'],
      ['2', 'Waiting on contact', 'false'],
      ['3', 'Waiting on us', 'false'],
      ['4', 'Closed', 'true'],
    ]);
  });

  it('sets closed_date when a ticket moves to the closed stage', async () => {
    const id = t.portal.createObject('tickets', {
      subject: 'Export fails',
      hs_pipeline: '0',
      hs_pipeline_stage: '1',
    });
    expect(t.portal.getObject('tickets', id)?.properties.closed_date).toBeUndefined();
    t.portal.updateObject('tickets', id, { hs_pipeline_stage: '4' });
    expect(t.portal.getObject('tickets', id)?.properties.closed_date).toMatch(
      /^\d{4}-\d{2}-\d{2}T/,
    );
  });
});

describe('owners', () => {
  it('pages owners and lists archived ones on request', async () => {
    const active = await t.client.crm.owners.ownersApi.getPage(undefined, undefined, 100, false);
    expect(active.results.length).toBeGreaterThan(0);
    const first = active.results[0];
    expect(first?.email).toContain('@');
    expect(first?.createdAt).toBeInstanceOf(Date);
    expect(first?.archived).toBe(false);
    const archived = await t.client.crm.owners.ownersApi.getPage(undefined, undefined, 100, true);
    for (const owner of archived.results) expect(owner.archived).toBe(true);
    const one = await t.client.crm.owners.ownersApi.getById(Number(first?.id));
    expect(one.id).toBe(first?.id);
  });

  it('needs the owners scope', async () => {
    const limited = t.portal.issueTokens(['oauth']);
    const response = await raw(t.sandbox, 'GET', '/crm/v3/owners', { token: limited.accessToken });
    expect(response.status).toBe(403);
    const errors = (
      response.body as { errors: { context: { requiredGranularScopes: string[] } }[] }
    ).errors;
    expect(errors[0]?.context.requiredGranularScopes).toEqual(['crm.objects.owners.read']);
  });
});

describe('account details', () => {
  it.each(['/account-info/v3/details', '/account-info/2026-03/details'])(
    'serves %s with the time zone',
    async (path) => {
      const response = await raw(t.sandbox, 'GET', path, { token: t.token });
      const body = response.body as Record<string, unknown>;
      expect(response.status).toBe(200);
      expect(body.portalId).toBe(t.portal.id);
      expect(body.timeZone).toBe(t.portal.timeZone);
      expect(body.utcOffset).toMatch(/^[+-]\d{2}:\d{2}$/);
      expect(typeof body.utcOffsetMilliseconds).toBe('number');
      expect(body.dataHostingLocation).toBe('na1');
    },
  );
});
