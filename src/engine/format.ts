/**
 * Formatters for values written to HubSpot. HubSpot rejects a whole batch update when one number
 * is in exponent notation (`String(5.551115123125783e-17)`), so numbers are always written as
 * plain decimals.
 */

const MAX_DECIMALS = 20;

/**
 * Formats a number as a plain decimal string with at most `decimals` fractional digits.
 *
 * Rounding is half away from zero on the shortest decimal form of the number (the digits
 * `String(n)` shows), so `1.005` becomes `"1.01"` at 2 decimals, as a person reading the value
 * expects, although the binary value is slightly below 1.005. Trailing fractional zeros are
 * dropped and negative zero is written as `"0"`. Throws a RangeError for NaN, Infinity or a
 * `decimals` outside 0-20.
 */
export function formatNumberForHubSpot(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`cannot write ${value} to HubSpot: only finite numbers are valid`);
  }
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new RangeError(`decimals must be an integer from 0 to ${MAX_DECIMALS}, got ${decimals}`);
  }

  const { digits, pointIndex } = decimalDigits(Math.abs(value));
  const rounded = roundDigits(digits, pointIndex, decimals);
  const text = joinDigits(rounded.digits, rounded.pointIndex);
  if (text === '0') return '0';
  return value < 0 ? `-${text}` : text;
}

/** Formats a date as HubSpot's date-property value: the UTC calendar day, `YYYY-MM-DD`. */
export function formatDateForHubSpot(date: Date): string {
  return validDate(date).toISOString().slice(0, 10);
}

/** Formats a date-time as ISO 8601 in UTC, e.g. `2024-06-01T12:00:00.000Z`. */
export function formatDateTime(date: Date): string {
  return validDate(date).toISOString();
}

function validDate(date: Date): Date {
  if (Number.isNaN(date.getTime())) {
    throw new RangeError('cannot write an invalid Date to HubSpot');
  }
  return date;
}

/**
 * Splits a non-negative finite number into its decimal digits and the position of the decimal
 * point in them: 12.5 gives ("125", 2) and 1e-7 gives ("1", -6).
 */
function decimalDigits(value: number): { digits: string; pointIndex: number } {
  const [mantissa = '0', exponentText] = String(value).split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  return { digits: whole + fraction, pointIndex: whole.length + exponent };
}

/** Rounds a digit string half away from zero to `decimals` digits after the point. */
function roundDigits(
  digits: string,
  pointIndex: number,
  decimals: number,
): { digits: string; pointIndex: number } {
  const keep = pointIndex + decimals;
  if (keep >= digits.length) return { digits, pointIndex };
  if (keep < 0) return { digits: '0', pointIndex: 1 };

  const kept = digits.slice(0, keep).split('').map(Number);
  const firstDropped = Number(digits[keep]);
  let newPointIndex = pointIndex;
  if (firstDropped >= 5) {
    let position = kept.length - 1;
    while (position >= 0 && kept[position] === 9) {
      kept[position] = 0;
      position -= 1;
    }
    if (position >= 0) {
      kept[position] = (kept[position] ?? 0) + 1;
    } else {
      kept.unshift(1);
      newPointIndex += 1;
    }
  }
  if (kept.length === 0) return { digits: '0', pointIndex: 1 };
  return { digits: kept.join(''), pointIndex: newPointIndex };
}

/** Places the decimal point, pads with zeros and strips leading and trailing zeros. */
function joinDigits(digits: string, pointIndex: number): string {
  let whole: string;
  let fraction: string;
  if (pointIndex <= 0) {
    whole = '0';
    fraction = '0'.repeat(-pointIndex) + digits;
  } else if (pointIndex >= digits.length) {
    whole = digits + '0'.repeat(pointIndex - digits.length);
    fraction = '';
  } else {
    whole = digits.slice(0, pointIndex);
    fraction = digits.slice(pointIndex);
  }
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}
