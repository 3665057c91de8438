import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BEARER, documentHeaders, IfMatchHeaders, problemResponses, PUBLIC } from '../schemas/common.js';
import { Advisory, AdvisoryInput, TitleParams } from '../schemas/titles.js';
import { etag, expectedVersions, notModified } from './shared/http.js';

/** A title's expert advisory. Its ETag is the title's: an advisory changes its title. */
const advisoryRoutes: FastifyPluginAsyncZod = async (app) => {
  const { titles } = app.services;

  app.get(
    '/v1/titles/:title/advisory',
    {
      schema: {
        tags: ['advisories'],
        operationId: 'getAdvisory',
        security: PUBLIC,
        summary: 'Read a title’s expert advisory',
        ...documentHeaders({ 200: ['ETag'] }),
        params: TitleParams,
        response: { 200: Advisory, 304: z.undefined(), ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { advisory, version } = await titles.getAdvisory(request.params.title);
      if (notModified(request, reply, etag(version))) return reply;
      return reply.header('etag', etag(version)).send(advisory);
    },
  );

  app.put(
    '/v1/titles/:title/advisory',
    {
      onRequest: app.requireRole('editor'),
      schema: {
        tags: ['advisories'],
        operationId: 'setAdvisory',
        summary: 'Write or replace a title’s expert advisory (editor)',
        ...documentHeaders({ 200: ['ETag'], 201: ['ETag'] }),
        description: 'Answers 201 when the title had no advisory, 200 when one was replaced.',
        security: BEARER,
        params: TitleParams,
        headers: IfMatchHeaders,
        body: AdvisoryInput,
        response: { 200: Advisory, 201: Advisory, ...problemResponses(400, 401, 403, 404, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const { title, version, created } = await titles.putAdvisory(request.params.title, request.body, expectedVersions(request));
      return reply
        .code(created ? 201 : 200)
        .header('etag', etag(version))
        .send(title.advisory!);
    },
  );

  app.delete(
    '/v1/titles/:title/advisory',
    {
      onRequest: app.requireRole('editor'),
      schema: {
        tags: ['advisories'],
        operationId: 'deleteAdvisory',
        summary: 'Remove a title’s expert advisory (editor)',
        security: BEARER,
        params: TitleParams,
        headers: IfMatchHeaders,
        response: { 204: z.undefined(), ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await titles.removeAdvisory(request.params.title, expectedVersions(request));
      return reply.code(204).send();
    },
  );
};

export default advisoryRoutes;
