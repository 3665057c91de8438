/**
 * Rate limits: @fastify/rate-limit, opted into per route (`config.rateLimit`). Counters live in
 * this process (shared counters come with the scale-out issue). Runs as a preHandler, after
 * authentication, so limits can be kept per household.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** The household for household tokens, else the client address. */
export const perHousehold = (request: FastifyRequest) => request.principal?.householdId ?? `ip:${request.ip}`;

async function rateLimitPlugin(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`Too many requests: at most ${context.max} per ${context.after}; try again in ${context.after}.`), {
        statusCode: context.statusCode,
      }),
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit' });
