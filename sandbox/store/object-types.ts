import type { CrmObjectType } from './changes';

/** Metadata of one CRM object type that the store and the routes use. */
export interface ObjectTypeInfo {
  type: CrmObjectType;
  /** HubSpot's object type id, accepted in paths in place of the name (companies = 0-2). */
  objectTypeId: string;
  /** Upper-case singular used in association names such as COMPANY_TO_TICKET. */
  associationName: string;
  /** Lower-case singular used by webhook subscriptions and search pseudo-properties. */
  singular: string;
  createdProperty: string;
  modifiedProperty: string;
  /** Properties returned when a request names none. */
  defaultReturned: string[];
  /** Properties the search `query` string matches against. */
  queryProperties: string[];
  /** A token needs one of these to read the type. */
  readScopes: string[];
  /** Further scopes that every read needs, besides one of `readScopes`. */
  additionalReadScopes?: string[];
  writeScopes: string[];
  /** HubSpot serves feedback submissions read-only through the API. */
  readOnly: boolean;
}

const ENGAGEMENT_SCOPES = {
  readScopes: ['crm.objects.contacts.read'],
  writeScopes: ['crm.objects.contacts.write'],
};

export const OBJECT_TYPES: Record<CrmObjectType, ObjectTypeInfo> = {
  companies: {
    type: 'companies',
    objectTypeId: '0-2',
    associationName: 'COMPANY',
    singular: 'company',
    createdProperty: 'createdate',
    modifiedProperty: 'hs_lastmodifieddate',
    defaultReturned: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
    queryProperties: ['name', 'domain', 'website', 'phone'],
    readScopes: ['crm.objects.companies.read'],
    writeScopes: ['crm.objects.companies.write'],
    readOnly: false,
  },
  contacts: {
    type: 'contacts',
    objectTypeId: '0-1',
    associationName: 'CONTACT',
    singular: 'contact',
    createdProperty: 'createdate',
    modifiedProperty: 'lastmodifieddate',
    defaultReturned: [
      'createdate',
      'email',
      'firstname',
      'hs_object_id',
      'lastmodifieddate',
      'lastname',
    ],
    queryProperties: ['firstname', 'lastname', 'email', 'phone', 'company'],
    readScopes: ['crm.objects.contacts.read'],
    writeScopes: ['crm.objects.contacts.write'],
    readOnly: false,
  },
  deals: {
    type: 'deals',
    objectTypeId: '0-3',
    associationName: 'DEAL',
    singular: 'deal',
    createdProperty: 'createdate',
    modifiedProperty: 'hs_lastmodifieddate',
    defaultReturned: [
      'amount',
      'closedate',
      'createdate',
      'dealname',
      'dealstage',
      'hs_lastmodifieddate',
      'hs_object_id',
      'pipeline',
    ],
    queryProperties: ['dealname'],
    readScopes: ['crm.objects.deals.read'],
    writeScopes: ['crm.objects.deals.write'],
    readOnly: false,
  },
  tickets: {
    type: 'tickets',
    objectTypeId: '0-5',
    associationName: 'TICKET',
    singular: 'ticket',
    createdProperty: 'createdate',
    modifiedProperty: 'hs_lastmodifieddate',
    defaultReturned: [
      'content',
      'createdate',
      'hs_lastmodifieddate',
      'hs_object_id',
      'hs_pipeline',
      'hs_pipeline_stage',
      'hs_ticket_category',
      'hs_ticket_priority',
      'subject',
    ],
    queryProperties: ['subject', 'content'],
    readScopes: ['tickets'],
    writeScopes: ['tickets'],
    readOnly: false,
  },
  tasks: {
    type: 'tasks',
    objectTypeId: '0-27',
    associationName: 'TASK',
    singular: 'task',
    createdProperty: 'hs_createdate',
    modifiedProperty: 'hs_lastmodifieddate',
    defaultReturned: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    queryProperties: ['hs_task_subject', 'hs_task_body'],
    ...ENGAGEMENT_SCOPES,
    readOnly: false,
  },
  notes: {
    type: 'notes',
    objectTypeId: '0-46',
    associationName: 'NOTE',
    singular: 'note',
    createdProperty: 'hs_createdate',
    modifiedProperty: 'hs_lastmodifieddate',
    defaultReturned: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    queryProperties: ['hs_note_body'],
    ...ENGAGEMENT_SCOPES,
    readOnly: false,
  },
  feedback_submissions: {
    type: 'feedback_submissions',
    objectTypeId: '0-19',
    associationName: 'FEEDBACK_SUBMISSION',
    singular: 'feedback_submission',
    createdProperty: 'hs_createdate',
    modifiedProperty: 'hs_lastmodifieddate',
    defaultReturned: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    queryProperties: ['hs_content'],
    readScopes: ['crm.objects.feedback_submissions.read'],
    // HubSpot's v3 spec lists both scopes in one security requirement for every read.
    additionalReadScopes: ['crm.objects.contacts.read'],
    writeScopes: [],
    readOnly: true,
  },
};

export const CRM_OBJECT_TYPES = Object.keys(OBJECT_TYPES) as CrmObjectType[];

const ALIASES = new Map<string, CrmObjectType>();
for (const info of Object.values(OBJECT_TYPES)) {
  ALIASES.set(info.type, info.type);
  ALIASES.set(info.objectTypeId, info.type);
  ALIASES.set(info.singular, info.type);
}
ALIASES.set('feedback_submission', 'feedback_submissions');
ALIASES.set('feedbacksubmissions', 'feedback_submissions');

/** Resolves a path segment (name, singular or object type id such as 0-2) to an object type. */
export function resolveObjectType(segment: string): CrmObjectType | undefined {
  return ALIASES.get(segment.toLowerCase());
}
