import { escapeHtml, renderPage } from '../http/html';
import type { ProvisioningResult } from './provision';

/** Reason an install did not complete; each reason has its own advice on the error page. */
export type InstallFailure =
  | 'access_denied'
  | 'consent_error'
  | 'missing_state'
  | 'missing_browser_cookie'
  | 'state_expired_or_used'
  | 'state_from_other_browser'
  | 'missing_code'
  | 'code_rejected'
  | 'token_exchange_failed'
  | 'introspection_failed'
  | 'provisioning_failed'
  | 'scoring_not_started';

const ADVICE: Record<InstallFailure, { title: string; text: string; restart: boolean }> = {
  access_denied: {
    title: 'CS Health was not installed',
    text: 'The HubSpot consent screen was declined, so nothing was installed and no data was read. To install, start again and choose Connect app.',
    restart: true,
  },
  consent_error: {
    title: 'HubSpot did not complete the install',
    text: 'HubSpot returned an error instead of an authorization. Nothing was stored. Start the install again; if it keeps failing, check that your user is a super admin or has App Marketplace access.',
    restart: true,
  },
  missing_state: {
    title: 'This install link is incomplete',
    text: 'The callback arrived without the state value that proves it belongs to an install started here. Nothing was stored. Start the install from the CS Health install link.',
    restart: true,
  },
  missing_browser_cookie: {
    title: 'The install was started in another browser',
    text: 'This browser has no record of starting the install (its install cookie is missing or was blocked). Nothing was stored. Start the install again in this browser, with cookies allowed for this site.',
    restart: true,
  },
  state_expired_or_used: {
    title: 'This install link has expired or was already used',
    text: 'Each install link works once and for 10 minutes. Nothing was stored by this request. Start the install again.',
    restart: true,
  },
  state_from_other_browser: {
    title: 'The install was started in another browser',
    text: 'The install link does not match the install this browser started. Nothing was stored. Start the install again in this browser.',
    restart: true,
  },
  missing_code: {
    title: 'HubSpot did not send an authorization code',
    text: 'The callback has no code to exchange for tokens. Nothing was stored. Start the install again.',
    restart: true,
  },
  code_rejected: {
    title: 'The authorization code expired',
    text: 'HubSpot rejected the authorization code because it expired or was already used. Nothing was stored. Start the install again and finish it without pausing on the consent screen.',
    restart: true,
  },
  token_exchange_failed: {
    title: 'HubSpot could not be reached',
    text: "HubSpot's token service did not respond correctly, so the install could not finish. Nothing was stored. Wait a minute and start the install again.",
    restart: true,
  },
  introspection_failed: {
    title: 'HubSpot did not confirm the account',
    text: 'HubSpot issued tokens but did not say which account they belong to. Nothing was stored. Start the install again.',
    restart: true,
  },
  provisioning_failed: {
    title: 'CS Health is connected, but its properties could not be created',
    text: 'The connection to your HubSpot account is saved, but creating the CS Health company properties failed, so scoring has not started. Start the install again to retry; it keeps what already exists.',
    restart: true,
  },
  scoring_not_started: {
    title: 'CS Health is connected, but scoring did not start',
    text: 'The connection and the company properties are in place, but the first scoring run could not be queued. Start the install again to retry.',
    restart: true,
  },
};

export function renderInstallError(failure: InstallFailure, detail?: string): string {
  const advice = ADVICE[failure];
  const detailHtml = detail ? `<p>Details: <code>${escapeHtml(detail)}</code></p>` : '';
  const restart = advice.restart
    ? '<a class="button" href="/oauth/install">Start the install again</a>'
    : '';
  return renderPage(
    advice.title,
    `<main class="error" data-install-result="${escapeHtml(failure)}">
<h1>${escapeHtml(advice.title)}</h1>
<p>${escapeHtml(advice.text)}</p>
${detailHtml}
${restart}
</main>`,
  );
}

export function renderInstallSuccess(details: {
  portalId: number;
  hubDomain?: string;
  provisioning: ProvisioningResult;
}): string {
  const account = details.hubDomain
    ? `${details.hubDomain} (portal ${details.portalId})`
    : `portal ${details.portalId}`;
  const { provisioning } = details;
  const propertyCount =
    provisioning.created.length + provisioning.updated.length + provisioning.unchanged.length;
  return renderPage(
    'CS Health is installed',
    `<main data-install-result="installed" data-portal-id="${details.portalId}">
<h1>CS Health is installed</h1>
<p>CS Health is connected to ${escapeHtml(account)}. What happens next:</p>
<ol>
<li>The <strong>CS Health</strong> property group with ${propertyCount} company properties is in place
(${provisioning.created.length} created, ${provisioning.updated.length} updated, ${provisioning.unchanged.length} already up to date).
Their names, such as <code>cs_health_score</code> and <code>cs_health_status</code>, will not change, so you can use them in workflows, lists and reports.</li>
<li>The first full scoring of every company has started. Scores appear on company records as each batch finishes; large portals take a few minutes.</li>
<li>After that, scores update within minutes when tickets, notes, feedback or product data change, and a nightly pass rescores every company.</li>
<li>To see the health card, open a company record, choose <em>Customize</em>, and add the <strong>CS Health</strong> card from the app cards.</li>
</ol>
<p>You can close this tab.</p>
</main>`,
  );
}
