/**
 * Scopes the install URL requests; the same list as `auth.requiredScopes` in
 * `extensions/app/app-hsmeta.json` (a test keeps the two in step). Tasks and notes are written
 * with the contacts write scope, which is how HubSpot scopes engagement objects.
 */
export const REQUIRED_SCOPES = [
  'oauth',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.deals.read',
  'tickets',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
  'crm.objects.owners.read',
  'crm.objects.feedback_submissions.read',
] as const;

/** Scopes a portal may decline; none yet. */
export const OPTIONAL_SCOPES: readonly string[] = [];
