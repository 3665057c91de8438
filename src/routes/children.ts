import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import { todayUtc } from '../domain/age.js';
import { CATEGORIES, type CategoryKey } from '../domain/categories.js';
import { PRESET_AGES, presetFor } from '../domain/presets.js';
import { BEARER, documentHeaders, IfMatchHeaders, page, problemResponses, PUBLIC } from '../schemas/common.js';
import { Child, ChildCreate, ChildParams, ChildPatch, PageQuery, Presets } from '../schemas/children.js';
import { ChildTokenCreate, NewToken } from '../schemas/tokens.js';
import { TOKEN_MINTING } from '../plugins/rate-limit.js';
import { TOKENS_PER_CHILD } from '../domain/tokens.js';
import type { ChildFields, SortKey } from '../store/types.js';
import { cursorPage, etag, expectedVersions, householdIdOf, noStore } from './shared/http.js';
import { bound, childResponse } from './shared/representations.js';

type LimitsInput = Partial<Record<CategoryKey, { max: number } | { min: number }>>;

/** The API's { language: { max: 1 } } as stored: { language: 1 }. */
function storedLimits(limits: LimitsInput): ChildFields['limits'] {
  return Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, 'max' in v! ? v.max : v!.min]));
}

const childRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  const { children } = app.services;
  const householdOnly = app.requireRole('household');
  noStore(app);

  app.get(
    '/v1/presets',
    {
      schema: {
        tags: ['children'],
        operationId: 'listPresets',
        security: PUBLIC,
        summary: 'Default limits for every age 2–18',
        description: 'A maximum for each concern and a minimum (0) for each positive category; a child’s unset categories follow these.',
        response: { 200: Presets },
      },
    },
    async () => ({
      items: PRESET_AGES.map((age) => {
        const preset = presetFor(age);
        return { age, limits: Object.fromEntries(CATEGORIES.map((c) => [c.key, bound(c, preset[c.key])])) };
      }),
    }),
  );

  app.post(
    '/v1/children',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        operationId: 'createChild',
        summary: 'Add a child profile',
        description: `A household has at most ${config.CHILDREN_PER_HOUSEHOLD} children (CHILDREN_PER_HOUSEHOLD): past that, a 409.`,
        ...documentHeaders({ 201: ['ETag', 'Location'] }),
        security: BEARER,
        body: ChildCreate,
        response: { 201: Child, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const now = new Date();
      const child = await children.createChild(householdIdOf(request), { ...request.body, limits: storedLimits(request.body.limits) }, todayUtc(now));
      return reply.code(201).header('location', `/v1/children/${child.id}`).header('etag', etag(child.version)).send(childResponse(child, now));
    },
  );

  app.get(
    '/v1/children',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        operationId: 'listChildren',
        summary: 'The household’s children',
        security: BEARER,
        querystring: PageQuery,
        response: { 200: page(Child).meta({ id: 'ChildPage' }), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const paging = cursorPage(app, request.query.cursor, (household: string) => ({ route: 'children', household }));
      const { items, more } = await children.listChildren(householdIdOf(request), { limit: request.query.limit, after: (household) => paging.after(household)?.[1] });
      const now = new Date();
      const keys = items.map((c): SortKey => ['', c.id]);
      return { items: items.map((c) => childResponse(c, now)), nextCursor: paging.next(keys, more) };
    },
  );

  app.get(
    '/v1/children/:child',
    {
      onRequest: householdOnly,
      schema: { tags: ['children'], operationId: 'getChild', summary: 'A child profile',
        ...documentHeaders({ 200: ['ETag'] }), security: BEARER, params: ChildParams, response: { 200: Child, ...problemResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      const child = await children.getChild(householdIdOf(request), request.params.child);
      return reply.header('etag', etag(child.version)).send(childResponse(child, new Date()));
    },
  );

  app.patch(
    '/v1/children/:child',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        operationId: 'updateChild',
        summary: 'Change a child profile',
        ...documentHeaders({ 200: ['ETag'] }),
        security: BEARER,
        params: ChildParams,
        headers: IfMatchHeaders,
        body: ChildPatch,
        response: { 200: Child, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const now = new Date();
      const { limits, ...rest } = request.body;
      const patch: Partial<ChildFields> = { ...rest, ...(limits && { limits: storedLimits(limits) }) };
      const child = await children.updateChild(householdIdOf(request), request.params.child, patch, expectedVersions(request), todayUtc(now));
      return reply.header('etag', etag(child.version)).send(childResponse(child, now));
    },
  );

  app.post(
    '/v1/children/:child/tokens',
    {
      onRequest: householdOnly,
      // Counted with the household's own tokens: minting in a loop stays bounded either way.
      config: TOKEN_MINTING,
      schema: {
        tags: ['children'],
        operationId: 'createChildToken',
        summary: 'Mint a token for the child’s own device (shown once)',
        description: `A child token (gp_ch_…) reads this child’s verdicts, batches, catalogue and episodes, and posts the child’s own kid reviews; it can never read or change limits, other children, the household, tokens or exports (403), and another child is not there for it (404). Listed, masked, under GET /v1/households/me/tokens and revoked there; erased with the child. At most ${TOKENS_PER_CHILD} live per child (409).`,
        security: BEARER,
        params: ChildParams,
        body: ChildTokenCreate.nullish(),
        response: { 201: NewToken, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const created = await children.mintDeviceToken(householdIdOf(request), request.params.child, request.body?.name ?? null);
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.delete(
    '/v1/children/:child',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        operationId: 'deleteChild',
        summary: 'Delete a child profile and its overrides',
        security: BEARER,
        params: ChildParams,
        headers: IfMatchHeaders,
        response: { 204: z.undefined(), ...problemResponses(401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await children.removeChild(householdIdOf(request), request.params.child, expectedVersions(request));
      return reply.code(204).send();
    },
  );
};

export default childRoutes;
