import type { RequiredInputs } from '../../src/engine';
import type { Logger } from '../../src/log';
import type { ObjectRef, RefObjectType } from '../queue/types';
import { ASSOCIATION_BATCH_LIMIT, CallCounter, chunk } from './read';
import type { RecomputeStore, ReverseIndexedType } from './store';
import type { RecomputeClient } from './types';

export interface ResolveContext {
  portalId: number;
  client: RecomputeClient;
  store: RecomputeStore;
  logger: Logger;
  /** When given, refs of object types the config does not read are skipped without a lookup. */
  inputs?: RequiredInputs;
}

export interface ResolvedRefs {
  companyIds: string[];
  apiCalls: number;
}

const REVERSE_INDEXED = new Set<RefObjectType>(['tickets', 'contacts', 'feedback_submissions']);

/**
 * Finds the companies that changed tickets, contacts, deals and feedback submissions belong to.
 * Existing records are looked up with association batch reads (feedback through its contacts);
 * deleted ones, which HubSpot no longer returns, through the reverse index stored at
 * each recompute. The reverse index is consulted for existing records too, so a company that
 * just lost the record is rescored as well.
 */
export async function resolveObjectRefs(
  ctx: ResolveContext,
  refs: ObjectRef[],
): Promise<ResolvedRefs> {
  const calls = new CallCounter();
  const companies = new Set<string>();
  const byType = new Map<RefObjectType, { live: string[]; all: string[] }>();
  for (const ref of refs) {
    if (!isNeeded(ref.objectType, ctx.inputs)) continue;
    const group = byType.get(ref.objectType) ?? { live: [], all: [] };
    group.all.push(ref.objectId);
    if (!ref.deleted) group.live.push(ref.objectId);
    byType.set(ref.objectType, group);
  }

  for (const [type, group] of byType) {
    // A changed ticket or submission may be cached; the next recompute must read it fresh.
    if (type === 'tickets' || type === 'feedback_submissions') {
      await ctx.store.forgetRecords(ctx.portalId, type, unique(group.all));
    }
    if (REVERSE_INDEXED.has(type)) {
      const known = await ctx.store.companiesForObjects(
        ctx.portalId,
        type as ReverseIndexedType,
        unique(group.all),
      );
      for (const ids of known.values()) for (const id of ids) companies.add(id);
    }
    const live = unique(group.live);
    if (live.length === 0) continue;
    if (type === 'feedback_submissions') {
      const contacts = await associated(
        ctx.client,
        'feedback_submissions',
        'contacts',
        live,
        calls,
      );
      const viaContacts = await associated(ctx.client, 'contacts', 'companies', contacts, calls);
      for (const id of viaContacts) companies.add(id);
    } else {
      for (const id of await associated(ctx.client, type, 'companies', live, calls))
        companies.add(id);
    }
  }

  ctx.logger.debug(
    { portalId: ctx.portalId, refs: refs.length, companies: companies.size, apiCalls: calls.count },
    'resolved changed records to companies',
  );
  return { companyIds: [...companies], apiCalls: calls.count };
}

function isNeeded(type: RefObjectType, inputs: RequiredInputs | undefined): boolean {
  if (!inputs) return true;
  if (type === 'tickets') return inputs.tickets !== false;
  if (type === 'contacts' || type === 'feedback_submissions') return inputs.feedback !== false;
  // No score source reads deals yet.
  return false;
}

async function associated(
  client: RecomputeClient,
  from: string,
  to: string,
  ids: string[],
  calls: CallCounter,
): Promise<string[]> {
  const found = new Set<string>();
  for (const part of chunk(unique(ids), ASSOCIATION_BATCH_LIMIT)) {
    const read = await calls.track(client.batchReadAssociations(from, to, part));
    for (const targets of read.values()) for (const id of targets) found.add(String(id));
  }
  return [...found];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
