/**
 * Drives the app's OAuth install with plain HTTP, as a browser would: GET /oauth/install, follow
 * to the sandbox's consent page, submit its Approve form, follow the redirect to the app's
 * callback with the state cookie, and check the success page.
 */

/** Cookies per origin, enough for the install's state cookie. */
class CookieJar {
  private readonly cookies = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const origin = new URL(url).origin;
    const jar = this.cookies.get(origin) ?? new Map<string, string>();
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(header)) jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(origin, jar);
  }

  header(url: string): Record<string, string> {
    const jar = this.cookies.get(new URL(url).origin);
    if (!jar || jar.size === 0) return {};
    return { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') };
  }
}

export interface InstallResult {
  /** The URL of the page the callback finally showed, with the code and state hidden. */
  finalUrl: string;
  /** The success page's HTML. */
  page: string;
  /** The HTTP requests made, in order, for the demo's log. */
  steps: string[];
}

const MAX_REDIRECTS = 10;

/** Follows redirects by hand so cookies are stored and sent at every hop. */
async function request(
  jar: CookieJar,
  steps: string[],
  url: string,
  init: RequestInit = {},
): Promise<{ url: string; response: Response }> {
  let current = url;
  let options: RequestInit = init;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const response = await fetch(current, {
      ...options,
      redirect: 'manual',
      headers: {
        ...(options.headers as Record<string, string> | undefined),
        ...jar.header(current),
      },
      signal: AbortSignal.timeout(30_000),
    });
    steps.push(`${options.method ?? 'GET'} ${redactQuery(current)} -> ${response.status}`);
    jar.store(current, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      current = new URL(location, current).toString();
      options = {};
      continue;
    }
    return { url: current, response };
  }
  throw new Error(
    `the install flow redirected more than ${MAX_REDIRECTS} times, last at ${redactQuery(current)}`,
  );
}

/** Hides OAuth codes and states in logged URLs. */
function redactQuery(url: string): string {
  return url.replace(/([?&](?:code|state)=)[^&]+/g, '$1[redacted]');
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  if (!match) return undefined;
  return decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
}

/**
 * Finds the consent page's form and the fields a browser submits when Approve is pressed. These
 * are the hidden and text inputs, the selected option of each select (the first when none is
 * marked) and the Approve button's own name and value.
 */
export function approveFormSubmission(
  html: string,
  pageUrl: string,
): { action: string; fields: URLSearchParams } {
  const forms = [...html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)].map((match) => match[0]);
  const form = forms.find((candidate) => /approve/i.test(candidate));
  if (!form)
    throw new Error(
      `the consent page at ${redactQuery(pageUrl)} has no form with an Approve button`,
    );
  const formTag = /<form\b[^>]*>/i.exec(form)?.[0] ?? '';
  const action = new URL(attribute(formTag, 'action') ?? pageUrl, pageUrl).toString();

  const fields = new URLSearchParams();
  for (const [input] of form.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input, 'name');
    const type = (attribute(input, 'type') ?? 'text').toLowerCase();
    if (!name || type === 'submit' || type === 'button') continue;
    if ((type === 'checkbox' || type === 'radio') && !/\schecked\b/i.test(input)) continue;
    fields.append(name, attribute(input, 'value') ?? '');
  }
  for (const select of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
    const name = attribute(`<select${select[1] ?? ''}>`, 'name');
    const body = select[2] ?? '';
    if (!name) continue;
    const options = [...body.matchAll(/<option\b[^>]*>/gi)].map((match) => match[0]);
    const chosen = options.find((option) => /\sselected\b/i.test(option)) ?? options[0];
    if (chosen) fields.append(name, attribute(chosen, 'value') ?? '');
  }

  const buttons = [
    ...[...form.matchAll(/<button\b[^>]*>[\s\S]*?<\/button>/gi)].map((match) => match[0]),
    ...[...form.matchAll(/<input\b[^>]*>/gi)]
      .map((match) => match[0])
      .filter((input) => (attribute(input, 'type') ?? '').toLowerCase() === 'submit'),
  ];
  const approve = buttons.find((button) =>
    /approve/i.test(`${attribute(button, 'value') ?? ''} ${button.replace(/<[^>]*>/g, ' ')}`),
  );
  if (!approve)
    throw new Error(`the consent page at ${redactQuery(pageUrl)} has no Approve button`);
  const buttonName = attribute(approve, 'name');
  if (buttonName) fields.append(buttonName, attribute(approve, 'value') ?? '');
  return { action, fields };
}

/** Installs the app on the sandbox's default portal through the real OAuth flow. */
export async function installThroughOAuth(webOrigin: string): Promise<InstallResult> {
  const jar = new CookieJar();
  const steps: string[] = [];
  const consent = await request(jar, steps, `${webOrigin}/oauth/install`);
  if (consent.response.status !== 200) {
    throw new Error(
      `GET /oauth/install ended at ${redactQuery(consent.url)} with HTTP ${consent.response.status}, ` +
        'not at the consent page',
    );
  }
  const consentHtml = await consent.response.text();
  const { action, fields } = approveFormSubmission(consentHtml, consent.url);
  const done = await request(jar, steps, action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  const page = await done.response.text();
  if (done.response.status !== 200 || new URL(done.url).origin !== webOrigin) {
    throw new Error(
      `the OAuth callback ended at ${redactQuery(done.url)} with HTTP ${done.response.status}: ` +
        page
          .replace(/<[^>]*>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 300),
    );
  }
  if (!/installed/i.test(page)) {
    throw new Error(
      `the OAuth callback at ${redactQuery(done.url)} responded 200 but did not show the success page: ` +
        page
          .replace(/<[^>]*>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 300),
    );
  }
  return { finalUrl: redactQuery(done.url), page, steps };
}
