import type { MetricSource, TicketPriority } from '../config-schema';
import { DAY_MS, type TicketRecord } from '../snapshot';
import { parseHubSpotDate } from '../values';
import { measured, report, type MeasureContext, type Measurement } from './measurement';

type SourceOf<T extends MetricSource['type']> = Extract<MetricSource, { type: T }>;

const HIGH_PRIORITIES: ReadonlySet<string> = new Set<TicketPriority>(['HIGH', 'URGENT']);

/**
 * Counts the tickets open at `asOf`: created at or before it and not closed by then. A ticket is
 * closed by `asOf` when its `closed_date` is at or before `asOf`, or, without a `closed_date`,
 * when its pipeline stage is a closed one.
 */
export function measureOpenTickets(
  source: SourceOf<'open_tickets'>,
  context: MeasureContext,
): Measurement {
  let count = 0;
  let highPriority = 0;
  for (const ticket of context.snapshot.tickets) {
    const created = ticketCreatedAt(ticket, context);
    if (created === undefined || created.getTime() > context.asOf.getTime()) continue;
    if (isClosedBy(ticket, context)) continue;
    if (!matchesPriority(ticket, source.priorities)) continue;

    const ageDays = (context.asOf.getTime() - created.getTime()) / DAY_MS;
    if (source.minAgeDays !== undefined && ageDays < source.minAgeDays) continue;
    if (source.maxAgeDays !== undefined && ageDays > source.maxAgeDays) continue;

    count += 1;
    if (HIGH_PRIORITIES.has(priorityOf(ticket))) highPriority += 1;
  }
  return measured(count, { highPriority });
}

/** Counts the tickets created in the `days` days up to and including `asOf`. */
export function measureTicketsOpened(
  source: SourceOf<'tickets_opened'>,
  context: MeasureContext,
): Measurement {
  const windowStart = context.asOf.getTime() - source.days * DAY_MS;
  let count = 0;
  let highPriority = 0;
  for (const ticket of context.snapshot.tickets) {
    const created = ticketCreatedAt(ticket, context);
    if (created === undefined) continue;
    const time = created.getTime();
    if (time <= windowStart || time > context.asOf.getTime()) continue;
    if (!matchesPriority(ticket, source.priorities)) continue;
    count += 1;
    if (HIGH_PRIORITIES.has(priorityOf(ticket))) highPriority += 1;
  }
  return measured(count, { highPriority });
}

/** Returns the ticket's `createdate`, or undefined (reported) when it cannot be read. */
function ticketCreatedAt(ticket: TicketRecord, context: MeasureContext): Date | undefined {
  const raw = ticket.properties.createdate ?? null;
  const parsed = parseHubSpotDate(raw);
  if (parsed.ok) return parsed.value;
  report(context, 'createdate', parsed.reason === 'unparseable' ? parsed.text : null, ticket.id);
  return undefined;
}

function isClosedBy(ticket: TicketRecord, context: MeasureContext): boolean {
  const parsed = parseHubSpotDate(ticket.properties.closed_date);
  if (parsed.ok) return parsed.value.getTime() <= context.asOf.getTime();
  if (parsed.reason === 'unparseable') report(context, 'closed_date', parsed.text, ticket.id);
  return ticket.stageClosed;
}

function priorityOf(ticket: TicketRecord): string {
  return (ticket.properties.hs_ticket_priority ?? '').trim().toUpperCase();
}

function matchesPriority(ticket: TicketRecord, priorities: readonly string[] | undefined): boolean {
  return priorities === undefined || priorities.includes(priorityOf(ticket));
}
