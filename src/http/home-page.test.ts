import { startInstallHarness, type InstallHarness } from '../../test/install/harness';

let harness: InstallHarness;

beforeAll(async () => {
  harness = await startInstallHarness();
});

afterAll(async () => {
  await harness.close();
});

describe('GET /', () => {
  it('returns an HTML page', async () => {
    const response = await fetch(`${harness.appUrl}/`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toContain('<h1>CS Health is running</h1>');
  });

  it('links install and health checks', async () => {
    const html = await (await fetch(`${harness.appUrl}/`)).text();
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]);

    expect(links).toEqual(['/oauth/install', '/healthz', '/readyz']);
  });

  it('shows no secrets or portal ids', async () => {
    const html = await (await fetch(`${harness.appUrl}/`)).text();

    expect(html).not.toContain(harness.env.HUBSPOT_CLIENT_SECRET);
    expect(html).not.toContain(harness.env.HUBSPOT_CLIENT_ID);
    expect(html).not.toContain(harness.env.ADMIN_TOKEN);
    expect(html).not.toContain(String(harness.portal.id));
  });

  it('leaves other paths a JSON 404', async () => {
    const response = await fetch(`${harness.appUrl}/no-such-page`);

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
  });
});
