import type { MetricSource } from '../config-schema';
import { DAY_MS, wholeDaysBetween } from '../snapshot';
import { parseHubSpotBool, parseHubSpotEnumeration, parseHubSpotNumber } from '../values';
import {
  measured,
  missingMeasurement,
  rawPropertyAt,
  readDate,
  readNumber,
  readProperty,
  report,
  type MeasureContext,
  type Measurement,
} from './measurement';

type SourceOf<T extends MetricSource['type']> = Extract<MetricSource, { type: T }>;

export function measureNumberProperty(
  source: SourceOf<'number_property'>,
  context: MeasureContext,
): Measurement {
  const read = readNumber(context, source.property);
  return 'missing' in read ? read.missing : measured(read.value);
}

/** Whole days since the date; negative when the date is after `asOf` (a renewal to come). */
export function measureDateProperty(
  source: SourceOf<'date_property'>,
  context: MeasureContext,
): Measurement {
  const read = readDate(context, source.property);
  return 'missing' in read ? read.missing : measured(wholeDaysBetween(read.value, context.asOf));
}

/** Maps the option to its points in the config, ignoring case when no exact key fits. */
export function measureEnumerationProperty(
  source: SourceOf<'enumeration_property'>,
  context: MeasureContext,
): Measurement {
  const read = readProperty(context, source.property, parseHubSpotEnumeration, 'an option');
  if ('missing' in read) return read.missing;

  const option = read.value;
  const exact = source.points[option];
  if (exact !== undefined) return measured(exact, { option });
  const folded = Object.entries(source.points).find(
    ([key]) => key.toLowerCase() === option.toLowerCase(),
  );
  if (folded !== undefined) return measured(folded[1], { option });

  report(context, source.property, option);
  return missingMeasurement(
    'unknown_option',
    `${source.property} option "${option}" has no points in the config`,
  );
}

/** 1 for true, 0 for false. */
export function measureBoolProperty(
  source: SourceOf<'bool_property'>,
  context: MeasureContext,
): Measurement {
  const read = readProperty(context, source.property, parseHubSpotBool, 'true or false');
  if ('missing' in read) return read.missing;
  return measured(read.value ? 1 : 0, { option: read.value ? 'yes' : 'no' });
}

/**
 * Whole days since the last contact. A contact dated after `asOf` counts as 0 days.
 * NOTE: without property history, a backtest at a past `asOf` cannot tell whether that later
 * contact replaced an earlier one, so it scores the account as contacted.
 */
export function measureLastContact(
  source: SourceOf<'last_contact'>,
  context: MeasureContext,
): Measurement {
  const read = readDate(context, source.property);
  if ('missing' in read) {
    const { missing } = read;
    if (missing.missing?.reason === 'no_value') {
      return missingMeasurement('no_value', 'no contact on record');
    }
    return missing;
  }
  return measured(Math.max(0, wholeDaysBetween(read.value, context.asOf)));
}

export function measureRatio(source: SourceOf<'ratio'>, context: MeasureContext): Measurement {
  const numerator = readNumber(context, source.numerator);
  const denominator = readNumber(context, source.denominator);
  if ('missing' in numerator) return numerator.missing;
  if ('missing' in denominator) return denominator.missing;
  if (denominator.value === 0) {
    return missingMeasurement('zero_denominator', `${source.denominator} is 0`);
  }
  return measured(numerator.value / denominator.value);
}

/**
 * Measures the property's value at `asOf` minus its value `days` earlier, from property
 * history. With `mode` `percent` the change is a percentage of the earlier value.
 */
export function measureChange(source: SourceOf<'change'>, context: MeasureContext): Measurement {
  const { property, days } = source;
  if ((context.snapshot.propertyHistory[property] ?? []).length === 0) {
    return missingMeasurement('no_history', `${property} has no property history`);
  }
  const current = readNumber(context, property);
  if ('missing' in current) return current.missing;

  const earlierAt = new Date(context.asOf.getTime() - days * DAY_MS);
  const earlierRaw = rawPropertyAt(context, property, earlierAt);
  const earlier = parseHubSpotNumber(earlierRaw);
  if (!earlier.ok) {
    if (earlier.reason === 'unparseable') report(context, `${property} (history)`, earlier.text);
    return missingMeasurement('no_history', `${property} has no value ${days} days before`);
  }

  const difference = current.value - earlier.value;
  if (source.mode === 'absolute') return measured(difference);
  if (earlier.value === 0) {
    return missingMeasurement('zero_base', `${property} was 0 ${days} days before`);
  }
  return measured((100 * difference) / Math.abs(earlier.value));
}
