import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root, where `src/main/*.ts` and `node_modules` live. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A web or worker process the demo started, with its output in a log file. */
export interface AppProcess {
  name: string;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<string>;
  stop(): Promise<void>;
  /** The last lines of the process's log, for error messages. */
  tail(lines?: number): string;
}

/**
 * Starts `entry` (a TypeScript file under the repository) with tsx as a child process. Its
 * stdout and stderr go to `logFile`, so the demo's own output stays readable.
 */
export function startAppProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  logFile: string,
): AppProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) =>
      resolve(signal ? `signal ${signal}` : `exit code ${code}`),
    );
  });
  const tail = (lines = 20): string => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log output)';
    }
  };
  return {
    name,
    logFile,
    child,
    exited,
    tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}

/**
 * Polls `url` until it responds with 200. Fails early when one of the processes exits, and
 * after `timeoutMs` otherwise.
 */
export async function waitForHttpOk(
  url: string,
  processes: AppProcess[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    for (const app of processes) {
      if (app.child.exitCode !== null || app.child.signalCode !== null) {
        throw new Error(
          `the ${app.name} process ended before ${url} responded. Its last log lines:\n${app.tail()}`,
        );
      }
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      lastProblem = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `${url} did not respond with 200 within ${timeoutMs / 1000} s (last: ${lastProblem})`,
  );
}
