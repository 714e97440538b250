import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { CS_HEALTH_PROPERTIES } from '../../src/install/properties';
import { startInstallHarness, type InstallHarness } from '../install/harness';

const CHROMIUM = '/usr/bin/chromium';
/**
 * Flags for Debian's Chromium as root in a container. Playwright adds `--headless` itself
 * (`headless: true`) and starts each browser with a new, empty `--user-data-dir` of its own.
 * The background-networking flags stop Chromium from calling outside hosts.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const available = existsSync(CHROMIUM);
if (!available && process.env.CI) {
  throw new Error(
    `${CHROMIUM} is missing; CI must install it (apt-get install -y chromium), see .ci/run`,
  );
}
if (!available) {
  console.warn(
    `Skipping the browser install test: ${CHROMIUM} is not installed (sudo apt-get install -y chromium).`,
  );
}
const describeWithBrowser = available ? describe : describe.skip;

describeWithBrowser('install in a real browser', () => {
  let harness: InstallHarness;
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    harness = await startInstallHarness();
  });
  afterEach(async () => {
    await harness?.close();
  });

  it('installs through the consent page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();

    await page.goto(`${harness.appUrl}/oauth/install`);
    expect(page.url().startsWith(harness.sandbox.authorizeUrl)).toBe(true);
    expect(await page.locator('h1').innerText()).toContain('CS Health');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${harness.appUrl}/oauth/callback?**`);

    expect(await page.locator('h1').innerText()).toBe('CS Health is installed');
    expect(await page.locator('main').getAttribute('data-portal-id')).toBe(
      String(harness.portal.id),
    );
    expect(await page.locator('main').innerText()).toContain('first full scoring');
    const cookies = await context.cookies(`${harness.appUrl}/oauth`);
    expect(cookies.filter((cookie) => cookie.name === 'csh_install')).toEqual([]);

    const installation = await harness.installations.get(harness.portal.id);
    expect(installation?.status).toBe('active');
    expect(installation?.provisionedAt).toBeGreaterThan(0);
    expect(harness.installed).toEqual([harness.portal.id]);
    const { accessToken } = harness.portal.issueTokens();
    const response = await fetch(`${harness.sandbox.baseUrl}/crm/v3/properties/companies`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const properties = (
      (await response.json()) as { results: { name: string; groupName: string }[] }
    ).results;
    const ours = properties
      .filter((property) => property.groupName === 'cs_health')
      .map((property) => property.name);
    expect(ours.sort()).toEqual(CS_HEALTH_PROPERTIES.map((property) => property.name).sort());
    await context.close();
  });

  it('stores nothing when consent is denied', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();

    await page.goto(`${harness.appUrl}/oauth/install`);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${harness.appUrl}/oauth/callback?**`);

    expect(await page.locator('h1').innerText()).toBe('CS Health was not installed');
    expect(
      await page.getByRole('link', { name: 'Start the install again' }).getAttribute('href'),
    ).toBe('/oauth/install');
    expect(await harness.installations.get(harness.portal.id)).toBeUndefined();
    expect(await harness.tokens.get(harness.portal.id)).toBeUndefined();
    await context.close();
  });
});
