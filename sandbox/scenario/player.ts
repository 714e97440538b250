import type { ScenarioChange, ScenarioDay } from '../seed/types';
import type { PortalStore, WriteSource } from '../store/portal-store';

/**
 * Source of scenario writes. The scenario plays the part of the customer's other integrations
 * (product usage sync, support desk), so its changes carry HubSpot's INTEGRATION source.
 */
export const SCENARIO_SOURCE: WriteSource = {
  sourceType: 'INTEGRATION',
  sourceId: 'sandbox-scenario',
};

export interface AdvanceResult {
  days: string[];
  changes: number;
  /** Changes the store rejected, with the reason; the rest of the day still applies. */
  skipped: { change: ScenarioChange; reason: string }[];
}

/**
 * Plays scenario days through the store's write path, one day per step, so every change
 * records history and emits change events stamped with the real time it is applied.
 */
export class ScenarioPlayer {
  private next = 0;

  constructor(
    private readonly store: PortalStore,
    private readonly days: ScenarioDay[],
  ) {}

  daysLeft(): number {
    return this.days.length - this.next;
  }

  advance(dayCount = 1): AdvanceResult {
    if (!Number.isInteger(dayCount) || dayCount < 1) {
      throw new Error(
        `advanceScenario takes a whole number of days of at least 1, got ${dayCount}`,
      );
    }
    const result: AdvanceResult = { days: [], changes: 0, skipped: [] };
    while (result.days.length < dayCount && this.next < this.days.length) {
      const day = this.days[this.next] as ScenarioDay;
      this.next += 1;
      for (const change of day.changes) {
        try {
          this.apply(change);
          result.changes += 1;
        } catch (error) {
          result.skipped.push({
            change,
            reason: error instanceof Error ? error.message : String(error),
          });
        }
      }
      result.days.push(day.day);
    }
    return result;
  }

  /** Plays a caller's own script of changes at once, through the same write path. */
  play(changes: ScenarioChange[]): AdvanceResult {
    const result: AdvanceResult = { days: [], changes: 0, skipped: [] };
    for (const change of changes) {
      try {
        this.apply(change);
        result.changes += 1;
      } catch (error) {
        result.skipped.push({
          change,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return result;
  }

  private apply(change: ScenarioChange): void {
    const store = this.store;
    switch (change.kind) {
      case 'create':
        store.create(
          change.objectType,
          store.validateOrThrow(change.objectType, change.properties),
          SCENARIO_SOURCE,
          {
            id: change.id,
            associations: change.associations,
          },
        );
        return;
      case 'update':
        store.update(
          change.objectType,
          change.id,
          store.validateOrThrow(change.objectType, change.properties),
          SCENARIO_SOURCE,
        );
        return;
      case 'associate':
        store.associate(
          change.fromType,
          change.fromId,
          change.toType,
          change.toId,
          SCENARIO_SOURCE,
        );
        return;
      case 'disassociate':
        store.disassociate(
          change.fromType,
          change.fromId,
          change.toType,
          change.toId,
          SCENARIO_SOURCE,
        );
        return;
      case 'delete':
        store.archive(change.objectType, change.id, SCENARIO_SOURCE);
        return;
    }
  }
}
