import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ageOn, todayUtc } from '../domain/age.js';
import { Conflict, NotAllowed, NotFound } from '../domain/errors.js';
import { hourlyPerHousehold } from '../plugins/rate-limit.js';
import { BEARER, documentHeaders, IdString, IfMatchHeaders, page, problemResponses } from '../schemas/common.js';
import { etag, expectedVersions } from './http.js';
import { Flag, FlagClose, FlagQuery, Review, ReviewCreate, ReviewFlagCreate, ReviewListQuery, ReviewParams, ReviewPatch, TitleFlagCreate } from '../schemas/community.js';
import { TitleParams } from '../schemas/titles.js';
import type { FlagRecord, ReviewRecord } from '../store/types.js';
import { childOf } from './children.js';
import { loadTitle } from './titles.js';


/** Limits on what one household may write, each shared by every route of its group: enough for a family, too few for a flood. */
export const WRITE_LIMITS = { reviews: hourlyPerHousehold('reviews', 30), flags: hourlyPerHousehold('flags', 20), votes: hourlyPerHousehold('votes', 120) };

export function reviewResponse(r: ReviewRecord, request: FastifyRequest): Review {
  return {
    id: r.id,
    titleId: r.titleId,
    by: r.by,
    author: r.by === 'kid' ? `Kid, age ${r.authorAge}` : 'Parent',
    ageRating: r.ageRating,
    stars: r.stars,
    headline: r.headline,
    body: r.body,
    helpful: r.helpful,
    hidden: r.hidden,
    mine: r.householdId === request.principal?.householdId,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export function flagResponse(f: FlagRecord): Flag {
  return {
    id: f.id,
    target: { kind: f.targetKind, titleId: f.titleId, reviewId: f.reviewId },
    reason: f.reason,
    category: f.category as Flag['category'],
    note: f.note,
    status: f.status,
    resolutionNote: f.resolutionNote,
    createdAt: f.createdAt,
    resolvedAt: f.resolvedAt,
  };
}

/** A review the asker may see: a hidden one only by its author and by editors. */
async function visibleReview(app: FastifyInstance, request: FastifyRequest, id: string): Promise<ReviewRecord> {
  const review = await app.store.reviews.get(id);
  const role = request.principal?.role;
  if (!review || (review.hidden && review.householdId !== request.principal?.householdId && role !== 'editor' && role !== 'admin')) {
    throw new NotFound(`No review has the id ${id}.`);
  }
  return review;
}

async function ownReview(app: FastifyInstance, request: FastifyRequest, id: string): Promise<ReviewRecord> {
  const review = await visibleReview(app, request, id);
  if (review.householdId !== request.principal!.householdId) throw new NotAllowed('Only the household that wrote a review may change or delete it.');
  // Otherwise deleting and posting again would undo the moderation (and drop its flags).
  if (review.hidden) throw new NotAllowed('A moderator hid this review: it can no longer be changed or deleted.');
  return review;
}

const reviewRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app;
  const householdOnly = app.requireRole('household');
  const editor = app.requireRole('editor');

  app.post(
    '/v1/titles/:title/reviews',
    {
      onRequest: householdOnly,
      config: WRITE_LIMITS.reviews,
      schema: {
        tags: ['community'],
        summary: 'Review a title, as a parent or for a kid',
        ...documentHeaders({ 201: ['etag', 'location'] }),
        description: 'One review per household (as parent) and per child per title: a second is a 409 naming the first.',
        security: BEARER,
        params: TitleParams,
        body: ReviewCreate,
        response: { 201: Review, ...problemResponses(400, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { title } = await loadTitle(store.titles, request.params.title);
      const { by, childId, ...fields } = request.body;
      const child = childId ? await childOf(app, request, childId) : null;
      const review = await store.reviews.create({
        ...fields,
        titleId: title.id,
        householdId: request.principal!.householdId!,
        childId: child?.id ?? null,
        by,
        authorAge: child ? ageOn(child.birth, todayUtc()) : null,
      });
      return reply.code(201).header('location', `/v1/reviews/${review.id}`).header('etag', etag(review.version)).send(reviewResponse(review, request));
    },
  );

  app.get(
    '/v1/titles/:title/reviews',
    {
      schema: {
        tags: ['community'],
        summary: 'Reviews of a title, newest or most helpful first',
        params: TitleParams,
        querystring: ReviewListQuery,
        response: { 200: page(Review).meta({ id: 'ReviewPage' }), ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { title } = await loadTitle(store.titles, request.params.title);
      const { by, sort, limit, cursor } = request.query;
      const scope = { route: 'reviews', title: title.id, by, sort };
      const result = await store.reviews.list(title.id, { by, sort, limit, after: app.cursors.after(scope, cursor) });
      // `mine` depends on the token.
      reply.header('vary', 'Authorization');
      return { items: result.items.map((r) => reviewResponse(r, request)), nextCursor: app.cursors.next(scope, result.keys, result.more) };
    },
  );

  app.get(
    '/v1/reviews/:review',
    {
      schema: { tags: ['community'], summary: 'One review', ...documentHeaders({ 200: ['etag'] }), params: ReviewParams, response: { 200: Review, ...problemResponses(404) } },
    },
    async (request, reply) => {
      const review = await visibleReview(app, request, request.params.review);
      return reply.header('etag', etag(review.version)).header('vary', 'Authorization').send(reviewResponse(review, request));
    },
  );

  app.patch(
    '/v1/reviews/:review',
    {
      onRequest: householdOnly,
      config: WRITE_LIMITS.reviews,
      schema: {
        tags: ['community'],
        summary: 'Change your review',
        ...documentHeaders({ 200: ['etag'] }),
        security: BEARER,
        params: ReviewParams,
        headers: IfMatchHeaders,
        body: ReviewPatch,
        response: { 200: Review, ...problemResponses(400, 403, 404, 412, 429) },
      },
    },
    async (request, reply) => {
      const review = await ownReview(app, request, request.params.review);
      const updated = await store.reviews.update(review.id, request.body, expectedVersions(request));
      return reply.header('etag', etag(updated.version)).send(reviewResponse(updated, request));
    },
  );

  app.delete(
    '/v1/reviews/:review',
    {
      onRequest: householdOnly,
      config: WRITE_LIMITS.reviews,
      schema: {
        tags: ['community'],
        summary: 'Delete your review',
        security: BEARER,
        params: ReviewParams,
        headers: IfMatchHeaders,
        response: { 204: z.undefined(), ...problemResponses(403, 404, 412, 429) },
      },
    },
    async (request, reply) => {
      const review = await ownReview(app, request, request.params.review);
      await store.reviews.remove(review.id, expectedVersions(request));
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/reviews/:review/helpful',
    {
      onRequest: householdOnly,
      config: WRITE_LIMITS.votes,
      schema: {
        tags: ['community'],
        summary: 'Mark a review helpful (once per household)',
        security: BEARER,
        params: ReviewParams,
        response: { 201: Review, ...problemResponses(403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const review = await visibleReview(app, request, request.params.review);
      if (review.householdId === request.principal!.householdId) throw new NotAllowed('A household cannot mark its own review helpful.');
      if (!(await store.reviews.vote(review.id, request.principal!.householdId!))) throw new Conflict('duplicate', 'You already marked this review helpful.');
      return reply.code(201).send(reviewResponse((await store.reviews.get(review.id))!, request));
    },
  );

  app.delete(
    '/v1/reviews/:review/helpful',
    {
      onRequest: householdOnly,
      config: WRITE_LIMITS.votes,
      schema: { tags: ['community'], summary: 'Take back a helpful mark', security: BEARER, params: ReviewParams, response: { 204: z.undefined(), ...problemResponses(404, 429) } },
    },
    async (request, reply) => {
      // Even on a review hidden since: the mark is the household's to take back.
      if (!(await store.reviews.unvote(request.params.review, request.principal!.householdId!))) throw new NotFound('You had not marked this review helpful.');
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
          summary: action === 'hide' ? 'Hide a review (editor): out of lists and statistics at once' : 'Restore a hidden review (editor)',
          security: BEARER,
          params: ReviewParams,
          response: { 200: Review, ...problemResponses(403, 404) },
        },
      },
      async (request) => {
        const review = await store.reviews.setHidden(request.params.review, action === 'hide');
        if (!review) throw new NotFound(`No review has the id ${request.params.review}.`);
        return reviewResponse(review, request);
      },
    );
  }

  app.post(
    '/v1/titles/:title/flags',
    {
      onRequest: householdOnly,
      config: WRITE_LIMITS.flags,
      schema: {
        tags: ['community'],
        summary: 'Flag what looks wrong about a title’s rating',
        description: 'One open flag per household per title.',
        security: BEARER,
        params: TitleParams,
        body: TitleFlagCreate,
        response: { 201: Flag, ...problemResponses(400, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { title } = await loadTitle(store.titles, request.params.title);
      const flag = await store.flags.create({
        householdId: request.principal!.householdId!,
        targetKind: 'title',
        titleId: title.id,
        reviewId: null,
        reason: request.body.reason,
        category: request.body.category ?? null,
        note: request.body.note ?? null,
      });
      return reply.code(201).send(flagResponse(flag));
    },
  );

  app.post(
    '/v1/reviews/:review/flags',
    {
      onRequest: householdOnly,
      config: WRITE_LIMITS.flags,
      schema: {
        tags: ['community'],
        summary: 'Flag a review (spam, inappropriate, spoiler, other)',
        description: 'One open flag per household per review.',
        security: BEARER,
        params: ReviewParams,
        body: ReviewFlagCreate,
        response: { 201: Flag, ...problemResponses(400, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const review = await visibleReview(app, request, request.params.review);
      if (review.householdId === request.principal!.householdId) throw new NotAllowed('A household cannot flag its own review: change or delete it instead.');
      const flag = await store.flags.create({
        householdId: request.principal!.householdId!,
        targetKind: 'review',
        titleId: review.titleId,
        reviewId: review.id,
        reason: request.body.reason,
        category: null,
        note: request.body.note ?? null,
      });
      return reply.code(201).send(flagResponse(flag));
    },
  );

  app.get(
    '/v1/flags',
    {
      onRequest: editor,
      schema: {
        tags: ['moderation'],
        summary: 'The moderation queue, oldest first (editor)',
        security: BEARER,
        querystring: FlagQuery,
        response: { 200: page(Flag).meta({ id: 'FlagPage' }), ...problemResponses(400, 403) },
      },
    },
    async (request) => {
      const { status, target, limit, cursor } = request.query;
      const scope = { route: 'flags', status, target };
      const result = await store.flags.list({ status, targetKind: target, limit, after: app.cursors.after(scope, cursor) });
      return { items: result.items.map(flagResponse), nextCursor: app.cursors.next(scope, result.keys, result.more) };
    },
  );

  app.patch(
    '/v1/flags/:flag',
    {
      onRequest: editor,
      schema: {
        tags: ['moderation'],
        summary: 'Resolve or dismiss an open flag, with a note (editor)',
        security: BEARER,
        params: z.object({ flag: IdString }),
        body: FlagClose,
        response: { 200: Flag, ...problemResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      const closed = await store.flags.close(request.params.flag, request.body.status, request.body.note);
      if (closed) return flagResponse(closed);
      const existing = await store.flags.get(request.params.flag);
      if (!existing) throw new NotFound(`No flag has the id ${request.params.flag}.`);
      throw new Conflict('state', `The flag is already ${existing.status}.`);
    },
  );
};

export default reviewRoutes;
