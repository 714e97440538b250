/** Plain-language descriptions of the scopes a CS Health install asks for. */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  oauth: 'Basic access to your account details',
  'crm.objects.companies.read': 'View companies',
  'crm.objects.companies.write': 'Edit companies',
  'crm.objects.contacts.read': 'View contacts, notes and tasks',
  'crm.objects.contacts.write': 'Edit contacts and create notes and tasks',
  'crm.objects.deals.read': 'View deals',
  'crm.objects.deals.write': 'Edit deals',
  tickets: 'View and edit tickets',
  'crm.schemas.companies.read': 'View company property definitions',
  'crm.schemas.companies.write': 'Create and edit company properties',
  'crm.schemas.contacts.read': 'View contact property definitions',
  'crm.schemas.contacts.write': 'Create and edit contact properties',
  'crm.schemas.deals.read': 'View deal property definitions',
  'crm.schemas.deals.write': 'Create and edit deal properties',
  'crm.objects.owners.read': 'View users and teams that own records',
  'crm.objects.feedback_submissions.read': 'View feedback survey responses',
};

export function describeScope(scope: string): string {
  return SCOPE_DESCRIPTIONS[scope] ?? scope;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface ConsentPageInput {
  appName: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  optionalScopes: string[];
  state: string | null;
  portals: { id: number; label: string }[];
  selectedPortalId?: number;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

/** The consent screen: app name, requested scopes, a portal selector and Approve / Deny. */
export function renderConsentPage(input: ConsentPageInput): string {
  const scopeItems = [...input.scopes, ...input.optionalScopes]
    .map((scope) => {
      const optional = input.optionalScopes.includes(scope) ? ' <em>(optional)</em>' : '';
      return `<li>${escapeHtml(describeScope(scope))}${optional} <code>${escapeHtml(scope)}</code></li>`;
    })
    .join('\n');
  const portalOptions = input.portals
    .map((portal) => {
      const selected = portal.id === input.selectedPortalId ? ' selected' : '';
      return `<option value="${portal.id}"${selected}>${escapeHtml(portal.label)}</option>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Connect ${escapeHtml(input.appName)} - HubSpot sandbox</title></head>
<body>
<main>
<h1>Connect ${escapeHtml(input.appName)} to your sandbox portal</h1>
<p>${escapeHtml(input.appName)} is requesting access to:</p>
<ul id="scopes">
${scopeItems}
</ul>
<form method="post" action="/oauth/authorize/decision">
${hidden('client_id', input.clientId)}
${hidden('redirect_uri', input.redirectUri)}
${hidden('scope', input.scopes.join(' '))}
${hidden('optional_scope', input.optionalScopes.join(' '))}
${input.state === null ? '' : hidden('state', input.state)}
<label for="portal_id">Portal</label>
<select id="portal_id" name="portal_id">
${portalOptions}
</select>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</main>
</body>
</html>
`;
}

export function renderErrorPage(title: string, detail: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1><p id="error">${escapeHtml(detail)}</p></main></body>
</html>
`;
}
