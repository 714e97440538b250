/** Faults the sandbox injects, globally or per portal. */
export interface FaultConfig {
  /** Share (0 to 1) of API responses replaced by a 502, 503 or 504. */
  serverErrorRate: number;
  /** Milliseconds of delay added to every API response. */
  latencyMs: number;
  /** The next N API requests get 429 TEN_SECONDLY_ROLLING. */
  burst429: number;
  /** Destroy the sockets of API requests without sending a response. */
  refuseConnections: boolean;
  /** Share of webhook events delivered twice. */
  webhookDuplicateRate: number;
  /** Shuffle webhook events within and across batches. */
  webhookReorder: boolean;
  /** Share of webhook deliveries treated as failed, which forces retries. */
  webhookFailureRate: number;
  /**
   * Association listings, per record and per input of a batch read, return the request's own
   * `after` as the next cursor.
   */
  repeatAssociationCursor: boolean;
}

export const NO_FAULTS: FaultConfig = {
  serverErrorRate: 0,
  latencyMs: 0,
  burst429: 0,
  refuseConnections: false,
  webhookDuplicateRate: 0,
  webhookReorder: false,
  webhookFailureRate: 0,
  repeatAssociationCursor: false,
};

const RATE_FIELDS = ['serverErrorRate', 'webhookDuplicateRate', 'webhookFailureRate'] as const;
const COUNT_FIELDS = ['latencyMs', 'burst429'] as const;
const FLAG_FIELDS = ['refuseConnections', 'webhookReorder', 'repeatAssociationCursor'] as const;

/** Checks a partial fault config from a caller or the admin endpoint; throws on a bad field. */
export function parseFaults(input: unknown): Partial<FaultConfig> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('Faults must be a JSON object such as {"serverErrorRate": 0.1}.');
  }
  const result: Partial<FaultConfig> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((RATE_FIELDS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || value < 0 || value > 1) {
        throw new Error(`Fault ${key} must be a number from 0 to 1, got ${JSON.stringify(value)}.`);
      }
      result[key as (typeof RATE_FIELDS)[number]] = value;
    } else if ((COUNT_FIELDS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new Error(
          `Fault ${key} must be a whole number of at least 0, got ${JSON.stringify(value)}.`,
        );
      }
      result[key as (typeof COUNT_FIELDS)[number]] = value;
    } else if ((FLAG_FIELDS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') {
        throw new Error(`Fault ${key} must be true or false, got ${JSON.stringify(value)}.`);
      }
      result[key as (typeof FLAG_FIELDS)[number]] = value;
    } else {
      throw new Error(`Unknown fault ${key}. Known faults: ${Object.keys(NO_FAULTS).join(', ')}.`);
    }
  }
  return result;
}

/** Global faults plus per-portal overrides; a portal's own setting wins over the global one. */
export class FaultController {
  private global: FaultConfig = { ...NO_FAULTS };
  private readonly perPortal = new Map<number, Partial<FaultConfig>>();

  constructor(initial: Partial<FaultConfig> = {}) {
    this.set(initial);
  }

  set(faults: Partial<FaultConfig>, portalId?: number): void {
    const checked = parseFaults(faults);
    if (portalId === undefined) this.global = { ...this.global, ...checked };
    else this.perPortal.set(portalId, { ...this.perPortal.get(portalId), ...checked });
  }

  clear(): void {
    this.global = { ...NO_FAULTS };
    this.perPortal.clear();
  }

  /** Returns the faults in force for one portal. */
  forPortal(portalId: number): FaultConfig {
    return { ...this.global, ...this.perPortal.get(portalId) };
  }

  /** Uses one of the queued 429 responses, the portal's own first; returns whether one was left. */
  takeBurst429(portalId: number): boolean {
    const own = this.perPortal.get(portalId);
    if (own?.burst429 !== undefined && own.burst429 > 0) {
      own.burst429 -= 1;
      return true;
    }
    if (this.global.burst429 > 0) {
      this.global.burst429 -= 1;
      return true;
    }
    return false;
  }
}
