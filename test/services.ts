/**
 * The local Redis the tests of shared counters use (GUIDEPOST_TEST_REDIS_URL, default
 * redis://127.0.0.1:6379), started as this machine starts its services when it does not answer.
 */
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';

const URL_OF_REDIS = process.env.GUIDEPOST_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

let up: Promise<string> | null = null;

export function redisUrl(): Promise<string> {
  up ??= (async () => {
    if (await answers(URL_OF_REDIS)) return URL_OF_REDIS;
    const { hostname, port } = new URL(URL_OF_REDIS);
    if (hostname !== '127.0.0.1' && hostname !== 'localhost') throw new Error(`Redis at ${URL_OF_REDIS} does not answer`);
    // Keeps nothing on disk, as the machine's own does; --daemonize returns once it listens.
    execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', port || '6379', '--save', '', '--appendonly', 'no']);
    for (let i = 0; i < 50; i++) {
      if (await answers(URL_OF_REDIS)) return URL_OF_REDIS;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Redis at ${URL_OF_REDIS} did not start`);
  })();
  return up;
}
