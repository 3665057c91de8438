import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BEARER, page, problemResponses } from '../schemas/common.js';
import { ChildParams, ChildTitleParams } from '../schemas/children.js';
import { TitleFilterQuery } from '../schemas/titles.js';
import { ChildTitleListItem, ChildVerdict, MAX_BATCH, VerdictBatchInput } from '../schemas/verdicts.js';
import type { VerdictItem } from '../services/verdicts.js';
import type { TitleFilters } from '../store/types.js';
import { cursorPage, householdIdOf, isDevice, noStore } from './shared/http.js';
import { verdictResponse } from './shared/representations.js';

const itemResponse = ({ ref, title, verdict }: VerdictItem) => ({ ref, ...verdictResponse(title, verdict) });

/** What one child may watch: a title's verdict, a batch of them, and the catalogue kept to what is allowed. */
const childVerdictRoutes: FastifyPluginAsyncZod = async (app) => {
  const { verdicts } = app.services;
  // The parents' token, or the child's own device's (for this child only: src/plugins/auth.ts).
  const parentOrDevice = app.requireRole('household', 'child');
  noStore(app);

  app.get(
    '/v1/children/:child/verdicts/:title',
    {
      onRequest: parentOrDevice,
      schema: {
        tags: ['verdicts'],
        operationId: 'getChildVerdict',
        summary: 'Is this title OK for this child?',
        description: 'Every rule is evaluated and every failure reported: age, categories, certification ceilings, unrated; an override in force decides, and the rules still show.',
        security: BEARER,
        params: ChildTitleParams,
        response: { 200: ChildVerdict, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await app.spendVerdictQuota(request, 1);
      return itemResponse(await verdicts.childVerdict(householdIdOf(request), request.params.child, request.params.title, new Date(), isDevice(request)));
    },
  );

  app.post(
    '/v1/children/:child/verdicts',
    {
      onRequest: parentOrDevice,
      schema: {
        tags: ['verdicts'],
        operationId: 'createVerdictBatch',
        summary: 'Verdicts for up to 100 titles at once',
        description:
          'Results come in the order asked; a reference that matches no title, or is not a title reference at all, is an item with status `unknown`, not a failed request.',
        security: BEARER,
        params: ChildParams,
        body: VerdictBatchInput,
        response: { 200: z.object({ items: z.array(ChildVerdict).max(MAX_BATCH) }).meta({ id: 'ChildVerdictBatch' }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      // Titles, not calls, count: a batch of 100 spends 100 of the hourly quota.
      await app.spendVerdictQuota(request, request.body.titles.length);
      const items = await verdicts.childVerdicts(householdIdOf(request), request.params.child, request.body.titles, new Date(), isDevice(request));
      return { items: items.map(itemResponse) };
    },
  );

  app.get(
    '/v1/children/:child/titles',
    {
      onRequest: parentOrDevice,
      schema: {
        tags: ['children'],
        operationId: 'listChildCatalogue',
        summary: 'The titles this child may watch',
        description: 'The catalogue with the same filters and sorts as GET /v1/titles, holding only titles whose verdict for the child is allowed.',
        security: BEARER,
        params: ChildParams,
        querystring: TitleFilterQuery,
        response: { 200: page(ChildTitleListItem).meta({ id: 'ChildTitlePage' }), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { sort, limit, cursor } = request.query;
      const paging = cursorPage(app, cursor, (child: string, filters: TitleFilters) => ({ route: 'child-titles', child, filters, sort }));
      const result = await verdicts.childTitles(householdIdOf(request), request.params.child, { query: request.query, sort, limit, after: paging.after }, new Date());
      return { items: result.items, nextCursor: paging.next(result.keys, result.more) };
    },
  );
};

export default childVerdictRoutes;
