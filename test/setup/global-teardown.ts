import { readFileSync, rmSync } from 'node:fs';

/** Stops the redis-server that global-setup started. */
export default async function globalTeardown(): Promise<void> {
  const stateFile = process.env.CS_HEALTH_JEST_REDIS_STATE;
  if (!stateFile) return;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; dir: string };
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch {
    // The server already exited.
  }
  rmSync(state.dir, { recursive: true, force: true });
  rmSync(stateFile, { force: true });
}
