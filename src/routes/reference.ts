import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CATEGORIES, CATEGORY_KEYS } from '../domain/categories.js';
import { RATING_SYSTEMS, RATING_SYSTEMS_VERSION } from '../domain/rating-systems.js';
import { documentHeaders, PUBLIC } from '../schemas/common.js';
import { RatingSystemKey, TITLE_KINDS } from '../schemas/titles.js';
import { MAX_AGE, MIN_AGE } from '../domain/verdict.js';

/** The data is constant: each text is bounded by the longest the data holds, each list by the longest list. */
const upTo = (texts: readonly string[]) => z.string().max(Math.max(...texts.map((text) => text.length)));
const RATINGS = RATING_SYSTEMS.flatMap((s) => s.ratings);
const DESCRIPTORS = RATING_SYSTEMS.flatMap((s) => s.descriptors);

const CategoryList = z
  .object({
    items: z.array(
      z.object({
        key: z.enum(CATEGORY_KEYS),
        label: upTo(CATEGORIES.map((c) => c.label)),
        polarity: z.enum(['concern', 'positive']).describe('A limit on a concern is a maximum; on a positive category, a minimum.'),
        required: z.boolean().describe('Whether every advisory rates it.'),
        description: upTo(CATEGORIES.map((c) => c.description)),
        levels: z.array(z.object({ level: z.int().min(0).max(5), meaning: upTo(CATEGORIES.flatMap((c) => c.levels)) })).max(6),
      }),
    ).max(CATEGORIES.length),
  })
  .meta({ id: 'CategoryList' });

const RatingSystemList = z
  .object({
    version: upTo([RATING_SYSTEMS_VERSION]).describe('Changes whenever a rating or its age changes.'),
    items: z.array(
      z.object({
        system: RatingSystemKey,
        name: upTo(RATING_SYSTEMS.map((s) => s.name)),
        region: upTo(RATING_SYSTEMS.map((s) => s.region)),
        countries: z
          .array(z.string().length(2).regex(/^[A-Z]{2}$/))
          .max(Math.max(...RATING_SYSTEMS.map((s) => s.countries.length)))
          .describe('ISO 3166-1 alpha-2 codes of the countries it rates for; empty for a worldwide system (IARC).'),
        media: z.array(upTo(TITLE_KINDS)).max(TITLE_KINDS.length).describe('The kinds of title it rates.'),
        ratings: z.array(
          z.object({
            rating: upTo(RATINGS.map((r) => r.rating)),
            order: z.int().min(0).max(RATINGS.length).describe('0 is the mildest.'),
            minimumAge: z.int().min(MIN_AGE).max(MAX_AGE).describe('The age Guidepost reads the rating as.'),
            kind: z.enum(['advisory', 'restrictive']).describe('advisory: guidance; restrictive: the system or the law keeps younger people out.'),
            accompaniedAge: z
              .int()
              .min(MIN_AGE)
              .max(MAX_AGE)
              .nullable()
              .describe(`The youngest age the system admits with a parent or another adult (${MIN_AGE} where it names no lower bound: BBFC 12A, MPA R, ACB MA15+); null where it has no such rule.`),
            meaning: upTo(RATINGS.map((r) => r.meaning)),
          }),
        ).max(RATINGS.length),
        descriptors: z
          .array(z.object({ key: upTo(DESCRIPTORS.map((d) => d.key)), label: upTo(DESCRIPTORS.map((d) => d.label)) }))
          .max(Math.max(...RATING_SYSTEMS.map((s) => s.descriptors.length)))
          .describe('The content descriptors (pictograms, icons) the system prints beside a rating.'),
      }),
    ).max(RATING_SYSTEMS.length),
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
        summary: 'Official rating systems: their ratings in order, the age each stands for, who may come with an adult, and their content descriptors',
        ...documentHeaders({ 200: ['ETag'] }),
        response: { 200: RatingSystemList },
      },
    },
    async (_request, reply) =>
      reply.header('cache-control', CACHE).header('etag', `"${RATING_SYSTEMS_VERSION}"`).send({ version: RATING_SYSTEMS_VERSION, items: [...RATING_SYSTEMS] }),
  );
};

export default referenceRoutes;
