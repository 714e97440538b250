import type { Client } from '@hubspot/api-client';

/** HubSpot's per-portal budget a request draws from; CRM search has a budget of its own. */
export type RequestKind = 'general' | 'search';

/** CRM object types the app reads, named by their v3 path segment. */
export type ReadableObjectType =
  'companies' | 'tickets' | 'contacts' | 'deals' | 'feedback_submissions';

export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
  /** Newest first, as HubSpot returns it. Present only for properties asked with history. */
  propertiesWithHistory?: Record<
    string,
    { value: string; timestamp: string; sourceType?: string }[]
  >;
}

export interface BatchReadResult {
  results: CrmRecord[];
  /** Requested ids that HubSpot did not return (deleted, or merged into another record). */
  missing: string[];
}

export interface BatchUpdateError {
  id?: string;
  message: string;
  /** HubSpot's error category, e.g. `VALIDATION_ERROR` or `OBJECT_NOT_FOUND`. */
  category: string;
  property?: string;
}

export interface BatchUpdateResult {
  updated: string[];
  errors: BatchUpdateError[];
}

export interface SearchFilter {
  propertyName: string;
  operator:
    | 'EQ'
    | 'NEQ'
    | 'LT'
    | 'LTE'
    | 'GT'
    | 'GTE'
    | 'BETWEEN'
    | 'IN'
    | 'NOT_IN'
    | 'HAS_PROPERTY'
    | 'NOT_HAS_PROPERTY'
    | 'CONTAINS_TOKEN'
    | 'NOT_CONTAINS_TOKEN';
  value?: string;
  highValue?: string;
  values?: string[];
}

export interface SearchRequest {
  filterGroups?: { filters: SearchFilter[] }[];
  sorts?: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
  properties?: string[];
  /** At most 200. */
  limit?: number;
  /** Paging cursor; HubSpot rejects values of 10,000 and above. */
  after?: string;
  query?: string;
}

export interface SearchResult {
  total: number;
  results: CrmRecord[];
  /** Cursor of the next page; absent on the last page. */
  after?: string;
}

export interface TaskInput {
  ownerId?: string;
  subject: string;
  body: string;
  dueAt: Date;
  priority: 'LOW' | 'MEDIUM' | 'HIGH';
  companyId: string;
}

export interface AccountDetails {
  portalId: number;
  timeZone: string;
}

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

/** A CRM property definition as the properties API returns and accepts it. */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
  displayOrder?: number;
  options?: PropertyOption[];
  /** True for HubSpot's built-in properties. */
  hubspotDefined?: boolean;
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder?: number;
}

/**
 * Opaque options to pass as the last argument of a generated SDK method, e.g.
 * `client.crm.companies.batchApi.update(body, sdkOptions)`. They let the gateway read raw error
 * bodies (the SDK drops `policyName` and keeps no status for non-JSON responses). Calls without
 * them still work; their failures are classified from the SDK's parsed error.
 */
type Crm = Client['crm'];
export type SdkCallOptions = NonNullable<Parameters<Crm['objects']['batchApi']['read']>[3]> &
  NonNullable<Parameters<Crm['companies']['batchApi']['update']>[1]> &
  NonNullable<Parameters<Crm['contacts']['batchApi']['read']>[2]> &
  NonNullable<Parameters<Crm['deals']['batchApi']['read']>[2]> &
  NonNullable<Parameters<Crm['tickets']['batchApi']['read']>[2]> &
  NonNullable<Parameters<Crm['objects']['tasks']['basicApi']['create']>[1]> &
  NonNullable<Parameters<Crm['associations']['v4']['batchApi']['getPage']>[3]> &
  NonNullable<Parameters<Crm['properties']['coreApi']['getAll']>[3]> &
  NonNullable<Parameters<Crm['pipelines']['pipelinesApi']['getAll']>[1]> &
  NonNullable<Parameters<Crm['owners']['ownersApi']['getPage']>[4]>;

