/**
 * Prints the build cost of a RavenStack portal and the distributions of its main score inputs on
 * the start day, for calibrating score configs.
 *
 *   node --expose-gc --import tsx sandbox/seed/report.ts [companies] [--scenario]
 *
 * `--scenario` also reads all scenario days. Without `--expose-gc` the heap figures include
 * garbage.
 */
import { buildRavenstackPortal } from './build';
import type { SeedPortal } from './types';

const DAY_MS = 86_400_000;

function quantiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.floor(share * (sorted.length - 1))] ?? NaN;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {
    count: sorted.length,
    min: round(at(0)),
    p25: round(at(0.25)),
    median: round(at(0.5)),
    p75: round(at(0.75)),
    p90: round(at(0.9)),
    max: round(at(1)),
    mean: round(mean),
  };
}

function histogram(values: number[]): Record<string, number> {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => a[0] - b[0]));
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1e6);
}

function printDistributions(seed: SeedPortal, now: Date): void {
  const { companies } = seed;
  const companyOf = (fromType: string) =>
    new Map(
      seed.associations
        .filter((a) => a.fromType === fromType && a.toType === 'companies')
        .map((a) => [a.fromId, a.toId]),
    );

  const usagePerSeat = companies.map(
    (c) => Number(c.properties.usage_events_7d) / Number(c.properties.licensed_seats),
  );
  console.log('usage_events_7d / licensed_seats', quantiles(usagePerSeat));

  const ticketCompany = companyOf('tickets');
  const openTickets = new Map(companies.map((c) => [c.id, 0]));
  for (const ticket of seed.tickets) {
    if (ticket.properties.hs_pipeline_stage === '4') continue;
    const companyId = ticketCompany.get(ticket.id) as string;
    openTickets.set(companyId, (openTickets.get(companyId) ?? 0) + 1);
  }
  console.log('open tickets per company (value: companies)', histogram([...openTickets.values()]));

  const noteCompany = companyOf('notes');
  const lastNote = new Map<string, number>();
  for (const note of seed.notes) {
    const companyId = noteCompany.get(note.id) as string;
    const at = Date.parse(note.properties.hs_timestamp as string);
    lastNote.set(companyId, Math.max(lastNote.get(companyId) ?? 0, at));
  }
  const daysSince = [...lastNote.values()].map((at) => (now.getTime() - at) / DAY_MS);
  console.log('days since last note', quantiles(daysSince));
  console.log('companies without a note', companies.length - lastNote.size);

  const nps = companies
    .filter((c) => c.properties.nps_score !== undefined)
    .map((c) => Number(c.properties.nps_score));
  console.log('nps_score', quantiles(nps), histogram(nps));
  console.log('companies without nps_score', companies.length - nps.length);
}

function main(): void {
  const [countArgument] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const companies = countArgument === undefined ? undefined : Number(countArgument);
  const now = new Date();
  const heapBefore = heapMb();
  const cpuBefore = process.cpuUsage();
  const built = buildRavenstackPortal({ now, companies });
  const cpu = process.cpuUsage(cpuBefore);
  console.log('seed build', {
    companies: built.seed.companies.length,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    heapMb: heapMb() - heapBefore,
  });
  if (process.argv.includes('--scenario')) {
    const scenarioCpuBefore = process.cpuUsage();
    const changes = built.scenario.reduce((sum, day) => sum + day.changes.length, 0);
    const scenarioCpu = process.cpuUsage(scenarioCpuBefore);
    console.log('scenario', {
      changes,
      cpuMs: Math.round((scenarioCpu.user + scenarioCpu.system) / 1000),
      heapMb: heapMb() - heapBefore,
    });
  }
  printDistributions(built.seed, now);
}

main();
