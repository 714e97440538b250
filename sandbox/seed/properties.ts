/** Custom property definitions of the seeded portal and the value mappings they rely on. */
import type { CrmObjectType, SeedPortal, SeedPropertyDefinition } from './types';

export const PRODUCT_DATA_GROUP = 'product_data';

/** HubSpot's own `industry` values for RavenStack's verticals. */
export const INDUSTRY_BY_VERTICAL: Record<string, string> = {
  DevTools: 'COMPUTER_SOFTWARE',
  EdTech: 'E_LEARNING',
  FinTech: 'FINANCIAL_SERVICES',
  HealthTech: 'HOSPITAL_HEALTH_CARE',
  Cybersecurity: 'COMPUTER_NETWORK_SECURITY',
};

/** Country names for the data set's two-letter codes (it writes UK for the United Kingdom). */
export const COUNTRY_BY_CODE: Record<string, string> = {
  US: 'United States',
  UK: 'United Kingdom',
  GB: 'United Kingdom',
  IN: 'India',
  AU: 'Australia',
  DE: 'Germany',
  CA: 'Canada',
  FR: 'France',
};

const PLAN_OPTIONS = ['basic', 'pro', 'enterprise'];
const CHANNEL_OPTIONS = ['organic', 'ads', 'event', 'partner', 'other'];
const VERTICAL_OPTIONS = Object.keys(INDUSTRY_BY_VERTICAL);

function options(values: string[], label = (value: string) => value) {
  return values.map((value, displayOrder) => ({
    label: label(value),
    value,
    displayOrder,
    hidden: false,
  }));
}

const capitalised = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);

type Kind = 'string' | 'number' | 'date' | 'bool';
const FIELD_TYPE: Record<Kind, string> = {
  string: 'text',
  number: 'number',
  date: 'date',
  bool: 'booleancheckbox',
};

function property(
  objectType: CrmObjectType,
  name: string,
  label: string,
  kind: Kind,
  description: string,
): SeedPropertyDefinition {
  const base = { objectType, name, label, groupName: PRODUCT_DATA_GROUP, description };
  if (kind === 'bool') {
    const boolOptions = [
      { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
      { label: 'No', value: 'false', displayOrder: 1, hidden: false },
    ];
    return { ...base, type: 'bool', fieldType: FIELD_TYPE.bool, options: boolOptions };
  }
  return { ...base, type: kind, fieldType: FIELD_TYPE[kind] };
}

function enumeration(
  objectType: CrmObjectType,
  name: string,
  label: string,
  values: string[],
  description: string,
  optionLabel?: (value: string) => string,
): SeedPropertyDefinition {
  return {
    objectType,
    name,
    label,
    type: 'enumeration',
    fieldType: 'select',
    groupName: PRODUCT_DATA_GROUP,
    description,
    options: options(values, optionLabel),
  };
}

export const PROPERTY_GROUPS: SeedPortal['propertyGroups'] = [
  { objectType: 'companies', name: PRODUCT_DATA_GROUP, label: 'Product data', displayOrder: 1 },
  { objectType: 'tickets', name: PRODUCT_DATA_GROUP, label: 'Product data', displayOrder: 1 },
  { objectType: 'deals', name: PRODUCT_DATA_GROUP, label: 'Product data', displayOrder: 1 },
];

const C = 'companies';

export const CUSTOM_PROPERTIES: SeedPropertyDefinition[] = [
  property(C, 'external_account_id', 'External account ID', 'string', 'RavenStack account id'),
  enumeration(C, 'vertical', 'Vertical', VERTICAL_OPTIONS, 'RavenStack industry'),
  enumeration(C, 'plan_tier', 'Plan tier', PLAN_OPTIONS, 'Current plan', capitalised),
  property(C, 'licensed_seats', 'Licensed seats', 'number', 'Seats purchased'),
  property(C, 'seats_used', 'Seats used', 'number', 'Seats in use (generated)'),
  property(C, 'mrr', 'MRR', 'number', 'Monthly recurring revenue, USD'),
  property(C, 'arr', 'ARR', 'number', 'Annual recurring revenue, USD'),
  property(C, 'contract_renewal_date', 'Contract renewal date', 'date', 'Next renewal'),
  property(C, 'auto_renew', 'Auto-renew', 'bool', 'Renews automatically'),
  property(C, 'is_trial', 'Trial account', 'bool', 'Trial account'),
  enumeration(C, 'acquisition_channel', 'Acquisition channel', CHANNEL_OPTIONS, 'Referral source'),
  property(C, 'customer_since', 'Customer since', 'date', 'Signup date'),
  property(C, 'usage_events_7d', 'Usage events (7 days)', 'number', 'Usage events in 7 days'),
  property(
    C,
    'active_features_30d',
    'Active features (30 days)',
    'number',
    'Features used in 30 days',
  ),
  property(
    C,
    'premium_features_used',
    'Premium features used',
    'number',
    'Beta features used in 30 days',
  ),
  property(C, 'last_product_activity_date', 'Last product activity', 'date', 'Last day with usage'),
  property(C, 'nps_score', 'NPS score', 'number', 'Latest NPS response (0-10)'),
  property(
    C,
    'churn_date',
    'Churn date',
    'date',
    'Latest churn event; an outcome, never a score input',
  ),
  property(C, 'churn_reason', 'Churn reason', 'string', 'Reason code of the latest churn event'),
  property(C, 'account_executive_owner_id', 'Account executive', 'string', 'Owner id of the AE'),
  property('tickets', 'external_ticket_id', 'External ticket ID', 'string', 'RavenStack ticket id'),
  property('tickets', 'escalated', 'Escalated', 'bool', 'The ticket was escalated'),
  property(
    'deals',
    'external_subscription_id',
    'External subscription ID',
    'string',
    'RavenStack subscription id',
  ),
];
