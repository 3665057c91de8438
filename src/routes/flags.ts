import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hourlyPerHousehold } from '../plugins/rate-limit.js';
import { BEARER, IdString, page, problemResponses } from '../schemas/common.js';
import { Flag, FlagClose, FlagQuery, ReviewFlagCreate, ReviewParams, TitleFlagCreate } from '../schemas/community.js';
import { TitleParams } from '../schemas/titles.js';
import { cursorPage, householdIdOf } from './shared/http.js';
import { flagResponse } from './shared/representations.js';

/** Flags one household may raise an hour, on titles and reviews together. */
const FLAG_LIMIT = hourlyPerHousehold('flags', 20);

/** Flags on what looks wrong (a title's rating, a review), and the moderation queue that closes them (editor). */
const flagRoutes: FastifyPluginAsyncZod = async (app) => {
  const { reviews } = app.services;
  const householdOnly = app.requireRole('household');
  const editor = app.requireRole('editor');

  app.post(
    '/v1/titles/:title/flags',
    {
      onRequest: householdOnly,
      config: FLAG_LIMIT,
      schema: {
        tags: ['community'],
        operationId: 'createTitleFlag',
        summary: 'Flag what looks wrong about a title’s rating',
        description: 'One open flag per household per title.',
        security: BEARER,
        params: TitleParams,
        body: TitleFlagCreate,
        response: { 201: Flag, ...problemResponses(400, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { reason, category, note } = request.body;
      const flag = await reviews.flagTitle(householdIdOf(request), request.params.title, { reason, category: category ?? null, note: note ?? null });
      return reply.code(201).send(flagResponse(flag));
    },
  );

  app.post(
    '/v1/reviews/:review/flags',
    {
      onRequest: householdOnly,
      config: FLAG_LIMIT,
      schema: {
        tags: ['community'],
        operationId: 'createReviewFlag',
        summary: 'Flag a review (spam, inappropriate, spoiler, other)',
        description: 'One open flag per household per review.',
        security: BEARER,
        params: ReviewParams,
        body: ReviewFlagCreate,
        response: { 201: Flag, ...problemResponses(400, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const flag = await reviews.flagReview(request.principal!, request.params.review, { reason: request.body.reason, note: request.body.note ?? null });
      return reply.code(201).send(flagResponse(flag));
    },
  );

  app.get(
    '/v1/flags',
    {
      onRequest: editor,
      schema: {
        tags: ['moderation'],
        operationId: 'listFlags',
        summary: 'The moderation queue, oldest first (editor)',
        security: BEARER,
        querystring: FlagQuery,
        response: { 200: page(Flag).meta({ id: 'FlagPage' }), ...problemResponses(400, 403) },
      },
    },
    async (request) => {
      const { status, target, limit, cursor } = request.query;
      const paging = cursorPage(app, cursor, () => ({ route: 'flags', status, target }));
      const result = await reviews.listFlags({ status, targetKind: target, limit, after: paging.after });
      return { items: result.items.map(flagResponse), nextCursor: paging.next(result.keys, result.more) };
    },
  );

  app.patch(
    '/v1/flags/:flag',
    {
      onRequest: editor,
      schema: {
        tags: ['moderation'],
        operationId: 'closeFlag',
        summary: 'Resolve or dismiss an open flag, with a note (editor)',
        security: BEARER,
        params: z.object({ flag: IdString }),
        body: FlagClose,
        response: { 200: Flag, ...problemResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      return flagResponse(await reviews.closeFlag(request.params.flag, request.body.status, request.body.note));
    },
  );
};

export default flagRoutes;
