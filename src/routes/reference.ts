import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CATEGORIES, CATEGORY_KEYS } from '../domain/categories.js';
import { RATING_SYSTEMS, RATING_SYSTEMS_VERSION } from '../domain/rating-systems.js';
import { documentHeaders, PUBLIC } from '../schemas/common.js';
import { RatingSystemKey } from '../schemas/titles.js';

const CategoryList = z
  .object({
    items: z.array(
      z.object({
        key: z.enum(CATEGORY_KEYS),
        label: z.string(),
        polarity: z.enum(['concern', 'positive']).describe('A limit on a concern is a maximum; on a positive category, a minimum.'),
        required: z.boolean().describe('Whether every advisory rates it.'),
        description: z.string(),
        levels: z.array(z.object({ level: z.int().min(0).max(5), meaning: z.string() })),
      }),
    ),
  })
  .meta({ id: 'CategoryList' });

const RatingSystemList = z
  .object({
    version: z.string().describe('Changes whenever a rating or its age changes.'),
    items: z.array(
      z.object({
        system: RatingSystemKey,
        name: z.string(),
        region: z.string(),
        media: z.array(z.string()),
        ratings: z.array(
          z.object({
            rating: z.string(),
            order: z.int().describe('0 is the mildest.'),
            minimumAge: z.int().describe('The age Guidepost reads the rating as.'),
            kind: z.enum(['advisory', 'restrictive']),
            meaning: z.string(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'RatingSystemList' });

const CATEGORY_BODY = {
  items: CATEGORIES.map((c) => ({ ...c, levels: c.levels.map((meaning, level) => ({ level, meaning })) })),
};

const CACHE = 'public, max-age=3600';

const referenceRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/categories',
    { schema: { tags: ['reference'], operationId: 'listCategories', security: PUBLIC, summary: 'The rating categories and what each level means', response: { 200: CategoryList } } },
    async (_request, reply) => reply.header('cache-control', CACHE).send(CATEGORY_BODY),
  );

  app.get(
    '/v1/rating-systems',
    {
      schema: {
        tags: ['reference'],
        operationId: 'listRatingSystems',
        security: PUBLIC,
        summary: 'Official rating systems, their ratings in order and the age each stands for',
        ...documentHeaders({ 200: ['etag'] }),
        response: { 200: RatingSystemList },
      },
    },
    async (_request, reply) =>
      reply.header('cache-control', CACHE).header('etag', `"${RATING_SYSTEMS_VERSION}"`).send({ version: RATING_SYSTEMS_VERSION, items: [...RATING_SYSTEMS] }),
  );
};

export default referenceRoutes;
