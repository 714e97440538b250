import type { CrmObjectType } from '../store/changes';

/**
 * HubSpot's object names as webhook subscriptions spell them (`company`, `feedback_submission`),
 * with the object type id that generic `object.*` events carry in `objectTypeId`.
 */
export const HUBSPOT_OBJECT_TYPE_IDS = {
  contact: '0-1',
  company: '0-2',
  deal: '0-3',
  ticket: '0-5',
  product: '0-7',
  line_item: '0-8',
  quote: '0-14',
  feedback_submission: '0-19',
  task: '0-27',
  note: '0-46',
  meeting: '0-47',
  call: '0-48',
  email: '0-49',
} as const;

export type HubSpotObjectName = keyof typeof HUBSPOT_OBJECT_TYPE_IDS;

/** The HubSpot object name of each object type the sandbox stores. */
export const OBJECT_NAME_BY_CRM_TYPE: Record<CrmObjectType, HubSpotObjectName> = {
  companies: 'company',
  contacts: 'contact',
  deals: 'deal',
  tickets: 'ticket',
  tasks: 'task',
  notes: 'note',
  feedback_submissions: 'feedback_submission',
};

const CRM_TYPE_BY_OBJECT_NAME = new Map<string, CrmObjectType>(
  Object.entries(OBJECT_NAME_BY_CRM_TYPE).map(([crmType, name]) => [
    name,
    crmType as CrmObjectType,
  ]),
);

/** Returns the sandbox object type for a HubSpot object name, or undefined when it stores none. */
export function crmTypeForObjectName(name: string): CrmObjectType | undefined {
  return CRM_TYPE_BY_OBJECT_NAME.get(name);
}

export function objectTypeIdOf(type: CrmObjectType): string {
  return HUBSPOT_OBJECT_TYPE_IDS[OBJECT_NAME_BY_CRM_TYPE[type]];
}
