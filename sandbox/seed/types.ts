/**
 * The contract between the seed builders and the sandbox store. The store loads a `SeedPortal`
 * as the portal's starting state, then plays the `ScenarioDay` list through its write path, so
 * every scenario change records property history and emits change events like an API write.
 *
 * All times in a seed and a scenario are real times: the data-set offset is already applied.
 */
import type { CrmObjectType } from '../store/changes';

export type { CrmObjectType };

export interface SeedRecord {
  /** Numeric string, unique per object type in the portal. */
  id: string;
  /** HubSpot property values as strings. */
  properties: Record<string, string>;
  /**
   * Values per property over time, oldest first, with ISO timestamps. The last entry is the
   * current value. Entries may be shared (frozen) between records, so copy them, never mutate.
   */
  history?: Record<string, { value: string; timestamp: string }[]>;
  /** ISO timestamp. */
  createdAt: string;
}

/** One association, listed once in one direction; `primary` marks the primary company. */
export interface SeedAssociation {
  fromType: CrmObjectType;
  fromId: string;
  toType: CrmObjectType;
  toId: string;
  primary?: boolean;
}

export interface SeedPropertyDefinition {
  objectType: CrmObjectType;
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
  options?: { label: string; value: string; displayOrder: number; hidden: boolean }[];
}

export interface SeedOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  teams?: { id: string; name: string; primary: boolean }[];
  archived?: boolean;
  role: 'csm' | 'ae';
}

export interface SeedPortal {
  /** Data-set date (ISO date) the portal starts at, 30 data-set days before the data ends. */
  dataSetStart: string;
  /** Real time = data-set time + offsetMs. One fixed offset for the whole portal. */
  offsetMs: number;
  /** IANA time zone, e.g. 'America/New_York'. */
  timeZone: string;
  owners: SeedOwner[];
  propertyGroups: {
    objectType: CrmObjectType;
    name: string;
    label: string;
    displayOrder: number;
  }[];
  /** Custom properties only. HubSpot's default properties are defined by the store. */
  properties: SeedPropertyDefinition[];
  companies: SeedRecord[];
  contacts: SeedRecord[];
  deals: SeedRecord[];
  tickets: SeedRecord[];
  notes: SeedRecord[];
  feedbackSubmissions: SeedRecord[];
  associations: SeedAssociation[];
}

export type ScenarioChange =
  | {
      kind: 'create';
      objectType: CrmObjectType;
      id: string;
      properties: Record<string, string>;
      associations?: { toType: CrmObjectType; toId: string }[];
    }
  | { kind: 'update'; objectType: CrmObjectType; id: string; properties: Record<string, string> }
  | {
      kind: 'associate' | 'disassociate';
      fromType: CrmObjectType;
      fromId: string;
      toType: CrmObjectType;
      toId: string;
    }
  | { kind: 'delete'; objectType: CrmObjectType; id: string };

export interface ScenarioDay {
  /** Data-set ISO date. */
  day: string;
  /**
   * The day's changes in the order to apply them. The RavenStack builder computes them on the
   * first read (a getter) and keeps them. Association lists of creations may be shared and
   * frozen.
   */
  changes: ScenarioChange[];
}

export interface RavenstackPortalOptions {
  /** Real time the portal starts at; its UTC day is mapped to the data-set start day. */
  now: Date;
  /** Resample RavenStack to this many companies (default: the 500 accounts as they are). */
  companies?: number;
  /** Seed of the generated fields (default 1). */
  randomSeed?: number;
  /** Folder with the five RavenStack CSV files (default: the copy shipped in sandbox/data). */
  dataDir?: string;
}

export interface BuiltPortal {
  seed: SeedPortal;
  scenario: ScenarioDay[];
}
