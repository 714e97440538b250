import { readFileSync } from 'node:fs';

/** Resident set size of a process in MB from /proc (Linux), or null when it has exited. */
export function rssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export interface RssSample {
  /** Milliseconds since the sampler started. */
  atMs: number;
  /** RSS in MB per sampled process id. */
  mb: Record<number, number>;
}

/** Samples the RSS of a changing set of processes at a fixed interval. */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private started = 0;

  constructor(
    private readonly pids: () => number[],
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.started = Date.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const mb: Record<number, number> = {};
    for (const pid of this.pids()) {
      const value = rssMb(pid);
      if (value !== null) mb[pid] = value;
    }
    this.samples.push({ atMs: Date.now() - this.started, mb });
  }

  /** Returns the largest RSS any sampled process reached. */
  peakMb(): number | null {
    let peak: number | null = null;
    for (const sample of this.samples) {
      for (const value of Object.values(sample.mb)) peak = Math.max(peak ?? 0, value);
    }
    return peak;
  }

  /**
   * Returns the largest RSS in the second fifth and in the last fifth of the run, so a report can
   * show whether memory stayed flat once the workers were warm (the first fifth is warm-up).
   */
  trend(): { secondFifthMb: number | null; lastFifthMb: number | null } {
    const fifth = Math.max(1, Math.floor(this.samples.length / 5));
    const peakOf = (samples: RssSample[]): number | null => {
      const values = samples.flatMap((sample) => Object.values(sample.mb));
      return values.length === 0 ? null : Math.max(...values);
    };
    return {
      secondFifthMb: peakOf(this.samples.slice(fifth, 2 * fifth)),
      lastFifthMb: peakOf(this.samples.slice(-fifth)),
    };
  }
}

/** CPU seconds (user plus system) a process has used, from /proc (Linux), or null when it has exited. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return null;
  }
}
