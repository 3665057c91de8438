import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BEARER, documentHeaders, IfMatchHeaders, page, problemResponses, PUBLIC } from '../schemas/common.js';
import { Title, TitleFilterQuery, TitleInput, TitleListItem, TitleParams, TitlePatch } from '../schemas/titles.js';
import type { TitleFilters } from '../store/types.js';
import { cursorPage, expectedVersions, notModified, titleEtag } from './shared/http.js';

const titlesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { titles } = app.services;

  app.get(
    '/v1/titles',
    {
      schema: {
        tags: ['titles'],
        operationId: 'listTitles',
        security: PUBLIC,
        summary: 'Search and filter the catalogue',
        description: 'Every filter narrows the list; a category filter leaves out titles without an expert advisory rating that category.',
        querystring: TitleFilterQuery,
        response: { 200: page(TitleListItem).meta({ id: 'TitleListPage' }), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { sort, limit, cursor } = request.query;
      const paging = cursorPage(app, cursor, (filters: TitleFilters) => ({ route: 'titles', filters, sort }));
      const result = await titles.listTitles({ query: request.query, sort, limit, after: paging.after });
      return { items: result.items, nextCursor: paging.next(result.keys, result.more) };
    },
  );

  app.get(
    '/v1/titles/:title',
    {
      schema: {
        tags: ['titles'],
        operationId: 'getTitle',
        security: PUBLIC,
        summary: 'Read a title',
        ...documentHeaders({ 200: ['ETag'] }),
        description: 'By id or external reference. Answers 304 to an If-None-Match that holds the current ETag.',
        params: TitleParams,
        response: { 200: Title, 304: z.undefined(), ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const found = await titles.getTitle(request.params.title);
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
        operationId: 'createTitle',
        summary: 'Add a title (editor)',
        ...documentHeaders({ 201: ['ETag', 'Location'] }),
        security: BEARER,
        body: TitleInput,
        response: { 201: Title, ...problemResponses(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const created = await titles.createTitle(request.body);
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
        operationId: 'updateTitle',
        summary: 'Change a title (editor)',
        ...documentHeaders({ 200: ['ETag'] }),
        description: 'Each top-level field present replaces the stored one; null clears an optional field. Send If-Match to avoid overwriting someone else’s change.',
        security: BEARER,
        params: TitleParams,
        headers: IfMatchHeaders,
        body: TitlePatch,
        response: { 200: Title, ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const updated = await titles.updateTitle(request.params.title, request.body, expectedVersions(request));
      return reply.header('etag', titleEtag(updated)).send(updated.title);
    },
  );

  app.delete(
    '/v1/titles/:title',
    {
      onRequest: app.requireRole('editor'),
      schema: {
        tags: ['titles'],
        operationId: 'deleteTitle',
        summary: 'Delete a title and its advisory (editor)',
        security: BEARER,
        params: TitleParams,
        headers: IfMatchHeaders,
        response: { 204: z.undefined(), ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await titles.removeTitle(request.params.title, expectedVersions(request));
      return reply.code(204).send();
    },
  );
};

export default titlesRoutes;
