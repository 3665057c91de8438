import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BEARER, documentHeaders, IfMatchHeaders, page, problemResponses } from '../schemas/common.js';
import { ChildParams, ChildTitleParams, Override, OverrideInput, PageQuery } from '../schemas/children.js';
import type { SortKey } from '../store/types.js';
import { cursorPage, etag, expectedVersions, householdIdOf, noStore } from './shared/http.js';
import { overrideResponse } from './shared/representations.js';

/** A child's overrides: one title allowed or blocked, whatever the rules say. */
const overrideRoutes: FastifyPluginAsyncZod = async (app) => {
  const { children } = app.services;
  const householdOnly = app.requireRole('household');
  noStore(app);

  app.put(
    '/v1/children/:child/overrides/:title',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        operationId: 'setOverride',
        summary: 'Allow or block one title for this child',
        ...documentHeaders({ 200: ['ETag'], 201: ['ETag'] }),
        description: 'An override in force wins over every rule. `expiresAt` must lie in the future. 201 when new, 200 when replaced.',
        security: BEARER,
        params: ChildTitleParams,
        headers: IfMatchHeaders,
        body: OverrideInput,
        response: { 200: Override, 201: Override, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const now = new Date().toISOString();
      const { decision, note, expiresAt } = request.body;
      const { override, created } = await children.putOverride(
        householdIdOf(request),
        request.params.child,
        request.params.title,
        { decision, note: note ?? null, expiresAt: expiresAt ?? null },
        expectedVersions(request),
        now,
      );
      return reply
        .code(created ? 201 : 200)
        .header('etag', etag(override.version))
        .send(overrideResponse(override, now));
    },
  );

  app.get(
    '/v1/children/:child/overrides/:title',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        operationId: 'getOverride',
        summary: 'One override of this child',
        ...documentHeaders({ 200: ['ETag'] }),
        security: BEARER,
        params: ChildTitleParams,
        response: { 200: Override, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const override = await children.getOverride(householdIdOf(request), request.params.child, request.params.title);
      return reply.header('etag', etag(override.version)).send(overrideResponse(override, new Date().toISOString()));
    },
  );

  app.get(
    '/v1/children/:child/overrides',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        operationId: 'listOverrides',
        summary: 'This child’s overrides, expired ones marked',
        security: BEARER,
        params: ChildParams,
        querystring: PageQuery,
        response: { 200: page(Override).meta({ id: 'OverridePage' }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const paging = cursorPage(app, request.query.cursor, (child: string) => ({ route: 'overrides', child }));
      const { items, more } = await children.listOverrides(householdIdOf(request), request.params.child, { limit: request.query.limit, after: (child) => paging.after(child)?.[1] });
      const now = new Date().toISOString();
      const keys = items.map((o): SortKey => ['', o.titleId]);
      return { items: items.map((o) => overrideResponse(o, now)), nextCursor: paging.next(keys, more) };
    },
  );

  app.delete(
    '/v1/children/:child/overrides/:title',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        operationId: 'deleteOverride',
        summary: 'Remove an override',
        security: BEARER,
        params: ChildTitleParams,
        headers: IfMatchHeaders,
        response: { 204: z.undefined(), ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await children.removeOverride(householdIdOf(request), request.params.child, request.params.title, expectedVersions(request));
      return reply.code(204).send();
    },
  );
};

export default overrideRoutes;
