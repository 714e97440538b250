import type { PropertyDefinition } from './property-definitions';

/** One entry of HubSpot's property validation list, as it appears inside a VALIDATION_ERROR. */
export interface PropertyValueError {
  isValid: false;
  message: string;
  error: string;
  name: string;
}

export type ValueCheck = { ok: true; value: string } | { ok: false; error: PropertyValueError };

const DAY_MS = 86_400_000;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const EPOCH_MS = /^-?\d+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function invalid(name: string, error: string, message: string): ValueCheck {
  return { ok: false, error: { isValid: false, message, error, name } };
}

/** Converts a JSON property value to HubSpot's string form; objects and arrays have none. */
export function toPropertyString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function parseIsoDate(text: string): number | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2024-02-31 over to March, so compare the round trip.
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : undefined;
}

/** Parses an epoch-milliseconds string, an ISO date or an ISO date-time to epoch ms. */
export function parseTimestamp(text: string): number | undefined {
  if (EPOCH_MS.test(text)) return Number(text);
  const dateOnly = parseIsoDate(text);
  if (dateOnly !== undefined) return dateOnly;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function checkDate(definition: PropertyDefinition, value: string): ValueCheck {
  const ms = parseTimestamp(value);
  if (ms === undefined) {
    return invalid(
      definition.name,
      'INVALID_DATE',
      `${value} was not a valid date. Send YYYY-MM-DD or epoch milliseconds at midnight UTC.`,
    );
  }
  if (ms % DAY_MS !== 0) {
    return invalid(
      definition.name,
      'INVALID_DATE',
      `${value} is not at midnight UTC (${new Date(ms).toISOString()}). A date property takes YYYY-MM-DD or epoch milliseconds at midnight UTC.`,
    );
  }
  return { ok: true, value: new Date(ms).toISOString().slice(0, 10) };
}

function checkEnumeration(
  definition: PropertyDefinition,
  value: string,
  ownerIds: ReadonlySet<string>,
): ValueCheck {
  const allowed = definition.ownerReference
    ? [...ownerIds]
    : definition.options.map((option) => option.value);
  const multiple = definition.fieldType === 'checkbox';
  const parts = multiple ? value.split(';').filter((part) => part !== '') : [value];
  for (const part of parts) {
    if (!allowed.includes(part)) {
      return invalid(
        definition.name,
        'INVALID_OPTION',
        `${part} was not one of the allowed options: [${allowed.join(', ')}]`,
      );
    }
  }
  return { ok: true, value: parts.join(';') };
}

/**
 * Validates one incoming value against its property definition and returns the stored form:
 * dates become YYYY-MM-DD, date-times ISO 8601 UTC, booleans lower case. `""` clears any type.
 */
export function checkPropertyValue(
  definition: PropertyDefinition,
  value: string,
  ownerIds: ReadonlySet<string>,
): ValueCheck {
  if (value === '') return { ok: true, value };
  switch (definition.type) {
    case 'number':
      if (!DECIMAL.test(value)) {
        return invalid(definition.name, 'INVALID_INTEGER', `${value} was not a valid number.`);
      }
      return { ok: true, value };
    case 'enumeration':
      return checkEnumeration(definition, value, ownerIds);
    case 'bool': {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        return invalid(
          definition.name,
          'INVALID_OPTION',
          `${value} was not one of the allowed options: [true, false]`,
        );
      }
      return { ok: true, value: lower };
    }
    case 'date':
      return checkDate(definition, value);
    case 'datetime': {
      const ms = parseTimestamp(value);
      if (ms === undefined) {
        return invalid(
          definition.name,
          'INVALID_DATE',
          `${value} was not a valid date-time. Send ISO 8601 (2026-01-31T09:30:00Z) or epoch milliseconds.`,
        );
      }
      return { ok: true, value: new Date(ms).toISOString() };
    }
    default:
      return { ok: true, value };
  }
}

export function unknownPropertyError(name: string): PropertyValueError {
  return {
    isValid: false,
    message: `Property "${name}" does not exist`,
    error: 'PROPERTY_DOESNT_EXIST',
    name,
  };
}

export function readOnlyPropertyError(name: string): PropertyValueError {
  return {
    isValid: false,
    message: `${name} is a read-only property; its value cannot be set.`,
    error: 'READ_ONLY_VALUE',
    name,
  };
}
