import type { CompanySnapshot, RequiredInputs } from '../../src/engine';
import type { CachedRecordType } from './store';
import type { CrmRecord, RecomputeClient } from './types';

/** HubSpot's limits per request: batch reads take 100 ids, association batch reads 1,000. */
export const BATCH_READ_LIMIT = 100;
export const ASSOCIATION_BATCH_LIMIT = 1000;

/** Ticket properties the reader always needs to tell whether a ticket's stage is closed. */
const TICKET_STAGE_PROPERTIES = ['hs_pipeline', 'hs_pipeline_stage'];

/** Everything read about one company for one computation. */
export interface CompanyRead {
  snapshot: CompanySnapshot;
  /** Every property read, including the app's own, as HubSpot returned them. */
  current: Record<string, string | null>;
  ticketIds: string[];
  contactIds: string[];
  feedbackIds: string[];
}

export interface ReadResult {
  companies: Map<string, CompanyRead>;
  /** Requested companies HubSpot did not return: deleted or merged away. */
  missing: string[];
}

/**
 * Records remembered between recomputes: feedback submissions, which do not change once given,
 * and closed tickets. A cached entry is used only when it has every property requested.
 */
export interface RecordCache {
  get(type: CachedRecordType, ids: string[]): Promise<Map<string, Record<string, string | null>>>;
  put(type: CachedRecordType, records: CrmRecord[]): Promise<void>;
}

/** Counts the HubSpot helper calls made on behalf of one recompute. */
export class CallCounter {
  count = 0;

  async track<T>(call: Promise<T>): Promise<T> {
    this.count += 1;
    return call;
  }
}

export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Reads what the config needs for a set of companies with the fewest requests HubSpot allows.
 * Companies are read in batches of 100, with history only for the properties that need it.
 * Associations follow in batches of 1,000, then tickets and feedback submissions in batches of 100.
 */
export async function readCompanies(
  client: RecomputeClient,
  companyIds: string[],
  inputs: RequiredInputs,
  extraProperties: string[],
  calls: CallCounter,
  cache?: RecordCache,
): Promise<ReadResult> {
  const properties = unique([...inputs.companyProperties, ...extraProperties]);
  const history = unique(inputs.historyProperties);
  const records = new Map<string, CrmRecord>();
  const missing: string[] = [];
  for (const ids of chunk(unique(companyIds), BATCH_READ_LIMIT)) {
    const read = await calls.track(
      client.batchReadObjects(
        'companies',
        ids,
        properties,
        history.length > 0 ? history : undefined,
      ),
    );
    for (const record of read.results) records.set(record.id, record);
    const returned = new Set(read.results.map((record) => record.id));
    for (const id of ids) if (!returned.has(id)) missing.push(id);
  }

  const found = [...records.keys()];
  const ticketsByCompany = inputs.tickets
    ? await readAssociations(client, 'companies', 'tickets', found, calls)
    : new Map<string, string[]>();
  const contactsByCompany = inputs.feedback
    ? await readAssociations(client, 'companies', 'contacts', found, calls)
    : new Map<string, string[]>();
  const allContacts = unique([...contactsByCompany.values()].flat());
  const feedbackByContact = inputs.feedback
    ? await readAssociations(client, 'contacts', 'feedback_submissions', allContacts, calls)
    : new Map<string, string[]>();

  const tickets = inputs.tickets
    ? await readTickets(
        client,
        unique([...ticketsByCompany.values()].flat()),
        inputs.tickets.properties,
        calls,
        cache,
      )
    : new Map<string, CompanySnapshot['tickets'][number]>();
  const feedback = inputs.feedback
    ? await readCached(
        client,
        'feedback_submissions',
        unique([...feedbackByContact.values()].flat()),
        inputs.feedback.properties,
        calls,
        cache,
        () => true,
      )
    : new Map<string, CrmRecord>();

  const companies = new Map<string, CompanyRead>();
  for (const [id, record] of records) {
    const ticketIds = (ticketsByCompany.get(id) ?? []).filter((ticketId) => tickets.has(ticketId));
    const contactIds = contactsByCompany.get(id) ?? [];
    const feedbackIds = unique(
      contactIds.flatMap((contactId) => feedbackByContact.get(contactId) ?? []),
    ).filter((feedbackId) => feedback.has(feedbackId));
    companies.set(id, {
      snapshot: {
        id,
        properties: record.properties,
        propertyHistory: normaliseHistory(record.propertiesWithHistory),
        tickets: ticketIds.map((ticketId) => tickets.get(ticketId)!),
        feedback: feedbackIds.map((feedbackId) => {
          const submission = feedback.get(feedbackId)!;
          return { id: submission.id, properties: submission.properties };
        }),
      },
      current: record.properties,
      ticketIds,
      contactIds,
      feedbackIds,
    });
  }
  return { companies, missing };
}

