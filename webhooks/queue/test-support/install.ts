import { approveFormSubmission } from '../../../src/demo/oauth';

/**
 * Installs the app on one sandbox portal through the real OAuth flow, as a browser would: the
 * install route sets the state cookie, the consent form is approved with `portalId` selected,
 * and the callback runs with the cookie. Throws naming the step and status that failed.
 */
export async function installSandboxPortal(appOrigin: string, portalId: number): Promise<void> {
  const start = await fetch(`${appOrigin}/oauth/install`, { redirect: 'manual' });
  const consentUrl = start.headers.get('location');
  const cookie = start.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ');
  if (start.status !== 302 || !consentUrl || !cookie) {
    throw new Error(`GET /oauth/install returned ${start.status} without a redirect and a cookie`);
  }

  const page = await fetch(consentUrl);
  const { action, fields } = approveFormSubmission(await page.text(), consentUrl);
  fields.set('portal_id', String(portalId));
  const decision = await fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
  const callbackUrl = decision.headers.get('location');
  if (!callbackUrl) {
    throw new Error(`approving portal ${portalId} returned ${decision.status} without a redirect`);
  }

  const callback = await fetch(callbackUrl, { headers: { cookie }, redirect: 'manual' });
  const text = (await callback.text()).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
  if (callback.status !== 200) {
    throw new Error(
      `the install callback for portal ${portalId} returned ${callback.status}: ${text.slice(0, 300)}`,
    );
  }
}
