import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { BEARER, documentHeaders, page, problemResponses } from '../schemas/common.js';
import { ChildParams } from '../schemas/children.js';
import { WatchRequest, WatchRequestApprove, WatchRequestCreate, WatchRequestDecline, WatchRequestParams, WatchRequestQuery } from '../schemas/requests.js';
import { cursorPage, householdIdOf, noStore } from './shared/http.js';
import { watchRequestResponse } from './shared/representations.js';

/** Requests to watch: the child asks from its own device, the parents answer. */
const requestRoutes: FastifyPluginAsyncZod = async (app) => {
  const { requests } = app.services;
  const parentOrDevice = app.requireRole('household', 'child');
  const parents = app.requireRole('household');
  noStore(app);

  app.post(
    '/v1/children/:child/requests',
    {
      onRequest: parentOrDevice,
      schema: {
        tags: ['requests'],
        operationId: 'createWatchRequest',
        summary: 'Ask to watch a title the child is blocked from',
        ...documentHeaders({ 201: ['Location'] }),
        description:
          'With the child’s device token (or the parents’). A 409 naming the verdict when the title is already allowed (never the parents’ notes). One pending request per child and title: asking again answers 200 with the one pending; at most 50 waiting per child (409). A request expires unanswered after REQUEST_TTL_HOURS (a week by default). Each ask spends one title of the verdict quota.',
        security: BEARER,
        params: ChildParams,
        body: WatchRequestCreate,
        response: { 200: WatchRequest, 201: WatchRequest, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      // An ask reads the child's verdict first: it spends the quota as a verdict does.
      await app.spendVerdictQuota(request, 1);
      const now = new Date();
      const { request: made, created } = await requests.ask(householdIdOf(request), request.params.child, request.body.title, request.body.note ?? null, now);
      return reply
        .code(created ? 201 : 200)
        .header('location', `/v1/children/${made.childId}/requests/${made.id}`)
        .send(watchRequestResponse(made, now));
    },
  );

  app.get(
    '/v1/children/:child/requests',
    {
      onRequest: parentOrDevice,
      schema: {
        tags: ['requests'],
        operationId: 'listWatchRequests',
        summary: 'The child’s requests, newest first',
        security: BEARER,
        params: ChildParams,
        querystring: WatchRequestQuery,
        response: { 200: page(WatchRequest).meta({ id: 'WatchRequestPage' }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const now = new Date();
      const { status, limit, cursor } = request.query;
      const paging = cursorPage(app, cursor, (child: string) => ({ route: 'requests', child, status }));
      const result = await requests.listRequests(householdIdOf(request), request.params.child, { limit, after: paging.after }, status === 'pending', now);
      return { items: result.items.map((r) => watchRequestResponse(r, now)), nextCursor: paging.next(result.keys, result.more) };
    },
  );

  app.get(
    '/v1/households/me/requests',
    {
      onRequest: parents,
      schema: {
        tags: ['requests'],
        operationId: 'listHouseholdWatchRequests',
        summary: 'Every child’s requests, newest first (?status=pending: those waiting for an answer)',
        security: BEARER,
        querystring: WatchRequestQuery,
        response: { 200: page(WatchRequest).meta({ id: 'HouseholdWatchRequestPage' }), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const now = new Date();
      const { status, limit, cursor } = request.query;
      const paging = cursorPage(app, cursor, (household: string) => ({ route: 'household-requests', household, status }));
      const result = await requests.listRequests(householdIdOf(request), null, { limit, after: paging.after }, status === 'pending', now);
      return { items: result.items.map((r) => watchRequestResponse(r, now)), nextCursor: paging.next(result.keys, result.more) };
    },
  );

  app.get(
    '/v1/children/:child/requests/:request',
    {
      onRequest: parentOrDevice,
      schema: {
        tags: ['requests'],
        operationId: 'getWatchRequest',
        summary: 'One request and its answer',
        security: BEARER,
        params: WatchRequestParams,
        response: { 200: WatchRequest, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => watchRequestResponse(await requests.getRequest(householdIdOf(request), request.params.child, request.params.request), new Date()),
  );

  // The parents' two answers: an approval (an allow override, for good or `until`), or a decline with a reason.
  for (const answer of ['approve', 'decline'] as const) {
    const approve = answer === 'approve';
    app.post(
      `/v1/children/:child/requests/:request/${answer}`,
      {
        onRequest: parents,
        schema: {
          tags: ['requests'],
          operationId: approve ? 'approveWatchRequest' : 'declineWatchRequest',
          summary: approve ? 'Approve a request: the title is allowed for the child (an allow override), for good or until a time' : 'Decline a request, with a short reason the child reads',
          description: 'Only a pending request that has not expired: otherwise a 409 saying what it is.',
          security: BEARER,
          params: WatchRequestParams,
          body: (approve ? WatchRequestApprove : WatchRequestDecline).nullish(),
          response: { 200: WatchRequest, ...problemResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const now = new Date();
        const body = (request.body ?? {}) as { until?: string | null; reason?: string | null };
        const decision = approve ? { status: 'approved' as const, allowedUntil: body.until ?? null } : { status: 'declined' as const, reason: body.reason ?? null };
        return watchRequestResponse(await requests.answer(householdIdOf(request), request.params.child, request.params.request, decision, now), now);
      },
    );
  }
};

export default requestRoutes;
