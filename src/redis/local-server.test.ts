import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { startLocalRedis } from './local-server';

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startLocalRedis', () => {
  it('stop removes folder and closes port', async () => {
    const redis = await startLocalRedis();
    expect(existsSync(redis.dir)).toBe(true);
    expect(await portAccepts(redis.port)).toBe(true);

    await redis.stop();

    expect(existsSync(redis.dir)).toBe(false);
    expect(await portAccepts(redis.port)).toBe(false);
    expect(processAlive(redis.pid)).toBe(false);
  });

  it('stop keeps a folder the caller passed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-health-redis-test-'));
    try {
      const redis = await startLocalRedis({ dir });
      await redis.stop();
      expect(existsSync(dir)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exit hook stops server and removes folder', async () => {
    // A separate Node process starts Redis and exits without calling stop().
    const script =
      "const { startLocalRedis } = require('./src/redis/local-server');" +
      'startLocalRedis().then((r) => {' +
      ' process.stdout.write(JSON.stringify({ pid: r.pid, dir: r.dir, port: r.port }));' +
      ' process.exit(0);' +
      '});';
    const output = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.resolve(__dirname, '..', '..'),
      encoding: 'utf8',
    });
    const started = JSON.parse(output) as { pid: number; dir: string; port: number };

    expect(existsSync(started.dir)).toBe(false);
    const deadline = Date.now() + 5000;
    while (processAlive(started.pid) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(processAlive(started.pid)).toBe(false);
    expect(await portAccepts(started.port)).toBe(false);
  });
});
