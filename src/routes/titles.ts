import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CategoryKey } from '../domain/categories.js';
import { searchTokens, sortKey } from '../domain/text.js';
import { formatRef, type TitleRef } from '../domain/references.js';
import { Invalid, NotFound } from '../domain/errors.js';
import { BEARER, documentHeaders, IfMatchHeaders, page, problemResponses } from '../schemas/common.js';
import { Title, TitleFilterQuery, TitleInput, TitleListItem, TitleParams, TitlePatch } from '../schemas/titles.js';
import type { LevelFilter, TitleFilters, TitleRecord, TitleStore } from '../store/types.js';
import { etag, expectedVersions, notModified } from './http.js';

const LEVEL_PARAMS: Record<string, [CategoryKey, LevelFilter['op']]> = {
  maxLanguage: ['language', 'max'],
  maxSex: ['sex', 'max'],
  maxDrinking: ['drinking', 'max'],
  maxViolence: ['violence', 'max'],
  maxConsumerism: ['consumerism', 'max'],
  minMessages: ['messages', 'min'],
  minRoleModels: ['roleModels', 'min'],
  minEducational: ['educational', 'min'],
  minDiversity: ['diversity', 'min'],
};

/** The store's filters from the query string; shared with every catalogue view. */
export function titleFilters(query: TitleFilterQuery): TitleFilters {
  const q = query.q === undefined ? undefined : searchTokens(query.q);
  if (q && q.length === 0) throw new Invalid('query.q', 'give at least one letter or digit to search for');
  const genre = query.genre === undefined ? undefined : sortKey(query.genre);
  if (genre === '') throw new Invalid('query.genre', 'give at least one letter or digit');
  return {
    q,
    kinds: query.kind,
    genre,
    forAge: query.forAge,
    levels: Object.entries(LEVEL_PARAMS).flatMap(([param, [category, op]]) => {
      const value = query[param as keyof TitleFilterQuery] as number | undefined;
      return value === undefined ? [] : [{ category, op, value }];
    }),
    updatedSince: query.updatedSince && new Date(query.updatedSince).toISOString(),
  };
}

/** A title's ETag: its version, and its community figures, which change without an edit. */
export const titleEtag = (record: TitleRecord) => etag(record.version, record.title.community);

export async function loadTitle(titles: TitleStore, ref: TitleRef): Promise<TitleRecord> {
  const found = await titles.get(ref);
  if (!found) throw new NotFound(`No title matches ${formatRef(ref)}.`);
  return found;
}


const titlesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { titles } = app.store;

  app.get(
    '/v1/titles',
    {
      schema: {
        tags: ['titles'],
        summary: 'Search and filter the catalogue',
        description: 'Every filter narrows the list; a category filter leaves out titles without an expert advisory rating that category.',
        querystring: TitleFilterQuery,
        response: { 200: page(TitleListItem).meta({ id: 'TitleListPage' }), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { sort, limit, cursor } = request.query;
      const filters = titleFilters(request.query);
      const scope = { route: 'titles', filters, sort };
      const result = await titles.list({ filters, sort, limit, after: app.cursors.after(scope, cursor) });
      return { items: result.items, nextCursor: app.cursors.next(scope, result.keys, result.more) };
    },
  );

  app.get(
    '/v1/titles/:title',
    {
      schema: {
        tags: ['titles'],
        summary: 'Read a title',
        ...documentHeaders({ 200: ['etag'] }),
        description: 'By id or external reference. Answers 304 to an If-None-Match that holds the current ETag.',
        params: TitleParams,
        response: { 200: Title, 304: z.undefined(), ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const found = await loadTitle(titles, request.params.title);
      const tag = titleEtag(found);
      if (notModified(request, reply, tag)) return reply;
      return reply.header('etag', tag).send(found.title);
    },
  );

  app.post(
    '/v1/titles',
    {
      onRequest: app.requireRole('editor'),
      schema: {
        tags: ['titles'],
        summary: 'Add a title (editor)',
        ...documentHeaders({ 201: ['etag', 'location'] }),
        security: BEARER,
        body: TitleInput,
        response: { 201: Title, ...problemResponses(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const created = await titles.create(request.body);
      return reply
        .code(201)
        .header('location', `/v1/titles/${created.title.id}`)
        .header('etag', titleEtag(created))
        .send(created.title);
    },
  );

  app.patch(
    '/v1/titles/:title',
    {
      onRequest: app.requireRole('editor'),
      schema: {
        tags: ['titles'],
        summary: 'Change a title (editor)',
        ...documentHeaders({ 200: ['etag'] }),
        description: 'Each top-level field present replaces the stored one; null clears an optional field. Send If-Match to avoid overwriting someone else’s change.',
        security: BEARER,
        params: TitleParams,
        headers: IfMatchHeaders,
        body: TitlePatch,
        response: { 200: Title, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const updated = await titles.update(request.params.title, request.body, expectedVersions(request));
      return reply.header('etag', titleEtag(updated)).send(updated.title);
    },
  );

  app.delete(
    '/v1/titles/:title',
    {
      onRequest: app.requireRole('editor'),
      schema: {
        tags: ['titles'],
        summary: 'Delete a title and its advisory (editor)',
        security: BEARER,
        params: TitleParams,
        headers: IfMatchHeaders,
        response: { 204: z.undefined(), ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await titles.remove(request.params.title, expectedVersions(request));
      return reply.code(204).send();
    },
  );
};

export default titlesRoutes;
