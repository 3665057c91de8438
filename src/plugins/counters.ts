/**
 * Fixed-window counters for the rate limits: each key counts from its first hit until its window
 * ends, then starts over. In this process by default; in Redis (REDIS_URL) when several instances
 * must share one allowance.
 */
import { Redis } from 'ioredis';

export interface Window {
  count: number;
  /** When the window ends, in ms since the epoch. */
  resetAt: number;
}

export interface Counters {
  /**
   * Adds `amount` to the key's current window (opening one if none is open) and answers it: at
   * once when the counters are in this process, which every request's general limit counts on.
   */
  add(key: string, windowMs: number, amount?: number): Window | Promise<Window>;
  /** Adds `amount` only if the window's count stays within `max`; answers the window, added to or not. */
  addWithin(key: string, windowMs: number, amount: number, max: number): Promise<Window & { added: boolean }>;
  /** The key's open window, if it has one. */
  peek(key: string): Promise<Window | null>;
  close(): Promise<void>;
}

/**
 * In memory. Ended windows are swept at most every ten seconds, so a flood of one-off keys costs
 * memory for a window and never a scan per request.
 */
export class WindowCounters implements Counters {
  readonly #counters = new Map<string, Window>();
  #nextSweep = 0;

  #open(key: string, windowMs: number, now: number): Window {
    this.#sweep(now);
    let counter = this.#counters.get(key);
    if (!counter || counter.resetAt <= now) {
      counter = { count: 0, resetAt: now + windowMs };
      this.#counters.set(key, counter);
    }
    return counter;
  }

  add(key: string, windowMs: number, amount = 1, now = Date.now()): Window {
    const counter = this.#open(key, windowMs, now);
    counter.count += amount;
    return { ...counter };
  }

  async addWithin(key: string, windowMs: number, amount: number, max: number, now = Date.now()): Promise<Window & { added: boolean }> {
    const counter = this.#open(key, windowMs, now);
    const added = counter.count + amount <= max;
    if (added) counter.count += amount;
    return { ...counter, added };
  }

  async peek(key: string, now = Date.now()): Promise<Window | null> {
    const counter = this.#counters.get(key);
    return counter && counter.resetAt > now ? { ...counter } : null;
  }

  async close(): Promise<void> {}

  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + 10_000;
    for (const [key, counter] of this.#counters) if (counter.resetAt <= now) this.#counters.delete(key);
  }
}

// Each runs in Redis as one step: no other instance's count lands between the read and the write.
// KEYS[1] the counter; ARGV window ms, amount (and max). Answers { count, ms left }.
const ADD = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }`;
const ADD_WITHIN = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local added = 0
if count + tonumber(ARGV[2]) <= tonumber(ARGV[3]) then count = redis.call('INCRBY', KEYS[1], ARGV[2]); added = 1 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 and count > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
if ttl < 0 then ttl = tonumber(ARGV[1]) end
return { count, ttl, added }`;

type RedisWithCounters = Redis & {
  gpAdd(key: string, windowMs: number, amount: number): Promise<[number, number]>;
  gpAddWithin(key: string, windowMs: number, amount: number, max: number): Promise<[number, number, number]>;
};

/**
 * In Redis, shared by every instance that names the same server and prefix. Windows end by
 * Redis's expiry, so instances whose clocks differ still agree on them.
 *
 * While Redis does not answer, nothing is counted and every request goes through (`onError`
 * hears why): the limits guard the service, and refusing every request would stop it outright.
 */
export class RedisCounters implements Counters {
  readonly #redis: RedisWithCounters;
  readonly #prefix: string;
  readonly #onError: (err: Error) => void;

  constructor(url: string, prefix: string, onError: (err: Error) => void) {
    // Fail fast while Redis is away: a request waits for one attempt, not for a queue of retries.
    const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
    redis.on('error', () => {});
    redis.defineCommand('gpAdd', { numberOfKeys: 1, lua: ADD });
    redis.defineCommand('gpAddWithin', { numberOfKeys: 1, lua: ADD_WITHIN });
    this.#redis = redis as RedisWithCounters;
    this.#prefix = prefix;
    this.#onError = onError;
  }

  async #unlessDown<T>(work: () => Promise<T>, uncounted: T): Promise<T> {
    try {
      return await work();
    } catch (err) {
      this.#onError(err as Error);
      return uncounted;
    }
  }

  async add(key: string, windowMs: number, amount = 1): Promise<Window> {
    return this.#unlessDown(async () => {
      const [count, ttl] = await this.#redis.gpAdd(this.#prefix + key, windowMs, amount);
      return { count, resetAt: Date.now() + ttl };
    }, { count: 0, resetAt: Date.now() + windowMs });
  }

  async addWithin(key: string, windowMs: number, amount: number, max: number): Promise<Window & { added: boolean }> {
    return this.#unlessDown(async () => {
      const [count, ttl, added] = await this.#redis.gpAddWithin(this.#prefix + key, windowMs, amount, max);
      return { count, resetAt: Date.now() + ttl, added: added === 1 };
    }, { count: 0, resetAt: Date.now() + windowMs, added: true });
  }

  async peek(key: string): Promise<Window | null> {
    return this.#unlessDown(async () => {
      const [[, count], [, ttl]] = (await this.#redis.multi().get(this.#prefix + key).pttl(this.#prefix + key).exec()) as [[null, string | null], [null, number]];
      return count === null || ttl < 0 ? null : { count: Number(count), resetAt: Date.now() + ttl };
    }, null);
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
