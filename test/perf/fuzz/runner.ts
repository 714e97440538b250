import fc from 'fast-check';

/**
 * What one fuzz case did. `accepted` (a valid input taken) and `rejected` (an invalid one turned
 * away with a 4xx or a documented error) are the two right outcomes. The rest are findings.
 */
export type Verdict =
  | { kind: 'accepted' }
  | { kind: 'rejected' }
  /** An uncaught exception, a 5xx where a 4xx belongs, or an error of a kind the boundary does not document. */
  | { kind: 'crash'; cause: CrashCause; reason: string }
  /** No response within the case's time bound. */
  | { kind: 'hang'; reason: string }
  /** An invalid input that was enqueued or written. */
  | { kind: 'acceptedInvalid'; reason: string }
  /** A wrong outcome other than the above: a valid input rejected, or an invalid one given 2xx with nothing stored. */
  | { kind: 'mismatch'; reason: string };

export type CrashCause = 'uncaught' | 'http5xx' | 'undocumentedError' | 'fuzzStep';

export type FindingKind = Exclude<Verdict['kind'], 'accepted' | 'rejected'>;

export interface FuzzTarget<T> {
  name: string;
  /** What the target feeds and where, for the report. */
  description: string;
  arbitrary: fc.Arbitrary<T>;
  /** A short rendering of an input for the report (inputs can be megabytes). */
  describe(input: T): string;
  run(input: T): Promise<Verdict>;
}

export interface Finding {
  kind: FindingKind;
  reason: string;
  input: string;
}

export interface TargetSummary {
  name: string;
  description: string;
  cases: number;
  accepted: number;
  rejected: number;
  crashes: number;
  hangs: number;
  acceptedInvalid: number;
  mismatches: number;
  crashesByCause: Partial<Record<CrashCause, number>>;
  seconds: number;
  /** Up to three findings per kind, with the input that caused them. */
  findings: Finding[];
  /** Distinct findings (numbers and quoted text masked), most frequent first, at most ten. */
  signatures: { kind: FindingKind; signature: string; count: number }[];
  /** The smallest failing input fast-check's shrinking found for the first finding kind. */
  shrunk?: { kind: FindingKind; input: string; reason: string };
}

const FINDINGS_KEPT_PER_KIND = 3;

/** Uncaught exceptions and rejections seen while a target runs, charged to that target. */
class UncaughtMonitor {
  private seen: string[] = [];
  private readonly onError = (error: unknown): void => {
    this.seen.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };

  start(): void {
    process.on('uncaughtException', this.onError);
    process.on('unhandledRejection', this.onError);
  }

  stop(): void {
    process.off('uncaughtException', this.onError);
    process.off('unhandledRejection', this.onError);
  }

  take(): string[] {
    const taken = this.seen;
    this.seen = [];
    return taken;
  }
}

