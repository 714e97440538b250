/**
 * Fetches once more after a network failure. A long synchronous step in the suite (seeding a
 * large portal) can leave a pooled keep-alive socket that the server has closed meanwhile, and
 * the first request on it fails before it reaches the server.
 */
async function fetchOnceMore(url: string | URL, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    await new Promise((resolve) => setTimeout(resolve, 100));
    return fetch(url, init);
  }
}

/**
 * Installs the app on one sandbox portal with plain HTTP, as a browser would: the app's install
 * route sets the state cookie, the sandbox consent form is approved for `portalId`, and the
 * callback runs with the cookie. Throws with the step and status when a step fails.
 */
export async function installPortal(appUrl: string, portalId: number): Promise<void> {
  const start = await fetchOnceMore(`${appUrl}/oauth/install`, { redirect: 'manual' });
  const authorizeUrl = start.headers.get('location');
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (start.status !== 302 || !authorizeUrl || !cookie)
    throw new Error(`GET /oauth/install returned ${start.status} without a redirect and cookie`);

  const page = await (await fetchOnceMore(authorizeUrl)).text();
  const form = new URLSearchParams();
  for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    const value = (match[2] as string)
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    form.set(match[1] as string, value);
  }
  form.set('portal_id', String(portalId));
  form.set('decision', 'approve');
  const decision = await fetchOnceMore(new URL('/oauth/authorize/decision', authorizeUrl), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const callbackUrl = decision.headers.get('location');
  if (!callbackUrl)
    throw new Error(`the consent decision for portal ${portalId} returned ${decision.status}`);

  const callback = await fetchOnceMore(callbackUrl, { headers: { cookie }, redirect: 'manual' });
  const html = await callback.text();
  if (callback.status !== 200) {
    const text = html
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    throw new Error(
      `the install callback for portal ${portalId} returned ${callback.status}: ${text.slice(0, 300)}`,
    );
  }
}
