import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotAllowed } from '../domain/errors.js';
import { z } from 'zod';
import { todayUtc } from '../domain/age.js';
import { hourlyPerHousehold } from '../plugins/rate-limit.js';
import { BEARER, documentHeaders, IfMatchHeaders, OPTIONAL_BEARER, page, problemResponses } from '../schemas/common.js';
import { Review, ReviewCreate, ReviewListQuery, ReviewParams, ReviewPatch } from '../schemas/community.js';
import { TitleParams } from '../schemas/titles.js';
import { cursorPage, etag, expectedVersions, householdIdOf } from './shared/http.js';
import { reviewResponse } from './shared/representations.js';

/** What one household may write an hour, each shared by every route of its group: enough for a family, too few for a flood. */
const REVIEW_LIMIT = hourlyPerHousehold('reviews', 30);
const VOTE_LIMIT = hourlyPerHousehold('votes', 120);

/** Parents' and kids' reviews, helpful marks, and hiding a review (editor). */
const reviewRoutes: FastifyPluginAsyncZod = async (app) => {
  const { reviews } = app.services;
  const householdOnly = app.requireRole('household');
  const editor = app.requireRole('editor');

  app.post(
    '/v1/titles/:title/reviews',
    {
      onRequest: app.requireRole('household', 'child'),
      config: REVIEW_LIMIT,
      schema: {
        tags: ['community'],
        operationId: 'createReview',
        summary: 'Review a title, as a parent or for a kid',
        ...documentHeaders({ 201: ['ETag', 'Location'] }),
        description: 'One review per household (as parent) and per child per title: a second is a 409 naming the first. A child’s device token writes only its own child’s kid review (`by: kid` with its `childId`); anything else is a 403.',
        security: BEARER,
        params: TitleParams,
        body: ReviewCreate,
        response: { 201: Review, ...problemResponses(400, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const device = request.principal!.role === 'child' ? request.principal!.childId : null;
      if (device !== null && (request.body.by !== 'kid' || request.body.childId !== device)) {
        throw new NotAllowed('A child’s device token writes only its own child’s review: by "kid", with its childId.');
      }
      const review = await reviews.postReview(householdIdOf(request), request.params.title, request.body, todayUtc());
      return reply.code(201).header('location', `/v1/reviews/${review.id}`).header('etag', etag(review.version)).send(reviewResponse(review, request.principal));
    },
  );

  app.get(
    '/v1/titles/:title/reviews',
    {
      schema: {
        tags: ['community'],
        operationId: 'listReviews',
        security: OPTIONAL_BEARER,
        summary: 'Reviews of a title, newest or most helpful first',
        params: TitleParams,
        querystring: ReviewListQuery,
        response: { 200: page(Review).meta({ id: 'ReviewPage' }), ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { by, sort, limit, cursor } = request.query;
      const paging = cursorPage(app, cursor, (title: string) => ({ route: 'reviews', title, by, sort }));
      const result = await reviews.listReviews(request.params.title, { by, sort, limit, after: paging.after });
      // `mine` depends on the token.
      reply.header('vary', 'Authorization');
      return { items: result.items.map((r) => reviewResponse(r, request.principal)), nextCursor: paging.next(result.keys, result.more) };
    },
  );

  app.get(
    '/v1/reviews/:review',
    {
      schema: { tags: ['community'], operationId: 'getReview', security: OPTIONAL_BEARER, summary: 'One review', ...documentHeaders({ 200: ['ETag'] }), params: ReviewParams, response: { 200: Review, ...problemResponses(404) } },
    },
    async (request, reply) => {
      const review = await reviews.getReview(request.principal, request.params.review);
      return reply.header('etag', etag(review.version)).header('vary', 'Authorization').send(reviewResponse(review, request.principal));
    },
  );

  app.patch(
    '/v1/reviews/:review',
    {
      onRequest: householdOnly,
      config: REVIEW_LIMIT,
      schema: {
        tags: ['community'],
        operationId: 'updateReview',
        summary: 'Change your review',
        ...documentHeaders({ 200: ['ETag'] }),
        security: BEARER,
        params: ReviewParams,
        headers: IfMatchHeaders,
        body: ReviewPatch,
        response: { 200: Review, ...problemResponses(400, 403, 404, 412, 429) },
      },
    },
    async (request, reply) => {
      const updated = await reviews.updateReview(request.principal!, request.params.review, request.body, expectedVersions(request));
      return reply.header('etag', etag(updated.version)).send(reviewResponse(updated, request.principal));
    },
  );

  app.delete(
    '/v1/reviews/:review',
    {
      onRequest: householdOnly,
      config: REVIEW_LIMIT,
      schema: {
        tags: ['community'],
        operationId: 'deleteReview',
        summary: 'Delete your review',
        security: BEARER,
        params: ReviewParams,
        headers: IfMatchHeaders,
        response: { 204: z.undefined(), ...problemResponses(403, 404, 412, 429) },
      },
    },
    async (request, reply) => {
      await reviews.deleteReview(request.principal!, request.params.review, expectedVersions(request));
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/reviews/:review/helpful',
    {
      onRequest: householdOnly,
      config: VOTE_LIMIT,
      schema: {
        tags: ['community'],
        operationId: 'markReviewHelpful',
        summary: 'Mark a review helpful (once per household)',
        security: BEARER,
        params: ReviewParams,
        response: { 201: Review, ...problemResponses(403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const marked = await reviews.markHelpful(request.principal!, request.params.review);
      return reply.code(201).send(reviewResponse(marked, request.principal));
    },
  );

  app.delete(
    '/v1/reviews/:review/helpful',
    {
      onRequest: householdOnly,
      config: VOTE_LIMIT,
      schema: { tags: ['community'], operationId: 'unmarkReviewHelpful', summary: 'Take back a helpful mark', security: BEARER, params: ReviewParams, response: { 204: z.undefined(), ...problemResponses(404, 429) } },
    },
    async (request, reply) => {
      await reviews.unmarkHelpful(householdIdOf(request), request.params.review);
      return reply.code(204).send();
    },
  );

  for (const action of ['hide', 'restore'] as const) {
    app.post(
      `/v1/reviews/:review/${action}`,
      {
        onRequest: editor,
        schema: {
          tags: ['moderation'],
          operationId: `${action}Review`,
          summary: action === 'hide' ? 'Hide a review (editor): out of lists and statistics at once' : 'Restore a hidden review (editor)',
          security: BEARER,
          params: ReviewParams,
          response: { 200: Review, ...problemResponses(403, 404) },
        },
      },
      async (request) => {
        const review = await (action === 'hide' ? reviews.hideReview : reviews.restoreReview)(request.params.review);
        return reviewResponse(review, request.principal);
      },
    );
  }

};

export default reviewRoutes;