/** Runs `work` and turns a missing response after `ms` into a hang verdict. */
export async function withHangBound(
  work: () => Promise<Verdict>,
  ms: number,
  what: string,
): Promise<Verdict> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<Verdict>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: 'hang', reason: `${what}: no response within ${ms} ms` }),
      ms,
    );
  });
  try {
    return await Promise.race([
      work().catch((error: unknown): Verdict => ({
        kind: 'crash',
        cause: 'fuzzStep',
        reason: `the fuzz step itself threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      })),
      bound,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Cuts a rendering of an input to a length a report can hold. */
export function clip(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`;
}

/** Masks the parts of a finding's reason that vary between cases: quoted text and numbers. */
function signatureOf(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '"…"')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 160);
}

function counterField(kind: FindingKind): 'crashes' | 'hangs' | 'acceptedInvalid' | 'mismatches' {
  switch (kind) {
    case 'crash':
      return 'crashes';
    case 'hang':
      return 'hangs';
    case 'acceptedInvalid':
      return 'acceptedInvalid';
    case 'mismatch':
      return 'mismatches';
  }
}

export interface RunTargetOptions {
  numRuns: number;
  seed: number;
  /** Time bound of one case. */
  hangMs: number;
  /** Time fast-check may spend shrinking the first finding; 0 skips shrinking. */
  shrinkMs: number;
}

/**
 * Runs `numRuns` generated inputs through the target one at a time and counts the verdicts. Every
 * case runs (a finding does not stop the run). Afterwards fast-check's own search, with the same
 * seed, shrinks the first kind of finding to a small input.
 */
export async function runTarget<T>(
  target: FuzzTarget<T>,
  options: RunTargetOptions,
  print: (line: string) => void,
): Promise<TargetSummary> {
  const started = Date.now();
  const summary: TargetSummary = {
    name: target.name,
    description: target.description,
    cases: 0,
    accepted: 0,
    rejected: 0,
    crashes: 0,
    hangs: 0,
    acceptedInvalid: 0,
    mismatches: 0,
    crashesByCause: {},
    seconds: 0,
    findings: [],
    signatures: [],
  };
  const signatures = new Map<string, { kind: FindingKind; signature: string; count: number }>();
  const monitor = new UncaughtMonitor();
  monitor.start();
  const record = (verdict: Verdict, input: string): void => {
    summary.cases += 1;
    if (verdict.kind === 'accepted') summary.accepted += 1;
    else if (verdict.kind === 'rejected') summary.rejected += 1;
    else {
      summary[counterField(verdict.kind)] += 1;
      if (verdict.kind === 'crash') {
        summary.crashesByCause[verdict.cause] = (summary.crashesByCause[verdict.cause] ?? 0) + 1;
      }
      const signature = signatureOf(verdict.reason);
      const key = `${verdict.kind} ${signature}`;
      const entry = signatures.get(key) ?? { kind: verdict.kind, signature, count: 0 };
      entry.count += 1;
      signatures.set(key, entry);
      const kept = summary.findings.filter((finding) => finding.kind === verdict.kind).length;
      if (kept < FINDINGS_KEPT_PER_KIND) {
        summary.findings.push({ kind: verdict.kind, reason: clip(verdict.reason, 600), input });
      }
    }
  };

  try {
    const inputs = fc.sample(target.arbitrary, { numRuns: options.numRuns, seed: options.seed });
    for (const input of inputs) {
      const verdict = await withHangBound(() => target.run(input), options.hangMs, target.name);
      const uncaught = monitor.take();
      const described = clip(target.describe(input));
      if (uncaught.length > 0) {
        record(
          { kind: 'crash', cause: 'uncaught', reason: `uncaught: ${uncaught.join(' | ')}` },
          described,
        );
      } else {
        record(verdict, described);
      }
    }

    const firstKind = summary.findings[0]?.kind;
    if (firstKind && options.shrinkMs > 0) {
      summary.shrunk = await shrink(target, firstKind, options, monitor);
    }
  } finally {
    monitor.stop();
  }
  summary.signatures = [...signatures.values()].sort((a, b) => b.count - a.count).slice(0, 10);
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  print(
    `  ${target.name}: ${summary.cases} cases, ${summary.accepted} accepted, ${summary.rejected} rejected, ` +
      `${summary.crashes} crashes, ${summary.hangs} hangs, ${summary.acceptedInvalid} accepted invalid, ` +
      `${summary.mismatches} mismatches (${summary.seconds} s)`,
  );
  return summary;
}

async function shrink<T>(
  target: FuzzTarget<T>,
  kind: FindingKind,
  options: RunTargetOptions,
  monitor: UncaughtMonitor,
): Promise<TargetSummary['shrunk']> {
  let lastReason = '';
  const property = fc.asyncProperty(target.arbitrary, async (input) => {
    const verdict = await withHangBound(() => target.run(input), options.hangMs, target.name);
    const uncaught = monitor.take();
    const found: Verdict =
      uncaught.length > 0
        ? { kind: 'crash', cause: 'uncaught', reason: `uncaught: ${uncaught.join(' | ')}` }
        : verdict;
    if (found.kind === kind) {
      lastReason = 'reason' in found ? found.reason : '';
      return false;
    }
    return true;
  });
  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.numRuns,
    interruptAfterTimeLimit: options.shrinkMs,
    markInterruptAsFailure: false,
  });
  const example = details.counterexample?.[0];
  if (!details.failed || example === undefined) return undefined;
  return { kind, input: clip(target.describe(example), 600), reason: clip(lastReason, 600) };
}
