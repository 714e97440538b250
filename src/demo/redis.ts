import { spawnSync } from 'node:child_process';
import { findRedisServer, startLocalRedis } from '../redis/local-server';

export interface DemoRedis {
  url: string;
  /** True when the demo started the server and must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

/** Raised when Redis is missing and the demo may not install it. The message explains how to. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/**
 * Returns the Redis the demo uses: REDIS_URL when set, otherwise a private redis-server on a
 * free loopback port. When redis-server is missing and the demo runs as root on Debian, it
 * installs Debian's package with apt-get; otherwise it explains how to install it.
 */
export async function startDemoRedis(print: (line: string) => void): Promise<DemoRedis> {
  const configured = process.env.REDIS_URL;
  if (configured) {
    print(`Redis: using REDIS_URL (${configured.replace(/\/\/[^@]*@/, '//***@')})`);
    return { url: configured, owned: false, stop: async () => {} };
  }
  if (!findRedisServer()) installRedisServer(print);
  const redis = await startLocalRedis();
  print(`Redis: started a private redis-server on ${redis.url} (data in ${redis.dir})`);
  return { url: redis.url, owned: true, stop: () => redis.stop() };
}

function installRedisServer(print: (line: string) => void): void {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!isRoot || !hasApt) {
    throw new RedisUnavailableError(
      'redis-server is not installed. Install it with `sudo apt-get install -y redis-server` ' +
        '(Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_URL to a running Redis, ' +
        'then run npm run demo again.',
    );
  }
  print('Redis: redis-server is missing; installing Debian package redis-server with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'inherit', env });
  if (install.status !== 0) {
    // A fresh machine often has no package lists yet.
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    install = spawnSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'inherit', env });
  }
  if (install.status !== 0 || !findRedisServer()) {
    throw new RedisUnavailableError(
      `apt-get install -y redis-server failed (exit status ${install.status}); install redis-server ` +
        'by hand or set REDIS_URL to a running Redis.',
    );
  }
}
