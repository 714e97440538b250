import type { CrmObjectType } from './changes';

export type PropertyType =
  'string' | 'number' | 'enumeration' | 'bool' | 'date' | 'datetime' | 'phone_number';

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

/** A property definition as the properties API returns it. */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined: boolean;
  formField: boolean;
  readOnlyValue: boolean;
  readOnlyDefinition: boolean;
  archivable: boolean;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  /** Options come from the portal's owners instead of `options` (hubspot_owner_id). */
  ownerReference?: boolean;
}

/** Field types HubSpot accepts for each property type. */
export const FIELD_TYPES_BY_TYPE: Record<PropertyType, string[]> = {
  string: ['text', 'textarea', 'html', 'phonenumber', 'file', 'calculation_equation'],
  number: ['number', 'calculation_equation'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
  bool: ['booleancheckbox', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  phone_number: ['phonenumber', 'text'],
};

export const PROPERTY_TYPES = Object.keys(FIELD_TYPES_BY_TYPE) as PropertyType[];

export interface DefaultGroup {
  name: string;
  label: string;
  displayOrder: number;
}

export const DEFAULT_GROUPS: Record<CrmObjectType, DefaultGroup> = {
  companies: { name: 'companyinformation', label: 'Company information', displayOrder: -1 },
  contacts: { name: 'contactinformation', label: 'Contact information', displayOrder: -1 },
  deals: { name: 'dealinformation', label: 'Deal information', displayOrder: -1 },
  tickets: { name: 'ticketinformation', label: 'Ticket information', displayOrder: -1 },
  tasks: { name: 'taskinformation', label: 'Task information', displayOrder: -1 },
  notes: { name: 'noteinformation', label: 'Note information', displayOrder: -1 },
  feedback_submissions: {
    name: 'feedbacksubmissioninformation',
    label: 'Feedback submission information',
    displayOrder: -1,
  },
};

/** Compact form of a HubSpot-defined property: name, type, field type, then flags. */
type Spec = [name: string, label: string, type: PropertyType, fieldType: string, flags?: SpecFlags];
interface SpecFlags {
  options?: string[];
  readOnly?: boolean;
  calculated?: boolean;
  owner?: boolean;
}

const RECORD_ID: Spec = ['hs_object_id', 'Record ID', 'number', 'number', { readOnly: true }];
const OWNER: Spec = ['hubspot_owner_id', 'Owner', 'enumeration', 'select', { owner: true }];
const LAST_CONTACTED: Spec = [
  'notes_last_contacted',
  'Last contacted',
  'datetime',
  'date',
  { readOnly: true, calculated: true },
];
const LIFECYCLE: Spec = [
  'lifecyclestage',
  'Lifecycle stage',
  'enumeration',
  'radio',
  {
    options: [
      'subscriber',
      'lead',
      'marketingqualifiedlead',
      'salesqualifiedlead',
      'opportunity',
      'customer',
      'evangelist',
      'other',
    ],
  },
];

function timestamps(created: string, modified: string): Spec[] {
  return [
    [created, 'Create date', 'datetime', 'date', { readOnly: true }],
    [modified, 'Last modified date', 'datetime', 'date', { readOnly: true }],
  ];
}

const SPECS: Record<CrmObjectType, Spec[]> = {
  companies: [
    ['name', 'Company name', 'string', 'text'],
    ['domain', 'Company domain name', 'string', 'text'],
    ['website', 'Website URL', 'string', 'text'],
    ['phone', 'Phone number', 'string', 'phonenumber'],
    ['city', 'City', 'string', 'text'],
    ['state', 'State/Region', 'string', 'text'],
    ['country', 'Country/Region', 'string', 'text'],
    ['industry', 'Industry', 'string', 'text'],
    ['description', 'Description', 'string', 'textarea'],
    ['numberofemployees', 'Number of employees', 'number', 'number'],
    ['annualrevenue', 'Annual revenue', 'number', 'number'],
    ['hs_merged_object_ids', 'Merged record IDs', 'enumeration', 'checkbox', { readOnly: true }],
    LIFECYCLE,
    OWNER,
    LAST_CONTACTED,
    RECORD_ID,
    ...timestamps('createdate', 'hs_lastmodifieddate'),
  ],
  contacts: [
    ['email', 'Email', 'string', 'text'],
    ['firstname', 'First name', 'string', 'text'],
    ['lastname', 'Last name', 'string', 'text'],
    ['phone', 'Phone number', 'string', 'phonenumber'],
    ['company', 'Company name', 'string', 'text'],
    ['jobtitle', 'Job title', 'string', 'text'],
    LIFECYCLE,
    OWNER,
    LAST_CONTACTED,
    RECORD_ID,
    ...timestamps('createdate', 'lastmodifieddate'),
  ],
  deals: [
    ['dealname', 'Deal name', 'string', 'text'],
    ['amount', 'Amount', 'number', 'number'],
    ['closedate', 'Close date', 'datetime', 'date'],
    ['pipeline', 'Pipeline', 'enumeration', 'select', { options: ['default'] }],
    [
      'dealstage',
      'Deal stage',
      'enumeration',
      'radio',
      {
        options: [
          'appointmentscheduled',
          'qualifiedtobuy',
          'presentationscheduled',
          'decisionmakerboughtin',
          'contractsent',
          'closedwon',
          'closedlost',
        ],
      },
    ],
    [
      'dealtype',
      'Deal type',
      'enumeration',
      'radio',
      { options: ['newbusiness', 'existingbusiness'] },
    ],
    OWNER,
    RECORD_ID,
    ...timestamps('createdate', 'hs_lastmodifieddate'),
  ],
  tickets: [
    ['subject', 'Ticket name', 'string', 'text'],
    ['content', 'Ticket description', 'string', 'textarea'],
    ['hs_pipeline', 'Pipeline', 'enumeration', 'select', { options: ['0'] }],
    [
      'hs_pipeline_stage',
      'Ticket status',
      'enumeration',
      'select',
      { options: ['1', '2', '3', '4'] },
    ],
    [
      'hs_ticket_priority',
      'Priority',
      'enumeration',
      'select',
      { options: ['LOW', 'MEDIUM', 'HIGH', 'URGENT'] },
    ],
    [
      'hs_ticket_category',
      'Category',
      'enumeration',
      'checkbox',
      { options: ['PRODUCT_ISSUE', 'BILLING_ISSUE', 'FEATURE_REQUEST', 'GENERAL_INQUIRY'] },
    ],
    [
      'source_type',
      'Source',
      'enumeration',
      'select',
      { options: ['CHAT', 'EMAIL', 'FORM', 'PHONE'] },
    ],
    ['closed_date', 'Close date', 'datetime', 'date'],
    OWNER,
    RECORD_ID,
    ...timestamps('createdate', 'hs_lastmodifieddate'),
  ],
  tasks: [
    ['hs_timestamp', 'Due date', 'datetime', 'date'],
    ['hs_task_subject', 'Task title', 'string', 'text'],
    ['hs_task_body', 'Notes', 'string', 'html'],
    [
      'hs_task_status',
      'Task status',
      'enumeration',
      'select',
      { options: ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED'] },
    ],
    [
      'hs_task_priority',
      'Priority',
      'enumeration',
      'select',
      { options: ['NONE', 'LOW', 'MEDIUM', 'HIGH'] },
    ],
    ['hs_task_type', 'Task type', 'enumeration', 'select', { options: ['TODO', 'CALL', 'EMAIL'] }],
    ['hs_task_completion_date', 'Completed at', 'datetime', 'date', { readOnly: true }],
    OWNER,
    RECORD_ID,
    ...timestamps('hs_createdate', 'hs_lastmodifieddate'),
  ],
  notes: [
    ['hs_timestamp', 'Activity date', 'datetime', 'date'],
    ['hs_note_body', 'Note body', 'string', 'html'],
    ['hs_attachment_ids', 'Attached file IDs', 'enumeration', 'checkbox', { options: [] }],
    OWNER,
    RECORD_ID,
    ...timestamps('hs_createdate', 'hs_lastmodifieddate'),
  ],
  feedback_submissions: [
    [
      'hs_survey_type',
      'Survey type',
      'enumeration',
      'select',
      { options: ['NPS', 'CSAT', 'CES', 'CUSTOM'] },
    ],
    ['hs_survey_id', 'Survey ID', 'number', 'number'],
    ['hs_survey_name', 'Survey name', 'string', 'text'],
    ['hs_value', 'Rating', 'number', 'number'],
    [
      'hs_response_group',
      'Response group',
      'enumeration',
      'select',
      { options: ['PROMOTER', 'PASSIVE', 'DETRACTOR'] },
    ],
    ['hs_content', 'Response', 'string', 'textarea'],
    [
      'hs_sentiment',
      'Sentiment',
      'enumeration',
      'select',
      { options: ['POSITIVE', 'NEUTRAL', 'NEGATIVE'] },
    ],
    ['hs_submission_timestamp', 'Submitted at', 'datetime', 'date'],
    ['hs_contact_id', 'Contact ID', 'number', 'number'],
    ['hs_contact_email_rollup', 'Contact email', 'string', 'text'],
    RECORD_ID,
    ...timestamps('hs_createdate', 'hs_lastmodifieddate'),
  ],
};

/** Builds the HubSpot-defined properties of one object type, stamped with `createdAt`. */
export function defaultProperties(type: CrmObjectType, createdAt: string): PropertyDefinition[] {
  const groupName = DEFAULT_GROUPS[type].name;
  return SPECS[type].map(([name, label, propertyType, fieldType, flags = {}], index) => ({
    name,
    label,
    type: propertyType,
    fieldType,
    groupName,
    description: '',
    options: (flags.options ?? []).map((value, order) => ({
      label: value,
      value,
      displayOrder: order,
      hidden: false,
    })),
    displayOrder: index,
    calculated: flags.calculated ?? false,
    externalOptions: flags.owner ?? false,
    hasUniqueValue: name === 'hs_object_id',
    hidden: false,
    hubspotDefined: true,
    formField: !flags.readOnly,
    readOnlyValue: flags.readOnly ?? false,
    readOnlyDefinition: true,
    archivable: false,
    createdAt,
    updatedAt: createdAt,
    archived: false,
    ownerReference: flags.owner,
  }));
}
