/**
 * Hooks that are synchronous on the common path. Fastify waits for an async hook through a
 * promise and a microtask; a request passes a dozen of ours, and most of them decide at once that
 * there is nothing to do (no token, not closing, no idempotency key). A hook made here calls
 * `done` at once when its work returns nothing, and waits only when the work returns a promise.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** Nothing, or a promise to wait for when the work has something to wait on. */
type Work = void | Promise<unknown>;

/** A rejection without a reason still fails the request, as Fastify's own hook runner has it. */
const failure = (err: unknown) => (err instanceof Error ? err : new Error(`a hook failed without an error (${String(err)})`));

/** An onRequest, preHandler or onResponse hook. */
export function quickHook(work: (request: FastifyRequest, reply: FastifyReply) => Work) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    let pending: Work;
    try {
      pending = work(request, reply);
    } catch (err) {
      return done(failure(err));
    }
    if (pending) pending.then(() => done(), (err: unknown) => done(failure(err)));
    else done();
  };
}

/** An onSend hook that leaves the payload as it is. */
export function quickSendHook(work: (request: FastifyRequest, reply: FastifyReply, payload: unknown) => Work) {
  return (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void): void => {
    let pending: Work;
    try {
      pending = work(request, reply, payload);
    } catch (err) {
      return done(failure(err));
    }
    if (pending) pending.then(() => done(null, payload), (err: unknown) => done(failure(err)));
    else done(null, payload);
  };
}
