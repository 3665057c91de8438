/**
 * Graceful shutdown, the HTTP side. Once close() begins, Node accepts no new connections and
 * closes the idle ones, and Fastify lets every request in flight finish. A request that still
 * arrives on an open keep-alive connection is answered 503 problem+json with `Retry-After` and
 * `Connection: close`, and every answer from then on closes its connection, so the server empties
 * and the store closes last (src/server.ts bounds the wait).
 *
 * Fastify's own `return503OnClosing` answers such requests with a plain JSON 503; buildApp turns
 * it off so this plugin answers instead, as a problem.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { serviceUnavailable } from '../errors.js';
import { quickHook, quickSendHook } from './hooks.js';

/** Seconds a client should wait: time enough to reach a fresh connection, to this server's successor or another instance. */
const SHUTDOWN_RETRY_AFTER = 1;

async function drainingPlugin(app: FastifyInstance): Promise<void> {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook(
    'onRequest',
    quickHook((_request, reply) => {
      if (!closing) return;
      reply.header('connection', 'close');
      throw serviceUnavailable('shutting-down', 'The server is shutting down; retry on a new connection.', SHUTDOWN_RETRY_AFTER);
    }),
  );
  // A request already in flight when closing began keeps its answer, but not its connection.
  app.addHook(
    'onSend',
    quickSendHook((_request, reply) => {
      if (closing) reply.header('connection', 'close');
    }),
  );
}

export default fp(drainingPlugin, { name: 'draining' });
