import type { PortalHandle } from '../../../sandbox';
import { flipUsage } from '../bench/changes';

/** What a chaos change did, for the report. */
export type ChangeKind = 'usage' | 'ticketOpened' | 'ticketClosed' | 'npsAnswer';

/**
 * The webhook stream of the chaos suite: CRM changes the suite makes itself, so it can tell which
 * company each one affects and when. Company property changes, new and closed tickets and new
 * NPS answers all reach a company's score through a different webhook path.
 */
export class ChangeStream {
  /** Store time of the latest change per company, in epoch ms. */
  readonly lastChangeAt = new Map<string, number>();
  readonly counts: Record<ChangeKind, number> = {
    usage: 0,
    ticketOpened: 0,
    ticketClosed: 0,
    npsAnswer: 0,
  };
  private sequence = 0;

  constructor(
    private readonly portal: PortalHandle,
    private readonly companies: string[],
    private readonly random: () => number,
  ) {}

  /** Makes one change on a random company and records it. */
  step(): void {
    const companyId = this.companies[Math.floor(this.random() * this.companies.length)] as string;
    const roll = this.random();
    const at = Date.now();
    if (roll < 0.4) {
      flipUsage(this.portal, companyId);
      this.counts.usage += 1;
    } else if (roll < 0.65) {
      this.openTicket(companyId);
    } else if (roll < 0.85) {
      if (!this.closeTicket(companyId)) this.openTicket(companyId);
    } else if (!this.answerNps(companyId)) {
      flipUsage(this.portal, companyId);
      this.counts.usage += 1;
    }
    this.lastChangeAt.set(companyId, at);
  }

  private openTicket(companyId: string): void {
    this.sequence += 1;
    this.portal.createObject(
      'tickets',
      {
        subject: `Chaos ticket ${this.sequence}`,
        hs_pipeline: '0',
        hs_pipeline_stage: '1',
        hs_ticket_priority: this.random() < 0.5 ? 'HIGH' : 'LOW',
      },
      [{ toType: 'companies', toId: companyId }],
      'CRM_UI',
    );
    this.counts.ticketOpened += 1;
  }

  private closeTicket(companyId: string): boolean {
    const open = this.portal.associatedIds('companies', companyId, 'tickets').find((id) => {
      const ticket = this.portal.getObject('tickets', id);
      return ticket && !ticket.archived && ticket.properties.hs_pipeline_stage !== '4';
    });
    if (!open) return false;
    this.portal.updateObject('tickets', open, { hs_pipeline_stage: '4' }, 'CRM_UI');
    this.counts.ticketClosed += 1;
    return true;
  }

  private answerNps(companyId: string): boolean {
    const contact = this.portal.associatedIds('companies', companyId, 'contacts')[0];
    if (!contact) return false;
    this.portal.createObject(
      'feedback_submissions',
      {
        hs_survey_type: 'NPS',
        hs_value: String(Math.floor(this.random() * 11)),
        hs_submission_timestamp: new Date().toISOString(),
      },
      [{ toType: 'contacts', toId: contact }],
      'CRM_UI',
    );
    this.counts.npsAnswer += 1;
    return true;
  }
}

/** A small seeded generator (mulberry32), so a chaos run can be repeated with `--seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
