/** One write in a property's history. */
export interface HistoryEntry {
  value: string;
  /** Epoch milliseconds. */
  timestamp: number;
  sourceType: string;
  sourceId?: string;
}

/** A CRM record as the store keeps it. Times are epoch milliseconds. */
export interface StoredRecord {
  id: string;
  properties: Record<string, string>;
  /** Oldest first; only properties written after the record was loaded or created have one. */
  history?: Record<string, HistoryEntry[]>;
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
  private maxId = 0;

  /** Live ids in ascending order. Callers must not modify the array. */
  liveIds(): readonly number[] {
    return this.sorted;
  }

  liveCount(): number {
    return this.sorted.length;
  }

  nextId(): string {
    return String(this.maxId + 1);
  }

  /** Index of the first live id that is at least `id`. */
  indexAtLeast(id: number): number {
    return lowerBound(this.sorted, id);
  }

  insert(record: StoredRecord): void {
    const numeric = Number(record.id);
    this.records.set(record.id, record);
    this.maxId = Math.max(this.maxId, numeric);
    const last = this.sorted[this.sorted.length - 1];
    if (last === undefined || numeric > last) {
      this.sorted.push(numeric);
      return;
    }
    const index = lowerBound(this.sorted, numeric);
    if (this.sorted[index] !== numeric) this.sorted.splice(index, 0, numeric);
  }

  /** Takes a record out of the live ids (archive or merge) and, unless kept, out of the table. */
  removeLive(id: string, keepRecord: boolean): void {
    const numeric = Number(id);
    const index = lowerBound(this.sorted, numeric);
    if (this.sorted[index] === numeric) this.sorted.splice(index, 1);
    if (!keepRecord) this.records.delete(id);
  }
}
