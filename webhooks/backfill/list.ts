import type { SearchFilter } from '../../src/hubspot/types';
import type { RecomputeClient } from '../recompute/types';

/** HubSpot's largest search page. */
export const SEARCH_PAGE_LIMIT = 200;

export interface CompanyWindow {
  ids: string[];
  /** Matches HubSpot counted for this window's query: everything above the last id seen. */
  total: number;
}

/**
 * Lists every company matching `filters` in windows on `hs_object_id`. Each search requests the
 * first 200 companies with an id greater than the last one seen, sorted ascending. Search never
 * pages past 10,000 results (HubSpot responds 400), and `createdate` is not unique, so ids are
 * the only key that visits each company exactly once however large the portal is. No request
 * carries an `after` cursor.
 */
export async function* listCompanyWindows(
  client: RecomputeClient,
  filters: SearchFilter[] = [],
): AsyncGenerator<CompanyWindow> {
  let lastId = '0';
  for (;;) {
    const page = await client.searchCompanies({
      filterGroups: [
        { filters: [...filters, { propertyName: 'hs_object_id', operator: 'GT', value: lastId }] },
      ],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties: ['hs_object_id'],
      limit: SEARCH_PAGE_LIMIT,
    });
    const ids = page.results.map((record) => record.id);
    if (ids.length === 0) return;
    const highest = ids[ids.length - 1]!;
    if (Number(highest) <= Number(lastId)) {
      throw new Error(
        `company search did not move past hs_object_id ${lastId} (last id returned: ${highest}); ` +
          'the search must sort by hs_object_id ascending and honour the GT filter',
      );
    }
    yield { ids, total: page.total };
    // A window smaller than a page, or one without a next-page cursor, was the last one.
    if (ids.length < SEARCH_PAGE_LIMIT || page.after === undefined) return;
    lastId = highest;
  }
}
