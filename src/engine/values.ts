import { z } from 'zod';

/**
 * Parsers for the strings HubSpot sends as property values. HubSpot returns every CRM property as
 * `string | null`: numbers as `"12"`, `"12.0"` or `"1.2e3"`, dates as ISO text or epoch
 * milliseconds, booleans as `"true"`/`"false"`, and a cleared value as `""`. Each parser returns
 * either a value or the reason there is none, so that callers can tell "no value" from "a value
 * that could not be read" and report the second.
 */
export type ParsedValue<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'no_value' }
  | { ok: false; reason: 'unparseable'; text: string };

export type RawValue = string | null | undefined;

/** Plain decimal or exponent notation, with an optional sign. Rejects hex, commas and words. */
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export const hubspotNumberSchema = z
  .string()
  .trim()
  .regex(NUMBER_PATTERN)
  .transform(Number)
  .refine(Number.isFinite);

const isoDateSchema = z.iso.date();
const isoDateTimeSchema = z.iso.datetime({ offset: true });

/**
 * A date as HubSpot sends it: `YYYY-MM-DD` (a date property, read as midnight UTC), an ISO
 * date-time with `Z` or an offset, or epoch milliseconds as an integer string.
 */
export const hubspotDateSchema = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const date = toDate(text);
    if (date === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not an ISO date or epoch ms` });
      return z.NEVER;
    }
    return date;
  });

export const hubspotBoolSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0']))
  .transform((text) => text === 'true' || text === '1');

export const hubspotEnumerationSchema = z.string().trim().min(1);

/** Largest epoch-ms magnitude a JavaScript Date can hold (about 275,000 years). */
const MAX_EPOCH_MS = 8.64e15;

function toDate(text: string): Date | undefined {
  if (NUMBER_PATTERN.test(text)) {
    const epochMs = Number(text);
    if (!Number.isInteger(epochMs) || Math.abs(epochMs) > MAX_EPOCH_MS) return undefined;
    return new Date(epochMs);
  }
  if (isoDateSchema.safeParse(text).success) return new Date(`${text}T00:00:00.000Z`);
  if (isoDateTimeSchema.safeParse(text).success) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function parseWith<T>(schema: z.ZodType<T, string>, raw: RawValue): ParsedValue<T> {
  if (raw === null || raw === undefined || raw.trim() === '')
    return { ok: false, reason: 'no_value' };
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reason: 'unparseable', text: raw };
}

/** Parses a HubSpot number; `""`, whitespace and `null` are no value, `"NaN"` is unparseable. */
export function parseHubSpotNumber(raw: RawValue): ParsedValue<number> {
  return parseWith(hubspotNumberSchema, raw);
}

/** Parses a HubSpot date or date-time (ISO text or epoch ms). */
export function parseHubSpotDate(raw: RawValue): ParsedValue<Date> {
  return parseWith(hubspotDateSchema, raw);
}

/** Parses a HubSpot bool: `true`/`false` in any case, or `1`/`0`. */
export function parseHubSpotBool(raw: RawValue): ParsedValue<boolean> {
  return parseWith(hubspotBoolSchema, raw);
}

/** Parses an enumeration option: the internal value, trimmed. */
export function parseHubSpotEnumeration(raw: RawValue): ParsedValue<string> {
  return parseWith(hubspotEnumerationSchema, raw);
}
