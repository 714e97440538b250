import type { MissingReason } from '../result-types';
import { propertyValueAt, type CompanySnapshot, type UnparseableValue } from '../snapshot';
import { parseHubSpotDate, parseHubSpotNumber, type ParsedValue, type RawValue } from '../values';

/** The raw value one metric's source measured for one company at `asOf`, or why it has none. */
export interface Measurement {
  raw: number | null;
  missing?: { reason: MissingReason; detail: string };
  /** Facts behind the raw value that the driver text names. */
  facts: MeasurementFacts;
}

export interface MeasurementFacts {
  /** The enumeration option that was mapped to points. */
  option?: string;
  /** Open tickets with priority HIGH or URGENT among those counted. */
  highPriority?: number;
  /** Number of feedback responses behind a mean. */
  samples?: number;
}

/** The inputs every source reads from, and the list that collects unreadable values. */
export interface MeasureContext {
  snapshot: CompanySnapshot;
  asOf: Date;
  metricId: string;
  unparseable: UnparseableValue[];
}

export function measured(raw: number, facts: MeasurementFacts = {}): Measurement {
  if (!Number.isFinite(raw)) {
    return missingMeasurement('out_of_range', 'the value is too large to score');
  }
  return { raw, facts };
}

export function missingMeasurement(reason: MissingReason, detail: string): Measurement {
  return { raw: null, missing: { reason, detail }, facts: {} };
}

export function report(
  context: MeasureContext,
  property: string,
  value: string | null,
  objectId?: string,
): void {
  const entry: UnparseableValue = { metricId: context.metricId, property, value };
  if (objectId !== undefined) entry.objectId = objectId;
  context.unparseable.push(entry);
}

/** Reads a company property's raw value at `asOf`, reporting unreadable history timestamps. */
export function rawPropertyAt(
  context: MeasureContext,
  property: string,
  at = context.asOf,
): RawValue {
  return propertyValueAt(context.snapshot, property, at, (timestamp) =>
    report(context, `${property} (history timestamp)`, timestamp),
  );
}

/**
 * Parses a company property at `asOf`; returns the value, or the Measurement to use because it
 * is missing. Unreadable values are reported.
 */
export function readProperty<T>(
  context: MeasureContext,
  property: string,
  parse: (raw: RawValue) => ParsedValue<T>,
  expected: string,
): { value: T } | { missing: Measurement } {
  const raw = rawPropertyAt(context, property);
  const parsed = parse(raw);
  if (parsed.ok) return { value: parsed.value };
  if (parsed.reason === 'no_value') {
    return { missing: missingMeasurement('no_value', `${property} has no value`) };
  }
  report(context, property, parsed.text);
  return {
    missing: missingMeasurement(
      'unparseable',
      `${property} value "${parsed.text}" is not ${expected}`,
    ),
  };
}

export function readNumber(
  context: MeasureContext,
  property: string,
): { value: number } | { missing: Measurement } {
  return readProperty(context, property, parseHubSpotNumber, 'a number');
}

export function readDate(
  context: MeasureContext,
  property: string,
): { value: Date } | { missing: Measurement } {
  return readProperty(context, property, parseHubSpotDate, 'a date');
}
