import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { BEARER, documentHeaders, page, problemResponses } from '../schemas/common.js';
import { ChildParams } from '../schemas/children.js';
import { WatchRequest, WatchRequestApprove, WatchRequestCreate, WatchRequestDecline, WatchRequestParams, WatchRequestQuery } from '../schemas/requests.js';
import { requestState } from '../services/requests.js';
import type { WatchRequestRecord } from '../store/types.js';
import { cursorPage, householdIdOf, noStore } from './shared/http.js';

/** A request as the child and the parents read it: the request and the answer, nothing else. */
const shown = (r: WatchRequestRecord, now: Date) => ({
  id: r.id,
  childId: r.childId,
  title: { id: r.titleId, name: r.titleName },
  note: r.note,
  status: requestState(r, now.toISOString()),
  reason: r.reason,
  allowedUntil: r.allowedUntil,
  expiresAt: r.expiresAt,
  createdAt: r.createdAt,
  decidedAt: r.decidedAt,
});

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
          'With the child’s device token (or the parents’). A 409 naming the verdict when the title is already allowed. One pending request per child and title: asking again answers 200 with the one pending. A request expires unanswered after REQUEST_TTL_HOURS (a week by default).',
        security: BEARER,
        params: ChildParams,
        body: WatchRequestCreate,
        response: { 200: WatchRequest, 201: WatchRequest, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const now = new Date();
      const { request: made, created } = await requests.ask(householdIdOf(request), request.params.child, request.body.title, request.body.note ?? null, now);
      return reply
        .code(created ? 201 : 200)
        .header('location', `/v1/children/${made.childId}/requests/${made.id}`)
        .send(shown(made, now));
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
      return { items: result.items.map((r) => shown(r, now)), nextCursor: paging.next(result.keys, result.more) };
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
      return { items: result.items.map((r) => shown(r, now)), nextCursor: paging.next(result.keys, result.more) };
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
    async (request) => shown(await requests.getRequest(householdIdOf(request), request.params.child, request.params.request), new Date()),
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
        return shown(await requests.answer(householdIdOf(request), request.params.child, request.params.request, decision, now), now);
      },
    );
  }
};

export default requestRoutes;
