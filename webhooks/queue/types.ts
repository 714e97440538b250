/** CRM objects whose changes reach a company's score through an association. */
export type RefObjectType = 'contacts' | 'deals' | 'tickets' | 'feedback_submissions';

/**
 * A changed or deleted object that is not a company. The worker resolves it to the companies it
 * belongs to: through association reads while it exists, through the stored reverse index once it
 * is deleted.
 */
export interface ObjectRef {
  objectType: RefObjectType;
  objectId: string;
  deleted: boolean;
}

/** Reason a company waits for a recompute; webhook work runs ahead of backfill and sweep work. */
export type MarkReason = 'webhook' | 'backfill' | 'sweep';

/** The work one webhook batch (or a sweep) requests for one portal. */
export interface PortalMarks {
  portalId: number;
  /** Companies to recompute. */
  companies: string[];
  /** Non-company objects to resolve to companies. */
  objectRefs: ObjectRef[];
  /** Companies that were deleted or merged away: their marks and stored results are dropped. */
  droppedCompanies: string[];
}
