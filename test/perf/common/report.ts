import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSuiteArgs, usage, type SuiteOption, type SuiteOptions } from './args';

/** The machine a suite ran on, written into every report. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  /** 1, 5 and 15 minute load averages when the suite started. */
  loadAverage: number[];
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** One goal of a suite and whether this run met it. */
export interface GoalResult {
  key: string;
  goal: string;
  value: number | null;
  met: boolean;
  /** Why the goal was not met or could not be measured, when known. */
  note?: string;
}

export interface SuiteReport {
  suite: string;
  quick: boolean;
  seed: number;
  startedAt: string;
  seconds: number;
  machine: MachineInfo;
  goals: GoalResult[];
  [key: string]: unknown;
}

export interface SuiteDefinition {
  command: string;
  summary: string;
  options?: SuiteOption[];
  /** Runs the suite and returns its report fields; throwing means the suite itself crashed. */
  run(options: SuiteOptions, print: (line: string) => void): Promise<Record<string, unknown>>;
  goals(fields: Record<string, unknown>): GoalResult[];
}

/** Rounds to `digits` decimals, keeping null for values that could not be measured. */
export function round(value: number | null | undefined, digits = 1): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function writeReport(file: string, report: SuiteReport): string {
  const target = path.resolve(file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(report, null, 2)}\n`);
  return target;
}

/**
 * Runs a suite from the command line. The exit code is 0 whether or not the goals were met,
 * because the report states them. It is 1 only when the suite itself failed, and 2 on bad
 * arguments.
 */
export async function runSuiteMain(definition: SuiteDefinition): Promise<number> {
  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  let options: SuiteOptions;
  try {
    options = parseSuiteArgs(process.argv.slice(2), definition.options);
  } catch (error) {
    process.stderr.write(
      `${error instanceof Error ? error.message : String(error)}\n\n` +
        usage(definition.command, definition.summary, definition.options),
    );
    return 2;
  }
  if (options.help) {
    process.stdout.write(usage(definition.command, definition.summary, definition.options));
    return 0;
  }
  const machine = describeMachine();
  const started = Date.now();
  print(
    `${definition.command}: ${options.quick ? 'quick' : 'full'} run, seed ${options.seed}, ` +
      `${machine.cores} cores, ${machine.memoryGb} GB, node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  );
  // Keeps the event loop alive until the suite returns: stopping a helper such as the local
  // redis-server waits for an unreferenced child's exit, which alone would let Node quit early.
  const keepAlive = setInterval(() => {}, 1000);
  let fields: Record<string, unknown>;
  try {
    fields = await definition.run(options, print);
  } finally {
    clearInterval(keepAlive);
  }
  const goals = definition.goals(fields);
  const report: SuiteReport = {
    suite: definition.command,
    quick: options.quick,
    seed: options.seed,
    startedAt: new Date(started).toISOString(),
    seconds: round((Date.now() - started) / 1000) ?? 0,
    machine,
    ...fields,
    goals,
  };
  print('');
  for (const goal of goals) {
    print(
      `${goal.met ? 'met    ' : 'NOT MET'} ${goal.key} = ${goal.value ?? 'n/a'} (goal: ${goal.goal})` +
        (goal.note ? `: ${goal.note}` : ''),
    );
  }
  if (options.reportFile) print(`Report written to ${writeReport(options.reportFile, report)}`);
  return 0;
}

/** Runs the suite and exits with its code; the last line of each suite's entry point. */
export function exitWith(definition: SuiteDefinition): void {
  runSuiteMain(definition).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `The ${definition.command} suite failed: ${
          error instanceof Error ? (error.stack ?? error.message) : String(error)
        }\n`,
      );
      process.exit(1);
    },
  );
}
