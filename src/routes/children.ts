import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import { ageOn, bornAfter, todayUtc } from '../domain/age.js';
import { CATEGORIES, type CategoryKey } from '../domain/categories.js';
import { effectiveLimits } from '../domain/policy.js';
import { PRESET_AGES, presetFor } from '../domain/presets.js';
import { Invalid, NotFound } from '../domain/errors.js';
import { BEARER, documentHeaders, IfMatchHeaders, page, problemResponses } from '../schemas/common.js';
import { Child, ChildCreate, ChildParams, ChildPatch, PageQuery, Presets } from '../schemas/children.js';
import type { ChildFields, ChildRecord, Household, OverrideRecord, SortKey, Store } from '../store/types.js';
import { etag, expectedVersions, noStore } from './http.js';


/** The household of the request's household token (the preHandler has checked the role). */
export async function householdOf(app: FastifyInstance, request: FastifyRequest): Promise<Household> {
  const household = await app.store.households.get(request.principal!.householdId!);
  // A token outlives nothing: erasing a household deletes its tokens. This is for a race with that.
  if (!household) throw new NotFound('The household no longer exists.');
  return household;
}

/** The child, if it belongs to the caller's household; anything else is the same 404. */
export async function childOf(app: FastifyInstance, request: FastifyRequest, childId: string): Promise<ChildRecord> {
  const child = await app.store.children.get(request.principal!.householdId!, childId);
  if (!child) throw new NotFound(`No child has the id ${childId}.`);
  return child;
}

export function childResponse(child: ChildRecord, now: Date): Child {
  const age = ageOn(child.birth, todayUtc(now));
  const limits = effectiveLimits(age, child.limits);
  return {
    id: child.id,
    nickname: child.nickname,
    birth: child.birth,
    age,
    limits: Object.fromEntries(
      CATEGORIES.map((c) => [c.key, { [c.polarity === 'concern' ? 'max' : 'min']: limits[c.key].value, source: limits[c.key].source }]),
    ) as Child['limits'],
    ageRule: child.ageRule,
    unrated: child.unrated,
    certificationCeilings: child.certificationCeilings,
    createdAt: child.createdAt,
    updatedAt: child.updatedAt,
  };
}

export function overrideResponse(o: OverrideRecord, now: string) {
  return {
    title: { id: o.titleId, name: o.titleName },
    decision: o.decision,
    note: o.note,
    expiresAt: o.expiresAt,
    expired: o.expiresAt !== null && o.expiresAt <= now,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

export async function allChildren(store: Store, householdId: string): Promise<ChildRecord[]> {
  const all: ChildRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const { items, more } = await store.children.list(householdId, { limit: 100, after });
    all.push(...items);
    if (!more) return all;
    after = items.at(-1)!.id;
  }
}

type LimitsInput = Partial<Record<CategoryKey, { max: number } | { min: number }>>;

/** The API's { language: { max: 1 } } as stored: { language: 1 }. */
function storedLimits(limits: LimitsInput): ChildFields['limits'] {
  return Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, 'max' in v! ? v.max : v!.min]));
}

function checkBirth(birth: string | undefined, today: string): void {
  if (birth === undefined) return;
  if (bornAfter(birth, today)) throw new Invalid('birth', 'lies in the future');
  if (ageOn(birth, today) > 30) throw new Invalid('birth', 'a child profile is for someone 30 or younger');
}

const childRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  const { store } = app;
  const householdOnly = app.requireRole('household');
  noStore(app);

  app.get(
    '/v1/presets',
    {
      schema: {
        tags: ['children'],
        summary: 'Default limits for every age 2–18',
        description: 'A maximum for each concern and a minimum (0) for each positive category; a child’s unset categories follow these.',
        response: { 200: Presets },
      },
    },
    async () => ({
      items: PRESET_AGES.map((age) => {
        const preset = presetFor(age);
        return { age, limits: Object.fromEntries(CATEGORIES.map((c) => [c.key, { [c.polarity === 'concern' ? 'max' : 'min']: preset[c.key] }])) };
      }),
    }),
  );

  app.post(
    '/v1/children',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        summary: 'Add a child profile',
        description: `A household has at most ${config.CHILDREN_PER_HOUSEHOLD} children (CHILDREN_PER_HOUSEHOLD): past that, a 409.`,
        ...documentHeaders({ 201: ['etag', 'location'] }),
        security: BEARER,
        body: ChildCreate,
        response: { 201: Child, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const now = new Date();
      checkBirth(request.body.birth, todayUtc(now));
      const household = await householdOf(app, request);
      const child = await store.children.create(household.id, { ...request.body, limits: storedLimits(request.body.limits) }, config.CHILDREN_PER_HOUSEHOLD);
      return reply.code(201).header('location', `/v1/children/${child.id}`).header('etag', etag(child.version)).send(childResponse(child, now));
    },
  );

  app.get(
    '/v1/children',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        summary: 'The household’s children',
        security: BEARER,
        querystring: PageQuery,
        response: { 200: page(Child).meta({ id: 'ChildPage' }), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const household = await householdOf(app, request);
      const scope = { route: 'children', household: household.id };
      const after = app.cursors.after(scope, request.query.cursor)?.[1];
      const { items, more } = await store.children.list(household.id, { limit: request.query.limit, after });
      const now = new Date();
      const keys = items.map((c): SortKey => ['', c.id]);
      return { items: items.map((c) => childResponse(c, now)), nextCursor: app.cursors.next(scope, keys, more) };
    },
  );

  app.get(
    '/v1/children/:child',
    {
      onRequest: householdOnly,
      schema: { tags: ['children'], summary: 'A child profile',
        ...documentHeaders({ 200: ['etag'] }), security: BEARER, params: ChildParams, response: { 200: Child, ...problemResponses(401, 403, 404) } },
    },
    async (request, reply) => {
      const child = await childOf(app, request, request.params.child);
      return reply.header('etag', etag(child.version)).send(childResponse(child, new Date()));
    },
  );

  app.patch(
    '/v1/children/:child',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        summary: 'Change a child profile',
        ...documentHeaders({ 200: ['etag'] }),
        security: BEARER,
        params: ChildParams,
        headers: IfMatchHeaders,
        body: ChildPatch,
        response: { 200: Child, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const now = new Date();
      checkBirth(request.body.birth, todayUtc(now));
      const { limits, ...rest } = request.body;
      const patch: Partial<ChildFields> = { ...rest, ...(limits && { limits: storedLimits(limits) }) };
      const child = await store.children.update(request.principal!.householdId!, request.params.child, patch, expectedVersions(request));
      return reply.header('etag', etag(child.version)).send(childResponse(child, now));
    },
  );

  app.delete(
    '/v1/children/:child',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        summary: 'Delete a child profile and its overrides',
        security: BEARER,
        params: ChildParams,
        headers: IfMatchHeaders,
        response: { 204: z.undefined(), ...problemResponses(401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await store.children.remove(request.principal!.householdId!, request.params.child, expectedVersions(request));
      return reply.code(204).send();
    },
  );
};

export default childRoutes;
