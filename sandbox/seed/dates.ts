/**
 * Day arithmetic on UTC epoch days (whole days since 1970-01-01). The data set's dates carry no
 * time zone, so they are read as UTC, and the offset to real time is a whole number of days.
 */

export const DAY_MS = 86_400_000;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATA_SET_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Parses `YYYY-MM-DD` into an epoch day, or returns undefined when it is not a valid date. */
export function parseIsoDay(text: string): number | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return ms / DAY_MS;
}

/** Parses `YYYY-MM-DD HH:MM:SS` (UTC) into epoch milliseconds, or returns undefined. */
export function parseDataSetTimestamp(text: string): number | undefined {
  const match = DATA_SET_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const day = parseIsoDay(`${match[1]}-${match[2]}-${match[3]}`);
  const [hours, minutes, seconds] = [Number(match[4]), Number(match[5]), Number(match[6])];
  if (day === undefined || hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return day * DAY_MS + ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/** Formats an epoch day as `YYYY-MM-DD`. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Converts an epoch day to a proleptic Gregorian date (days-to-civil, no Date objects). */
function civilFromDay(day: number): { year: number; month: number; dayOfMonth: number } {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth };
}

/** Converts a proleptic Gregorian date (month 1 to 12) to an epoch day. */
function dayFromCivil(year: number, month: number, dayOfMonth: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthIndex = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthIndex + 2) / 5) + dayOfMonth - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Returns the epoch day `years` years after `day`. A 29 February start lands on 28 February in
 * years without one, as contract anniversaries usually do.
 */
export function addYears(day: number, years: number): number {
  const { year, month, dayOfMonth } = civilFromDay(day);
  const target = year + years;
  const clamped = month === 2 && dayOfMonth === 29 && !isLeapYear(target) ? 28 : dayOfMonth;
  return dayFromCivil(target, month, clamped);
}
