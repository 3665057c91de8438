import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotAllowed, NotAuthenticated, NotFound } from '../domain/errors.js';
import { OPTIONAL_BEARER, page, problemResponses, PUBLIC } from '../schemas/common.js';
import { TitleParams } from '../schemas/titles.js';
import { AgeQuery, AgeVerdict, EpisodeItem, EpisodeQuery } from '../schemas/verdicts.js';
import { cursorPage, householdIdOf, isDevice } from './shared/http.js';
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
      const { age, country, episodes: asked } = request.query;
      const { title, verdict, episodes } = await verdicts.titleVerdict(request.params.title, age, country ?? null, asked === 'strictest');
      return { ...verdictResponse(title, verdict), episodes };
    },
  );

  app.get(
    '/v1/titles/:title/episodes',
    {
      schema: {
        tags: ['titles'],
        operationId: 'listEpisodes',
        security: OPTIONAL_BEARER,
        summary: 'The episodes of a series or a season',
        description:
          'In order of season and episode; a series’ own episodes and its seasons’. With `age`, or with `child` and a household token (or the child’s own device token), each carries its verdict: judged by its own advisory and certifications, or, with none, by its season’s, else its series’ (`inheritedFrom`); a child’s override on the series or season decides for episodes without their own.',
        params: TitleParams,
        querystring: EpisodeQuery,
        response: { 200: page(EpisodeItem).meta({ id: 'EpisodePage' }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { age, country, child, limit, cursor } = request.query;
      if (child !== undefined) {
        const principal = request.principal;
        if (!principal) throw new NotAuthenticated('Naming a child needs a household token, or the child’s own device token.');
        if (principal.role !== 'household' && principal.role !== 'child') throw new NotAllowed(`Naming a child needs the household role; your token has the ${principal.role} role.`);
        if (principal.role === 'child' && child !== principal.childId) throw new NotFound(`No child has the id ${child}.`);
      }
      const viewer = child !== undefined ? { householdId: householdIdOf(request), childId: child } : age !== undefined ? { age, country: country ?? null } : null;
      const paging = cursorPage(app, cursor, (title: string, whose: object | null) => ({ route: 'episodes', title, whose }));
      const result = await verdicts.episodes(request.params.title, { limit, after: paging.after }, viewer, new Date(), isDevice(request));
      if (child !== undefined) await app.spendVerdictQuota(request, result.items.length);
      return { items: result.items, nextCursor: paging.next(result.keys, result.more) };
    },
  );
};

export default verdictRoutes;
