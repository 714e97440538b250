/** One write in a property's history. */
export interface HistoryEntry {
  value: string;
  /** Epoch milliseconds. */
  timestamp: number;
  sourceType: string;
  sourceId?: string;
}

/**
 * A property's history, oldest first, as parallel arrays: large seeded portals hold tens of
 * millions of entries, and three flat arrays take a fraction of the memory of one object each.
 */
export interface HistoryColumn {
  values: string[];
  /** Epoch milliseconds. */
  timestamps: number[];
  /** Interned source keys from `sourceKey`. */
  sources: string[];
}

const SOURCE_SEPARATOR = '\u0000';
const internedSources = new Map<string, string>();

/** Returns one shared string for a source type and id, so repeated sources cost no memory. */
export function sourceKey(sourceType: string, sourceId?: string): string {
  const key = sourceId === undefined ? sourceType : `${sourceType}${SOURCE_SEPARATOR}${sourceId}`;
  let interned = internedSources.get(key);
  if (interned === undefined) {
    interned = key;
    internedSources.set(key, interned);
  }
  return interned;
}

export function appendHistoryEntry(column: HistoryColumn, entry: HistoryEntry): void {
  column.values.push(entry.value);
  column.timestamps.push(entry.timestamp);
  column.sources.push(sourceKey(entry.sourceType, entry.sourceId));
}

/** Expands a history column to entries, newest first. */
export function historyEntries(column: HistoryColumn): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (let index = column.values.length - 1; index >= 0; index -= 1) {
    const [sourceType, sourceId] = (column.sources[index] as string).split(SOURCE_SEPARATOR);
    const entry: HistoryEntry = {
      value: column.values[index] as string,
      timestamp: column.timestamps[index] as number,
      sourceType: sourceType as string,
    };
    if (sourceId !== undefined) entry.sourceId = sourceId;
    entries.push(entry);
  }
  return entries;
}

/** A CRM record as the store keeps it. Times are epoch milliseconds. */
export interface StoredRecord {
  id: string;
  properties: Record<string, string>;
  /** Only properties written after the record was loaded or created, or seeded with history. */
  history?: Record<string, HistoryColumn>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
  /** Source type of the creation, used as the source of values that have no history. */
  createdSource: string;
}

function lowerBound(sorted: readonly number[], target: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The records of one object type, with the live ids kept sorted for range scans and paging. */
export class ObjectTable {
  readonly records = new Map<string, StoredRecord>();
  private readonly sorted: number[] = [];
  /** Set when an insert arrived out of order; the ids are sorted on the next read. */
  private unsorted = false;
  private maxId = 0;

  /** Live ids in ascending order. Callers must not modify the array. */
  liveIds(): readonly number[] {
    return this.sortedIds();
  }

  liveCount(): number {
    return this.sorted.length;
  }

  nextId(): string {
    return String(this.maxId + 1);
  }

  /** Index of the first live id that is at least `id`. */
  indexAtLeast(id: number): number {
    return lowerBound(this.sortedIds(), id);
  }

  insert(record: StoredRecord): void {
    const numeric = Number(record.id);
    this.records.set(record.id, record);
    const last = this.sorted[this.sorted.length - 1];
    if (last !== undefined && numeric <= last) this.unsorted = true;
    this.maxId = Math.max(this.maxId, numeric);
    this.sorted.push(numeric);
  }

  /** Takes a record out of the live ids (archive or merge) and, unless kept, out of the table. */
  removeLive(id: string, keepRecord: boolean): void {
    const sorted = this.sortedIds();
    const numeric = Number(id);
    const index = lowerBound(sorted, numeric);
    if (sorted[index] === numeric) sorted.splice(index, 1);
    if (!keepRecord) this.records.delete(id);
  }

  private sortedIds(): number[] {
    if (this.unsorted) {
      this.sorted.sort((a, b) => a - b);
      this.unsorted = false;
    }
    return this.sorted;
  }
}
