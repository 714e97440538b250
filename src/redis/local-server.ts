import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A private redis-server bound to loopback, for tests, the demo and the fault suites. */
export interface LocalRedis {
  url: string;
  port: number;
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  /** Turn on the append-only file, so a restart keeps the data (the chaos suite restarts Redis). */
  appendOnly?: boolean;
  /** Reuse this folder and port, to restart a server that was stopped. */
  dir?: string;
  port?: number;
}

/** Finds a free TCP port on 127.0.0.1 by binding port 0 and closing the socket. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a loopback socket'));
      });
    });
  });
}

/** Returns the path of redis-server, or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return found || undefined;
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.write('PING\r\n');
      });
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - started > deadlineMs) {
      throw new Error(
        `redis-server did not answer PING on 127.0.0.1:${port} within ${deadlineMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts redis-server on a free loopback port in a temporary folder. Persistence is off unless
 * `appendOnly` is set. Throws with install instructions when redis-server is missing.
 */
export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const binary = findRedisServer();
  if (!binary) {
    throw new Error(
      'redis-server is not installed. Install it with `sudo apt-get install -y redis-server` ' +
        '(Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_URL to a running Redis.',
    );
  }
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'cs-health-redis-'));
  const port = options.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--protected-mode',
    'yes',
    '--logfile',
    path.join(dir, 'redis.log'),
  ];
  // Its own process group, so Ctrl-C in a terminal reaches the demo first and the demo stops
  // Redis last, after the processes that use it. The exit hook covers every other way out.
  const child = spawn(binary, args, { stdio: 'ignore', detached: true });
  child.unref();
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  // Only a folder this call created is removed, because a caller's `dir` is kept for a restart.
  const removeDir = (): void => {
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  };
  // An exit hook must be synchronous, so it cannot wait for the child to exit. It removes the
  // folder right after sending SIGTERM.
  const killOnExit = (): void => {
    if (running()) child.kill('SIGTERM');
    removeDir();
  };
  process.once('exit', killOnExit);
  try {
    await waitForPort(port, 10_000);
  } catch (error) {
    process.removeListener('exit', killOnExit);
    killOnExit();
    throw error;
  }
  const pid = child.pid ?? -1;
  const exited = new Promise<void>((resolve) => {
    if (!running()) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid,
    async stop() {
      if (running()) {
        // The child is unref'd, so without ref() the event loop could end, and the process
        // exit, before the child's exit event arrives and the folder is removed.
        child.ref();
        child.kill('SIGTERM');
        const forceKill = setTimeout(() => {
          if (running()) child.kill('SIGKILL');
        }, 3000);
        await exited;
        clearTimeout(forceKill);
      }
      process.removeListener('exit', killOnExit);
      removeDir();
    },
  };
}
