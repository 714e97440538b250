/** Shared pieces of a portal build: the time mapping, record ids and the scenario's day buckets. */
import { DAY_MS, isoDay, startOfUtcDay } from './dates';
import type {
  CrmObjectType,
  ScenarioChange,
  ScenarioDay,
  SeedAssociation,
  SeedRecord,
} from './types';

/**
 * Maps data-set time to real time with one offset of whole days, chosen so that the data-set
 * start day is the real UTC day of `now`.
 */
export class Clock {
  readonly offsetDays: number;
  readonly offsetMs: number;
  readonly nowMs: number;

  constructor(
    /** Data-set day the portal starts at (epoch day). */
    readonly startDay: number,
    /** Last data-set day, the scenario's last day. */
    readonly lastDay: number,
    /** First data-set day with data. */
    readonly firstDay: number,
    now: Date,
  ) {
    this.nowMs = now.getTime();
    this.offsetMs = startOfUtcDay(this.nowMs) - startDay * DAY_MS;
    this.offsetDays = this.offsetMs / DAY_MS;
  }

  private readonly midnightTexts = new Map<number, string>();
  private readonly dateTexts = new Map<number, string>();

  /** Real time of a data-set instant, as an ISO timestamp. */
  realIso(dataSetMs: number): string {
    const realMs = dataSetMs + this.offsetMs;
    if (realMs % DAY_MS !== 0) return new Date(realMs).toISOString();
    // Midnights repeat across records (history weeks, renewal dates), so share their strings.
    let text = this.midnightTexts.get(realMs);
    if (text === undefined) {
      text = new Date(realMs).toISOString();
      this.midnightTexts.set(realMs, text);
    }
    return text;
  }

  /**
   * Real time of a data-set instant for a seed record. Events of the start day that lie later
   * in the day than `now` are stamped with `now`, so the seed contains no future timestamps.
   */
  seedIso(dataSetMs: number): string {
    return this.realIso(Math.min(dataSetMs, this.nowMs - this.offsetMs));
  }

  /** Real date (YYYY-MM-DD) of a data-set day, the value format of HubSpot date properties. */
  realDate(day: number): string {
    let text = this.dateTexts.get(day);
    if (text === undefined) {
      text = isoDay(day + this.offsetDays);
      this.dateTexts.set(day, text);
    }
    return text;
  }

  /** Data-set day of a data-set instant. */
  dayOf(dataSetMs: number): number {
    return Math.floor(dataSetMs / DAY_MS);
  }
}

const SMALL_INT_TEXTS: string[] = [];

/** Formats a number as a HubSpot string, sharing the strings of small whole numbers. */
export function numberText(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value >= 100_000) return String(value);
  return (SMALL_INT_TEXTS[value] ??= String(value));
}

/** A record whose id is assigned once every record of its type is known. */
export interface Draft {
  id: string;
  /** Position in creation order within the object type, from 0. */
  rank: number;
}

/**
 * Numeric ids, increasing in creation order, starting at a HubSpot-like large number. Creation
 * times stay in a plain number array, so the drafts that records keep are small.
 */
export class IdSequence {
  private readonly drafts: Draft[] = [];
  private readonly createdMs: number[] = [];

  constructor(private readonly firstId: number) {}

  get size(): number {
    return this.drafts.length;
  }

  /** Adds a record created at `createdMs` (data-set time, whole seconds). */
  add(createdMs: number): Draft {
    const draft = { id: '', rank: this.drafts.length };
    this.drafts.push(draft);
    this.createdMs.push(createdMs);
    return draft;
  }

  assign(): void {
    this.creationOrder().forEach((index, rank) => {
      const draft = this.drafts[index] as Draft;
      draft.rank = rank;
      draft.id = String(this.firstId + rank);
    });
  }

  /**
   * Returns the draft indexes sorted by creation time, then by insertion. Creation times are whole
   * seconds, so time and insertion index pack into one exact float and a native typed-array sort
   * does the work, which matters for a million drafts. Other times fall back to a comparator.
   */
  private creationOrder(): number[] {
    const times = this.createdMs;
    let minMs = Infinity;
    let maxMs = -Infinity;
    let wholeSeconds = true;
    for (const ms of times) {
      minMs = Math.min(minMs, ms);
      maxMs = Math.max(maxMs, ms);
      if (ms % 1000 !== 0) wholeSeconds = false;
    }
    const indexes = times.map((_, index) => index);
    if (!wholeSeconds || (maxMs - minMs) / 1000 >= 2 ** 30 || times.length >= 2 ** 22) {
      return indexes.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
    }
    const keys = new Float64Array(times.length);
    indexes.forEach((index) => {
      keys[index] = (((times[index] as number) - minMs) / 1000) * 2 ** 22 + index;
    });
    keys.sort();
    return Array.from(keys, (key) => key % 2 ** 22);
  }
}

