import { provisionProperties } from '../../src/install/provision';
import { CS_HEALTH_PROPERTIES } from '../../src/install/properties';
import { createLogger } from '../../src/log';
import { installOverHttp, startInstallHarness, type InstallHarness } from './harness';
import { seedInstallation } from './stores';

const logger = createLogger({ level: 'silent' });

describe('property provisioning against the sandbox', () => {
  let harness: InstallHarness;
  let sandboxToken: string;

  beforeEach(async () => {
    harness = await startInstallHarness();
    const issued = harness.portal.issueTokens();
    sandboxToken = issued.accessToken;
    await seedInstallation(harness, harness.portal.id, {
      ...issued,
      expiresAt: Date.now() + 30 * 60_000,
    });
  });
  afterEach(async () => {
    await harness.close();
  });

  async function sandboxApi(method: string, path: string, body?: unknown) {
    const response = await fetch(`${harness.sandbox.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${sandboxToken}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (response.status >= 300)
      throw new Error(
        `${method} ${path} responded with ${response.status}: ${await response.text()}`,
      );
    return response.status === 204
      ? undefined
      : ((await response.json()) as Record<string, unknown>);
  }

  it('creates everything once, then changes nothing', async () => {
    const client = await harness.gateway.forPortal(harness.portal.id);

    const first = await provisionProperties(client, logger);
    harness.sandbox.resetCounts();
    const second = await provisionProperties(client, logger);

    expect(first.groupCreated).toBe(true);
    expect(first.created).toEqual(CS_HEALTH_PROPERTIES.map((item) => item.name));
    expect(second.groupCreated).toBe(false);
    expect(second.created).toEqual([]);
    expect(second.updated).toEqual([]);
    expect(second.unchanged).toHaveLength(CS_HEALTH_PROPERTIES.length);
    const writes = Object.keys(harness.sandbox.requestCounts()).filter((route) =>
      /^(POST|PATCH|PUT|DELETE) /.test(route),
    );
    expect(writes).toEqual([]);
  });

  it('updates own property, keeps admin options', async () => {
    await sandboxApi('POST', '/crm/v3/properties/companies/groups', {
      name: 'cs_health',
      label: 'CS Health',
      displayOrder: -1,
    });
    await sandboxApi('POST', '/crm/v3/properties/companies', {
      name: 'cs_health_status',
      label: 'Old health label',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'cs_health',
      options: [
        { value: 'healthy', label: 'Good', displayOrder: 0, hidden: false },
        { value: 'churned', label: 'Churned', displayOrder: 1, hidden: false },
      ],
    });
    const client = await harness.gateway.forPortal(harness.portal.id);

    const result = await provisionProperties(client, logger);

    expect(result.updated).toEqual(['cs_health_status']);
    const stored = (await sandboxApi('GET', '/crm/v3/properties/companies/cs_health_status')) as {
      label: string;
      options: { value: string; label: string }[];
    };
    expect(stored.label).toBe('Health status');
    expect(stored.options.map((option) => [option.value, option.label])).toEqual([
      ['healthy', 'Healthy'],
      ['needs_attention', 'Needs attention'],
      ['at_risk', 'At risk'],
      ['churned', 'Churned'],
    ]);
  });

  it("never touches someone else's property with one of our names", async () => {
    await sandboxApi('POST', '/crm/v3/properties/companies/groups', {
      name: 'other_app',
      label: 'Other app',
      displayOrder: 5,
    });
    await sandboxApi('POST', '/crm/v3/properties/companies', {
      name: 'cs_health_drivers',
      label: 'Their drivers',
      type: 'string',
      fieldType: 'text',
      groupName: 'other_app',
    });
    const client = await harness.gateway.forPortal(harness.portal.id);

    const result = await provisionProperties(client, logger);

    expect(result.conflicts.map((item) => item.name)).toEqual(['cs_health_drivers']);
    expect(result.conflicts[0]?.reason).toContain('"other_app"');
    expect(result.created).not.toContain('cs_health_drivers');
    const stored = (await sandboxApi('GET', '/crm/v3/properties/companies/cs_health_drivers')) as {
      label: string;
      groupName: string;
    };
    expect(stored.label).toBe('Their drivers');
    expect(stored.groupName).toBe('other_app');
  });

  it('reports a type change of our own property as a conflict', async () => {
    await sandboxApi('POST', '/crm/v3/properties/companies/groups', {
      name: 'cs_health',
      label: 'CS Health',
      displayOrder: -1,
    });
    await sandboxApi('POST', '/crm/v3/properties/companies', {
      name: 'cs_health_score',
      label: 'Health score',
      type: 'string',
      fieldType: 'text',
      groupName: 'cs_health',
    });
    const client = await harness.gateway.forPortal(harness.portal.id);

    const result = await provisionProperties(client, logger);

    expect(result.conflicts).toEqual([
      { name: 'cs_health_score', reason: expect.stringContaining('type "string"') },
    ]);
  });

  it('fails the install with a page naming the conflicting property', async () => {
    await sandboxApi('POST', '/crm/v3/properties/companies/groups', {
      name: 'other_app',
      label: 'Other app',
      displayOrder: 5,
    });
    await sandboxApi('POST', '/crm/v3/properties/companies', {
      name: 'cs_health_coverage',
      label: 'Coverage',
      type: 'number',
      fieldType: 'number',
      groupName: 'other_app',
    });

    const run = await installOverHttp(harness);

    expect(run.status).toBe(409);
    expect(run.html).toContain('data-install-result="provisioning_failed"');
    expect(run.html).toContain('cs_health_coverage');
    expect(harness.installed).toEqual([]);
    expect((await harness.installations.get(harness.portal.id))?.provisioningError).toContain(
      'cs_health_coverage',
    );
  });
});
