import { parseHubSpotDate, type RawValue } from './values';

/** One company as the worker read it from HubSpot, with its property values as raw strings. */
export interface CompanySnapshot {
  /** `hs_object_id`. */
  id: string;
  /** Raw HubSpot strings; a property that was not read is absent, a cleared one is `""`. */
  properties: Record<string, string | null>;
  /** Property history, newest first, as `propertiesWithHistory` returns it. */
  propertyHistory: Record<string, { value: string; timestamp: string }[]>;
  /** Associated tickets; `stageClosed` is the pipeline stage's `isClosed` flag. */
  tickets: TicketRecord[];
  /** Feedback submissions of the company's contacts. */
  feedback: FeedbackRecord[];
}

export interface TicketRecord {
  id: string;
  properties: Record<string, string | null>;
  stageClosed: boolean;
}

export interface FeedbackRecord {
  id: string;
  properties: Record<string, string | null>;
}

/** A raw value that a metric needed but could not read. */
export interface UnparseableValue {
  metricId: string;
  property: string;
  value: string | null;
  /** The ticket or feedback submission the value belongs to, when it is not the company's. */
  objectId?: string;
}

/** One timestamped value of a property, from its history. */
export interface HistoryPoint {
  value: string;
  at: Date;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Returns a property's history as parsed points, newest first, with entries after `asOf`
 * dropped. Returns undefined when the snapshot has no history for the property. Entries whose
 * timestamp cannot be read are skipped and reported through `onUnparseable`.
 */
export function historyUntil(
  snapshot: CompanySnapshot,
  property: string,
  asOf: Date,
  onUnparseable: (timestamp: string) => void,
): HistoryPoint[] | undefined {
  const entries = snapshot.propertyHistory[property];
  if (entries === undefined || entries.length === 0) return undefined;

  const points: HistoryPoint[] = [];
  for (const entry of entries) {
    const at = parseHubSpotDate(entry.timestamp);
    if (!at.ok) {
      onUnparseable(entry.timestamp);
      continue;
    }
    if (at.value.getTime() <= asOf.getTime()) points.push({ value: entry.value, at: at.value });
  }
  // Sorting guards against a reader that lists history oldest first. Entries with equal
  // timestamps keep their listed order (the sort is stable).
  points.sort((a, b) => b.at.getTime() - a.at.getTime());
  return points;
}

/**
 * Returns a property's raw value at `asOf`. With history, that is the newest entry at or before
 * `asOf`, or null when the property had no value yet, so a backtest never reads later values.
 * Without history it is the current value.
 */
export function propertyValueAt(
  snapshot: CompanySnapshot,
  property: string,
  asOf: Date,
  onUnparseableTimestamp: (timestamp: string) => void,
): RawValue {
  const history = historyUntil(snapshot, property, asOf, onUnparseableTimestamp);
  if (history === undefined) return snapshot.properties[property];
  return history[0]?.value ?? null;
}

/** Whole days from `date` to `asOf`, rounded down; negative when `date` is after `asOf`. */
export function wholeDaysBetween(date: Date, asOf: Date): number {
  return Math.floor((asOf.getTime() - date.getTime()) / DAY_MS);
}
