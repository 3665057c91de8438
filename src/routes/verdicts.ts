import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses, PUBLIC } from '../schemas/common.js';
import { TitleParams } from '../schemas/titles.js';
import { AgeQuery, AgeVerdict } from '../schemas/verdicts.js';
import { verdictResponse } from './shared/representations.js';

const verdictRoutes: FastifyPluginAsyncZod = async (app) => {
  const { verdicts } = app.services;

  app.get(
    '/v1/titles/:title/verdict',
    {
      schema: {
        tags: ['verdicts'],
        operationId: 'getTitleVerdict',
        security: PUBLIC,
        summary: 'Is this title OK at a given age?',
        description:
          'The expert advisory’s age decides; without one, the strictest official certification (of the `country`’s rating systems, when the title has one of them); without either, the title is unrated (not allowed).',
        params: TitleParams,
        querystring: AgeQuery,
        response: { 200: AgeVerdict, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { title, verdict } = await verdicts.titleVerdict(request.params.title, request.query.age, request.query.country ?? null);
      return verdictResponse(title, verdict);
    },
  );
};

export default verdictRoutes;