/** First id of each object type, in the ranges HubSpot portals use. */
export const FIRST_IDS = {
  companies: 18_000_000_001,
  contacts: 51_000_000_001,
  deals: 21_000_000_001,
  tickets: 32_000_000_001,
  notes: 61_000_000_001,
  feedbackSubmissions: 71_000_000_001,
} as const;

/**
 * Order of the changes within a scenario day. Objects are created before they are updated, and
 * a company's NPS score is updated after the response it mirrors exists.
 */
export enum Phase {
  CompanyState,
  DealCreate,
  DealUpdate,
  TicketCreate,
  TicketUpdate,
  FeedbackCreate,
  NoteCreate,
  NpsScore,
}
const PHASE_COUNT = Object.keys(Phase).length / 2;
const CREATE_PHASES = new Set([
  Phase.DealCreate,
  Phase.TicketCreate,
  Phase.FeedbackCreate,
  Phase.NoteCreate,
]);

/** Collects the scenario changes of the data-set days `firstDay` to `lastDay` into buckets. */
export class ScenarioBuilder {
  private readonly days: ScenarioChange[][][];
  /** Draft ranks of the changes, parallel to `days`, for sorting creations into id order. */
  private readonly ranks: number[][][];

  constructor(
    readonly firstDay: number,
    readonly lastDay: number,
  ) {
    const count = lastDay - firstDay + 1;
    const buckets = <T>() =>
      Array.from({ length: count }, () => Array.from({ length: PHASE_COUNT }, () => [] as T[]));
    this.days = buckets<ScenarioChange>();
    this.ranks = buckets<number>();
  }

  covers(day: number): boolean {
    return day >= this.firstDay && day <= this.lastDay;
  }

  /** Adds a change; a creation passes its draft, so creations can be listed in id order. */
  add(day: number, phase: Phase, change: ScenarioChange, draft?: Draft): void {
    const index = day - this.firstDay;
    const bucket = this.days[index];
    if (!bucket) throw new Error(`Day ${isoDay(day)} is outside this scenario builder's days.`);
    (bucket[phase] as ScenarioChange[]).push(change);
    if (CREATE_PHASES.has(phase)) {
      ((this.ranks[index] as number[][])[phase] as number[]).push(draft?.rank ?? 0);
    }
  }

  build(): ScenarioDay[] {
    return this.days.map((phases, index) => {
      const changes: ScenarioChange[] = [];
      phases.forEach((list, phase) => {
        if (!CREATE_PHASES.has(phase)) {
          for (const change of list) changes.push(change);
          return;
        }
        // Creations of one type are listed in id order, which is their creation order.
        const ranks = (this.ranks[index] as number[][])[phase] as number[];
        const order = list.map((_, position) => position);
        order.sort((a, b) => (ranks[a] as number) - (ranks[b] as number));
        for (const position of order) changes.push(list[position] as ScenarioChange);
      });
      return { day: isoDay(this.firstDay + index), changes };
    });
  }
}

export type SeedListName =
  'companies' | 'contacts' | 'deals' | 'tickets' | 'notes' | 'feedbackSubmissions';

/**
 * The seed's records and associations as they are produced. Records are placed by id, so each
 * list comes out in id order, which is creation order, without a sort.
 */
export class SeedCollector {
  private readonly slots: Record<SeedListName, (SeedRecord | undefined)[]>;
  readonly associations: SeedAssociation[] = [];

  /** `sizes`: the number of drafts of each type, seed and scenario together. */
  constructor(sizes: Record<SeedListName, number>) {
    const slots = (size: number) => new Array<SeedRecord | undefined>(size).fill(undefined);
    this.slots = {
      companies: slots(sizes.companies),
      contacts: slots(sizes.contacts),
      deals: slots(sizes.deals),
      tickets: slots(sizes.tickets),
      notes: slots(sizes.notes),
      feedbackSubmissions: slots(sizes.feedbackSubmissions),
    };
  }

  add(list: SeedListName, draft: Draft, record: SeedRecord): void {
    this.slots[list][draft.rank] = record;
  }

  associate(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    primary?: boolean,
  ): void {
    const association: SeedAssociation = { fromType, fromId, toType, toId };
    if (primary) association.primary = true;
    this.associations.push(association);
  }

  /** Returns the records of a list in id order. */
  records(list: SeedListName): SeedRecord[] {
    const records: SeedRecord[] = [];
    for (const record of this.slots[list]) if (record) records.push(record);
    return records;
  }
}
