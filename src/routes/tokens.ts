import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { unauthorized } from '../errors.js';
import { BEARER, IdString, page, problemResponses } from '../schemas/common.js';
import { Me, NewToken, TokenCreate, TokenInfo } from '../schemas/tokens.js';

const tokenRoutes: FastifyPluginAsyncZod = async (app) => {
  const { households } = app.services;

  app.get(
    '/v1/me',
    {
      schema: { tags: ['auth'], operationId: 'getMe', summary: 'Who the token belongs to', security: BEARER, response: { 200: Me, ...problemResponses(401) } },
    },
    async (request) => {
      if (!request.principal) throw unauthorized('Send a token to ask who it belongs to.');
      return request.principal;
    },
  );

  const adminOnly = app.requireRole('admin');

  app.post(
    '/v1/tokens',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['auth'],
        operationId: 'createToken',
        summary: 'Create an editor or admin token (admin)',
        security: BEARER,
        body: TokenCreate,
        response: { 201: NewToken, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const created = await households.createStaffToken(request.body.role, request.body.name ?? null);
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get(
    '/v1/tokens',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['auth'],
        operationId: 'listTokens',
        summary: 'List editor and admin tokens (admin)',
        security: BEARER,
        response: { 200: page(TokenInfo).meta({ id: 'TokenPage' }), ...problemResponses(401, 403) },
      },
    },
    async () => ({ items: await households.listStaffTokens(), nextCursor: null }),
  );

  app.delete(
    '/v1/tokens/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['auth'],
        operationId: 'revokeToken',
        summary: 'Revoke an editor or admin token (admin)',
        security: BEARER,
        params: z.object({ id: IdString }),
        response: { 204: z.undefined(), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await households.revokeStaffToken(request.params.id);
      return reply.code(204).send();
    },
  );
};

export default tokenRoutes;