async function readAssociations(
  client: RecomputeClient,
  from: string,
  to: string,
  ids: string[],
  calls: CallCounter,
): Promise<Map<string, string[]>> {
  const all = new Map<string, string[]>();
  for (const part of chunk(ids, ASSOCIATION_BATCH_LIMIT)) {
    const read = await calls.track(client.batchReadAssociations(from, to, part));
    for (const [id, targets] of read) all.set(id, unique(targets.map(String)));
  }
  return all;
}

async function readRecords(
  client: RecomputeClient,
  type: 'tickets' | 'feedback_submissions',
  ids: string[],
  properties: string[],
  calls: CallCounter,
): Promise<Map<string, CrmRecord>> {
  const all = new Map<string, CrmRecord>();
  for (const part of chunk(ids, BATCH_READ_LIMIT)) {
    const read = await calls.track(client.batchReadObjects(type, part, unique(properties)));
    for (const record of read.results) all.set(record.id, record);
  }
  return all;
}

/**
 * Reads records, taking those the cache has and fetching the rest. Fetched records that pass
 * `cacheable` are cached for the next recompute.
 */
async function readCached(
  client: RecomputeClient,
  type: CachedRecordType,
  ids: string[],
  properties: string[],
  calls: CallCounter,
  cache: RecordCache | undefined,
  cacheable: (record: CrmRecord) => boolean,
): Promise<Map<string, CrmRecord>> {
  const all = new Map<string, CrmRecord>();
  if (ids.length === 0) return all;
  const cached = cache
    ? await cache.get(type, ids)
    : new Map<string, Record<string, string | null>>();
  for (const [id, values] of cached) {
    if (properties.every((name) => name in values)) all.set(id, { id, properties: values });
  }
  const fetched = await readRecords(
    client,
    type,
    ids.filter((id) => !all.has(id)),
    properties,
    calls,
  );
  for (const [id, record] of fetched) all.set(id, record);
  const toCache = [...fetched.values()].filter(cacheable);
  if (cache && toCache.length > 0) await cache.put(type, toCache);
  return all;
}

async function readTickets(
  client: RecomputeClient,
  ids: string[],
  properties: string[],
  calls: CallCounter,
  cache: RecordCache | undefined,
): Promise<Map<string, CompanySnapshot['tickets'][number]>> {
  const tickets = new Map<string, CompanySnapshot['tickets'][number]>();
  if (ids.length === 0) return tickets;
  // The gateway caches pipelines per portal, so this is one request per process at most.
  const { closedStageIds } = await client.getTicketPipelines();
  const isClosed = (record: CrmRecord): boolean =>
    closedStageIds.has(record.properties.hs_pipeline_stage ?? '');
  // Only closed tickets are cached: open ones change as support works on them.
  const records = await readCached(
    client,
    'tickets',
    ids,
    [...properties, ...TICKET_STAGE_PROPERTIES],
    calls,
    cache,
    isClosed,
  );
  for (const [id, record] of records) {
    tickets.set(id, { id, properties: record.properties, stageClosed: isClosed(record) });
  }
  return tickets;
}

/** History as the engine expects it: ISO timestamps, newest first. */
function normaliseHistory(
  history: CrmRecord['propertiesWithHistory'],
): CompanySnapshot['propertyHistory'] {
  const result: CompanySnapshot['propertyHistory'] = {};
  if (!history) return result;
  for (const [name, entries] of Object.entries(history)) {
    result[name] = entries
      .map((entry) => {
        // The SDK turns timestamps into Date objects; the engine takes ISO text.
        const timestamp: unknown = entry.timestamp;
        return {
          value: entry.value,
          timestamp: timestamp instanceof Date ? timestamp.toISOString() : String(timestamp),
        };
      })
      .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp));
  }
  return result;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
