import type { PortalClient } from '../../src/hubspot/types';
import type { Logger } from '../../src/log';
import type { RecomputeStore } from './store';
import type { ConfigSource } from './config-source';

/** Why a batch of companies is being recomputed; the queue runtime passes it through. */
export type RecomputeReason = 'webhook' | 'backfill' | 'sweep';

/**
 * The part of the gateway's `PortalClient` that the recompute, backfill and sweeps use. Every
 * method goes through the portal's shared rate limiter and the gateway's retry and error rules.
 */
export type RecomputeClient = Pick<
  PortalClient,
  | 'portalId'
  | 'call'
  | 'batchReadObjects'
  | 'batchUpdateCompanies'
  | 'searchCompanies'
  | 'batchReadAssociations'
  | 'createTask'
  | 'getTicketPipelines'
  | 'getAccountDetails'
>;

export type { BatchUpdateError, CrmRecord, SearchRequest } from '../../src/hubspot/types';

/** One company update as the batch update endpoint takes it. */
export interface BatchUpdateInput {
  id: string;
  properties: Record<string, string>;
}

export interface RecomputeContext {
  portalId: number;
  client: RecomputeClient;
  companyIds: string[];
  reason: RecomputeReason;
  /** The time every company of this batch is scored at (the engine's `asOf`). */
  now: Date;
  logger: Logger;
  store: RecomputeStore;
  configs: ConfigSource;
}

/** What happened to each company of one `recomputeCompanies` call. */
export interface RecomputeOutcome {
  /** Companies scored in this call. */
  computed: string[];
  /** Companies whose properties were written. */
  written: string[];
  /** Companies scored with nothing visible changed, so no write was sent. */
  unchanged: string[];
  /** Companies HubSpot no longer has (deleted or merged away); their stored data was dropped. */
  missing: string[];
  /** Companies that could not be scored or written, with HubSpot's reason. Not retried here. */
  failed: { companyId: string; message: string; category: string; property?: string }[];
  /** Companies whose `cs_health_status` changed in this call. */
  statusChanges: string[];
  /** Ids of the At-risk tasks created in this call, by company. */
  tasksCreated: { companyId: string; taskId: string }[];
  /** Ids of the expansion tasks created in this call, by company. */
  expansionTasksCreated: { companyId: string; taskId: string }[];
  /** HubSpot helper calls made (an association read that follows paging may count as one). */
  apiCalls: number;
}
