/** Object types the sandbox stores, named by their CRM v3 path segment. */
export type CrmObjectType =
  'companies' | 'contacts' | 'deals' | 'tickets' | 'tasks' | 'notes' | 'feedback_submissions';

/** One change applied to a portal's data, as the store emits it after every write. */
export interface ChangeEvent {
  portalId: number;
  objectType: CrmObjectType;
  objectId: string;
  kind: 'creation' | 'deletion' | 'propertyChange' | 'associationChange' | 'merge' | 'restore';
  /** Epoch milliseconds, real time when the store applied the change. */
  occurredAt: number;
  /** 'API', 'CRM_UI', 'INTEGRATION', 'IMPORT', 'SCENARIO' and so on. */
  changeSource: string;
  /** For example 'userId:123', or the app id for API writes. */
  sourceId?: string;
  /** Set on propertyChange events. */
  propertyName?: string;
  /** New value as a string, '' when cleared. Set on propertyChange events. */
  propertyValue?: string;
  association?: {
    fromType: CrmObjectType;
    fromId: string;
    toType: CrmObjectType;
    toId: string;
    /** HubSpot's association name, for example COMPANY_TO_TICKET. */
    associationType: string;
    removed: boolean;
    isPrimary: boolean;
  };
  merge?: {
    primaryObjectId: string;
    mergedObjectIds: string[];
    newObjectId: string;
    numberOfPropertiesMoved: number;
  };
  /** The app that made the write (API writes with an app token). HubSpot delivers an app's own
   *  writes to it too, so delivery does not skip these. */
  appId?: number;
}

/** Source of change events; `subscribe` returns a function that removes the listener. */
export interface ChangeFeed {
  subscribe(listener: (event: ChangeEvent) => void): () => void;
}
