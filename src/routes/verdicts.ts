import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CATEGORIES } from '../domain/categories.js';
import { ageVerdict, type Verdict } from '../domain/verdict.js';
import { problemResponses } from '../schemas/common.js';
import { TitleParams, type Title } from '../schemas/titles.js';
import { AgeQuery, AgeVerdict } from '../schemas/verdicts.js';
import { loadTitle } from './titles.js';

/** The advisory's categories in table order, labelled, for a parent to read beside the verdict. */
export function categoryRatings(title: Title) {
  return CATEGORIES.flatMap((c) => {
    const r = title.advisory?.ratings[c.key];
    return r ? [{ category: c.key, label: c.label, polarity: c.polarity, level: r.level, note: r.note }] : [];
  });
}

/** A verdict as the API shows it: the decision, the title, and what the advisory and certifications say. */
export function verdictResponse<V extends Verdict>(title: Title, verdict: V) {
  return {
    title: { id: title.id, name: title.name, kind: title.kind, year: title.year },
    ...verdict,
    ratings: categoryRatings(title),
    certifications: title.certifications,
  };
}

const verdictRoutes: FastifyPluginAsyncZod = async (app) => {
  const { titles } = app.store;

  app.get(
    '/v1/titles/:title/verdict',
    {
      schema: {
        tags: ['verdicts'],
        summary: 'Is this title OK at a given age?',
        description:
          'The expert advisory’s age decides; without one, the strictest official certification; without either, the title is unrated (not allowed).',
        params: TitleParams,
        querystring: AgeQuery,
        response: { 200: AgeVerdict, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { title } = await loadTitle(titles, request.params.title);
      return verdictResponse(title, ageVerdict(title, request.query.age));
    },
  );
};

export default verdictRoutes;
