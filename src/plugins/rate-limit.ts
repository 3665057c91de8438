/**
 * Rate limits: @fastify/rate-limit, opted into per route (`config.rateLimit`). Counters live in
 * this process (shared counters come with the scale-out issue). Runs as a preHandler, after
 * authentication, so limits can be kept per household.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, PROBLEM_BASE } from '../errors.js';

/** The household for household tokens, else the client address. */
export const perHousehold = (request: FastifyRequest) => request.principal?.householdId ?? `ip:${request.ip}`;

type Callback = (err: Error | null, result: { current: number; ttl: number }) => void;

/**
 * The upstream local store keeps one counter table per route; a limit such as "30 review writes
 * an hour" spans several routes, so all routes share this one table and tell their limits
 * apart by `groupId`, which the plugin appends to the key.
 */
function sharedWindowStore() {
  const counters = new Map<string, { current: number; start: number }>();
  return class SharedWindowStore {
    incr(key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now();
      if (counters.size > 50_000) for (const [k, c] of counters) if (c.start + timeWindow <= now) counters.delete(k);
      let counter = counters.get(key);
      if (!counter || counter.start + timeWindow <= now) counter = { current: 0, start: now };
      counter.current += 1;
      counters.set(key, counter);
      cb(null, { current: counter.current, ttl: counter.start + timeWindow - now });
    }
    child(): this {
      return this;
    }
  };
}

async function rateLimitPlugin(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    store: sharedWindowStore(),
    errorResponseBuilder: (_request, context) =>
      new AppError(
        429,
        `${PROBLEM_BASE}rate-limited`,
        'Too Many Requests',
        `At most ${context.max} of these in ${context.after}; try again in ${Math.ceil(context.ttl / 1000)} seconds.`,
      ),
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit' });
