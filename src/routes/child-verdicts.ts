import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { todayUtc } from '../domain/age.js';
import { childPolicy } from '../domain/policy.js';
import { formatRef, parseTitleRef, type TitleRef } from '../domain/references.js';
import { activeOverride, decide } from '../domain/verdict.js';
import { childCatalogue } from '../catalogue/child-catalogue.js';
import { Invalid, NotFound } from '../domain/errors.js';
import { BEARER, documentHeaders, IfMatchHeaders } from '../schemas/common.js';
import { etag, expectedVersions, noStore } from './http.js';
import { page, problemResponses } from '../schemas/common.js';
import { ChildParams, Override, OverrideInput, PageQuery } from '../schemas/children.js';
import { TitleFilterQuery, TitleListItem, TitleParams } from '../schemas/titles.js';
import { ChildVerdict, VerdictBatchInput } from '../schemas/verdicts.js';
import type { Config } from '../config.js';
import type { ChildRecord, SortKey } from '../store/types.js';
import { childOf, overrideResponse } from './children.js';
import { loadTitle, titleFilters } from './titles.js';
import { verdictResponse } from './verdicts.js';

const ChildTitleParams = z.object({ ...ChildParams.shape, ...TitleParams.shape });

const childVerdictRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  const policyOf = (child: ChildRecord, now: Date) => childPolicy(child, todayUtc(now), config.COMMUNITY_MIN_REVIEWS);
  const { store } = app;
  const householdOnly = app.requireRole('household');
  noStore(app);

  app.get(
    '/v1/children/:child/verdicts/:title',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['verdicts'],
        summary: 'Is this title OK for this child?',
        description: 'Every rule is evaluated and every failure reported: age, categories, certification ceilings, unrated; an override in force decides, and the rules still show.',
        security: BEARER,
        params: ChildTitleParams,
        response: { 200: ChildVerdict, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await app.spendVerdictQuota(request, 1);
      const child = await childOf(app, request, request.params.child);
      const { title } = await loadTitle(store.titles, request.params.title);
      const now = new Date();
      const override = (await store.overrides.forTitles(child.id, [title.id])).get(title.id);
      const verdict = decide(title, policyOf(child, now), activeOverride(override, now.toISOString()));
      return { ref: formatRef(request.params.title), ...verdictResponse(title, verdict) };
    },
  );

  app.post(
    '/v1/children/:child/verdicts',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['verdicts'],
        summary: 'Verdicts for up to 100 titles at once',
        description:
          'Results come in the order asked; a reference that matches no title, or is not a title reference at all, is an item with status `unknown`, not a failed request.',
        security: BEARER,
        params: ChildParams,
        body: VerdictBatchInput,
        response: { 200: z.object({ items: z.array(ChildVerdict) }).meta({ id: 'ChildVerdictBatch' }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      // Titles, not calls, count: a batch of 100 spends 100 of the hourly quota.
      await app.spendVerdictQuota(request, request.body.titles.length);
      const child = await childOf(app, request, request.params.child);
      const parsed = request.body.titles.map(parseTitleRef);
      const refs = parsed.filter((r): r is TitleRef => !('error' in r));
      const found = await store.titles.getMany(refs);
      const records = parsed.map((r) => ('error' in r ? null : found[refs.indexOf(r)]!));
      const overrides = await store.overrides.forTitles(child.id, records.flatMap((r) => (r ? [r.title.id] : [])));
      const now = new Date();
      const policy = policyOf(child, now);
      return {
        items: parsed.map((ref, i) => {
          const record = records[i];
          if (!record) {
            return {
              ref: 'error' in ref ? request.body.titles[i]! : formatRef(ref),
              title: null,
              status: 'unknown' as const,
              allowed: false,
              age: null,
              forAge: policy.age,
              decidedBy: 'none' as const,
              reasons: [],
              notRated: [],
              message: 'error' in ref ? `Not a title reference: ${ref.error}.` : `No title matches ${formatRef(ref)}.`,
              ratings: [],
              certifications: [],
            };
          }
          const verdict = decide(record.title, policy, activeOverride(overrides.get(record.title.id), now.toISOString()));
          return { ref: formatRef(ref as TitleRef), ...verdictResponse(record.title, verdict) };
        }),
      };
    },
  );

  app.get(
    '/v1/children/:child/titles',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        summary: 'The titles this child may watch',
        description: 'The catalogue with the same filters and sorts as GET /v1/titles, holding only titles whose verdict for the child is allowed.',
        security: BEARER,
        params: ChildParams,
        querystring: TitleFilterQuery,
        response: { 200: page(TitleListItem).meta({ id: 'ChildTitlePage' }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const child = await childOf(app, request, request.params.child);
      const { sort, limit, cursor } = request.query;
      const filters = titleFilters(request.query);
      const scope = { route: 'child-titles', child: child.id, filters, sort };
      const now = new Date();
      const result = await childCatalogue(store, {
        childId: child.id,
        policy: policyOf(child, now),
        now: now.toISOString(),
        filters,
        sort,
        limit,
        after: app.cursors.after(scope, cursor),
      });
      return { items: result.items, nextCursor: app.cursors.next(scope, result.keys, result.more) };
    },
  );

  app.put(
    '/v1/children/:child/overrides/:title',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        summary: 'Allow or block one title for this child',
        ...documentHeaders({ 200: ['etag'], 201: ['etag'] }),
        description: 'An override in force wins over every rule. `expiresAt` must lie in the future. 201 when new, 200 when replaced.',
        security: BEARER,
        params: ChildTitleParams,
        headers: IfMatchHeaders,
        body: OverrideInput,
        response: { 200: Override, 201: Override, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const child = await childOf(app, request, request.params.child);
      const { title } = await loadTitle(store.titles, request.params.title);
      const now = new Date().toISOString();
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt).toISOString() : null;
      if (expiresAt !== null && expiresAt <= now) throw new Invalid('expiresAt', 'must lie in the future');
      const { override, created } = await store.overrides.put(
        child.id,
        title.id,
        { decision: request.body.decision, note: request.body.note ?? null, expiresAt },
        expectedVersions(request),
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
        summary: 'One override of this child',
        ...documentHeaders({ 200: ['etag'] }),
        security: BEARER,
        params: ChildTitleParams,
        response: { 200: Override, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const child = await childOf(app, request, request.params.child);
      const { title } = await loadTitle(store.titles, request.params.title);
      const override = (await store.overrides.forTitles(child.id, [title.id])).get(title.id);
      if (!override) throw new NotFound(`There is no override for “${title.name}”.`);
      return reply.header('etag', etag(override.version)).send(overrideResponse(override, new Date().toISOString()));
    },
  );

  app.get(
    '/v1/children/:child/overrides',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        summary: 'This child’s overrides, expired ones marked',
        security: BEARER,
        params: ChildParams,
        querystring: PageQuery,
        response: { 200: page(Override).meta({ id: 'OverridePage' }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const child = await childOf(app, request, request.params.child);
      const scope = { route: 'overrides', child: child.id };
      const after = app.cursors.after(scope, request.query.cursor)?.[1];
      const { items, more } = await store.overrides.list(child.id, { limit: request.query.limit, after });
      const now = new Date().toISOString();
      const keys = items.map((o): SortKey => ['', o.titleId]);
      return { items: items.map((o) => overrideResponse(o, now)), nextCursor: app.cursors.next(scope, keys, more) };
    },
  );

  app.delete(
    '/v1/children/:child/overrides/:title',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['children'],
        summary: 'Remove an override',
        security: BEARER,
        params: ChildTitleParams,
        headers: IfMatchHeaders,
        response: { 204: z.undefined(), ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const child = await childOf(app, request, request.params.child);
      const { title } = await loadTitle(store.titles, request.params.title);
      await store.overrides.remove(child.id, title.id, expectedVersions(request));
      return reply.code(204).send();
    },
  );
};

export default childVerdictRoutes;