export interface CallOptions {
  /**
   * False for requests that must not be sent twice (creating a record): 5xx responses and dropped
   * connections are then surfaced at once instead of retried, because HubSpot may have applied
   * the request. 429 responses and refused connections are still retried.
   * @defaultValue true
   */
  idempotent?: boolean;
}

/**
 * One portal's view of HubSpot. Every CRM and settings request of the app goes through one of
 * these; only the OAuth token endpoint calls go through `HubSpotOAuthClient`.
 */
export interface PortalClient {
  readonly portalId: number;

  /**
   * Runs `fn` with a fresh `@hubspot/api-client` Client after taking a rate-limit slot and making
   * sure the access token has at least 5 minutes left. Retries once after one refresh on a 401,
   * retries 429, 5xx and network errors a few times, and turns every failure into a
   * `HubSpotApiError` or `PortalDisconnectedError`. `endpoint` labels metrics and errors.
   */
  call<T>(
    endpoint: string,
    kind: RequestKind,
    fn: (client: Client, sdkOptions: SdkCallOptions) => Promise<T>,
    options?: CallOptions,
  ): Promise<T>;

  /** Reads up to 100 records of one type. */
  batchReadObjects(
    type: ReadableObjectType,
    ids: string[],
    properties: string[],
    propertiesWithHistory?: string[],
  ): Promise<BatchReadResult>;
  /** Updates up to 100 companies. Per-record failures (207) and a whole-batch 400 VALIDATION_ERROR are returned, not thrown. */
  batchUpdateCompanies(
    inputs: { id: string; properties: Record<string, string> }[],
  ): Promise<BatchUpdateResult>;
  searchCompanies(body: SearchRequest): Promise<SearchResult>;
  searchObjects(
    type: ReadableObjectType | 'tasks' | 'notes',
    body: SearchRequest,
  ): Promise<SearchResult>;
  /** Reads associations of up to 1,000 records (v4 batch), following each input's paging. */
  batchReadAssociations(from: string, to: string, ids: string[]): Promise<Map<string, string[]>>;
  /** Lists every association of one record (v4, 500 per page). Throws on a repeated cursor. */
  listAssociations(from: string, id: string, to: string): Promise<string[]>;
  /** Creates a task associated with the company and returns its id. Never retried on 5xx. */
  createTask(input: TaskInput): Promise<string>;
  /** Returns the closed stages of every ticket pipeline, cached in the process for 10 minutes. */
  getTicketPipelines(): Promise<{ closedStageIds: Set<string> }>;
  /** Returns the portal id and time zone, cached in the process for 10 minutes. */
  getAccountDetails(): Promise<AccountDetails>;

  listPropertyGroups(objectType: 'companies'): Promise<PropertyGroup[]>;
  createPropertyGroup(objectType: 'companies', group: PropertyGroup): Promise<void>;
  listProperties(objectType: 'companies'): Promise<PropertyDefinition[]>;
  createProperty(objectType: 'companies', property: PropertyDefinition): Promise<void>;
  updateProperty(
    objectType: 'companies',
    name: string,
    changes: Partial<Omit<PropertyDefinition, 'name' | 'type'>>,
  ): Promise<void>;

  /** Calls HubSpot's uninstall endpoint with this portal's token. */
  uninstallApp(): Promise<void>;
}

export interface PortalRateLimiter {
  /** Takes one request slot for the portal. Returns 0 when granted, else the ms to wait. */
  tryAcquire(portalId: number, kind: RequestKind): Promise<number>;
  /** Returns 0 when a slot is free now, else the ms until one frees up; takes no slot. */
  availableIn(portalId: number, kind: RequestKind): Promise<number>;
  /**
   * Waits (sleeping, not polling in a tight loop) until a slot is granted. Throws a retryable
   * `HubSpotApiError` with `retryAfterMs` when the wait would exceed `maxWaitMs`.
   */
  acquire(portalId: number, kind: RequestKind, maxWaitMs?: number): Promise<void>;
}
