import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PROBLEM_BASE } from '../errors.js';
import { sendProblem } from '../plugins/errors.js';
import { problemResponses, PUBLIC } from '../schemas/common.js';

const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        operationId: 'getLiveness',
        security: PUBLIC,
        summary: 'The process is alive',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        operationId: 'getReadiness',
        security: PUBLIC,
        summary: 'The database answers and every migration is applied',
        response: {
          200: z.object({ status: z.literal('ready'), checks: z.object({ database: z.boolean(), migrations: z.boolean() }) }),
          ...problemResponses(503),
        },
      },
    },
    async (_request, reply) => {
      const checks = await app.store.ready();
      if (checks.database && checks.migrations) return { status: 'ready' as const, checks };
      // A load balancer asks again on its own schedule; this is for anything else that waits.
      reply.header('retry-after', '5');
      return sendProblem(reply, {
        type: `${PROBLEM_BASE}not-ready`,
        status: 503,
        detail: checks.database ? 'The database is missing migrations; run `guidepost migrate`.' : 'The database does not answer.',
      });
    },
  );
};

export default healthRoutes;
