import type { HealthStatus } from './types';

/** The labels match the options of the `cs_health_status` company property. */
const STATUS_LABELS: Record<HealthStatus, string> = {
  healthy: 'Healthy',
  needs_attention: 'Needs attention',
  at_risk: 'At risk',
};

const STATUS_VARIANTS: Record<HealthStatus, 'success' | 'warning' | 'danger'> = {
  healthy: 'success',
  needs_attention: 'warning',
  at_risk: 'danger',
};

export function statusLabel(status: HealthStatus): string {
  return STATUS_LABELS[status];
}

export function statusVariant(status: HealthStatus): 'success' | 'warning' | 'danger' {
  return STATUS_VARIANTS[status];
}

/** Formats a number with at most `decimals` decimals, dropping trailing zeros and "-0". */
export function formatDecimal(value: number, decimals = 1): string {
  const factor = 10 ** decimals;
  const rounded = Math.round(value * factor) / factor;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

export function formatPercent(value: number): string {
  return `${formatDecimal(value)}%`;
}

/** Formats a score change in points with its sign, e.g. "+5", "-3" or "0". */
export function formatChange(delta: number): string {
  const text = formatDecimal(delta);
  return delta > 0 && text !== '0' ? `+${text}` : text;
}

/**
 * Formats an ISO time for the reader, in the portal's time zone when it is a valid IANA name and
 * in UTC otherwise, e.g. "Dec 4, 2026, 05:12 AM EST".
 */
export function formatTimestamp(iso: string, timeZone: string | undefined): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  };
  try {
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone }).format(date);
  } catch {
    // An unknown time zone name throws a RangeError.
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' }).format(date);
  }
}
