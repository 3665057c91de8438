import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import { BEARER, documentHeaders, Id, IdString, OPTIONAL_BEARER, problemResponses, Timestamp } from '../schemas/common.js';
import { Child, Household, HouseholdCreate, HouseholdPatch, Override } from '../schemas/children.js';
import { Flag, Review } from '../schemas/community.js';
import { NewToken, TokenInfo, TokenName } from '../schemas/tokens.js';
import { WatchRequest } from '../schemas/requests.js';
import { TOKEN_MINTING, TOKENS_MINTED_AN_HOUR } from '../plugins/rate-limit.js';
import { householdIdOf, noStore } from './shared/http.js';
import { childResponse, flagResponse, overrideResponse, reviewResponse, watchRequestResponse } from './shared/representations.js';


const HouseholdExport = z
  .object({
    exportedAt: Timestamp,
    household: Household,
    tokens: z.array(TokenInfo),
    children: z.array(Child.extend({ overrides: z.array(Override) })),
    reviews: z.array(Review.extend({ childId: Id.nullable() })),
    requests: z.array(WatchRequest).describe('Every child’s requests to watch, newest first.'),
    helpfulMarks: z.array(z.object({ reviewId: Id, createdAt: Timestamp })),
    flags: z.array(Flag),
  })
  .meta({ id: 'HouseholdExport', description: 'Everything Guidepost holds about the household.' });

const householdRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  const { households } = app.services;
  const householdOnly = app.requireRole('household');
  noStore(app);

  app.post(
    '/v1/households',
    {
      schema: {
        tags: ['households'],
        operationId: 'createHousehold',
        summary: 'Sign a household up and get its token (shown once)',
        ...documentHeaders({ 201: ['Location'] }),
        description: "Open to anyone while SIGNUP=open, up to RATE_LIMIT_SIGNUP (20 unless configured) sign-ups an hour from one client address, an admin's not counted; with SIGNUP=closed only an admin token may create households.",
        security: OPTIONAL_BEARER,
        body: HouseholdCreate,
        response: { 201: z.object({ household: Household, token: NewToken }).meta({ id: 'HouseholdCreated' }), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const fields = { name: request.body?.name ?? null, country: request.body?.country ?? null };
      const { household, token } = await households.signUp(request.principal, fields, () => app.countSignUp(request));
      // A stored answer to an Idempotency-Key belongs to the household it created, and goes with it.
      request.idempotencyOwner = household.id;
      return reply.code(201).header('location', '/v1/households/me').send({ household, token });
    },
  );

  app.get(
    '/v1/households/me',
    {
      onRequest: householdOnly,
      schema: { tags: ['households'], operationId: 'getHousehold', summary: 'The token’s household', security: BEARER, response: { 200: Household, ...problemResponses(401, 403) } },
    },
    async (request) => households.getHousehold(householdIdOf(request)),
  );

  app.patch(
    '/v1/households/me',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['households'],
        operationId: 'updateHousehold',
        summary: 'Rename the household or set its country',
        description: 'The country changes which rating systems its children’s verdicts prefer, from the next request on.',
        security: BEARER,
        body: HouseholdPatch,
        response: { 200: Household, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => households.updateHousehold(householdIdOf(request), request.body),
  );

  app.delete(
    '/v1/households/me',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['households'],
        operationId: 'deleteHousehold',
        summary: 'Erase the household and everything it owns',
        description: 'Children, their limits and overrides, and every token of the household are deleted; the token used stops working at once.',
        security: BEARER,
        response: { 204: z.undefined(), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      await households.eraseHousehold(householdIdOf(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/households/me/export',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['households'],
        operationId: 'exportHousehold',
        summary: 'Everything held about the household, as JSON',
        security: BEARER,
        response: { 200: HouseholdExport, ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      const now = new Date();
      const held = await households.exportHousehold(householdIdOf(request), now);
      return {
        ...held,
        children: held.children.map(({ child, overrides }) => ({ ...childResponse(child, now), overrides: overrides.map((o) => overrideResponse(o, held.exportedAt)) })),
        requests: held.requests.map((r) => watchRequestResponse(r, now)),
        reviews: held.reviews.map((r) => ({ ...reviewResponse(r, request.principal), childId: r.childId })),
        flags: held.flags.map(flagResponse),
      };
    },
  );

  app.get(
    '/v1/households/me/tokens',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['households'],
        operationId: 'listHouseholdTokens',
        summary: 'The household’s tokens (never their secrets)',
        security: BEARER,
        response: { 200: z.object({ items: z.array(TokenInfo) }).meta({ id: 'HouseholdTokens' }), ...problemResponses(401, 403) },
      },
    },
    async (request) => ({ items: await households.listTokens(householdIdOf(request)) }),
  );

  app.post(
    '/v1/households/me/tokens',
    {
      onRequest: householdOnly,
      // Revoked tokens stay listed: minting and revoking in a loop would otherwise grow the list without end.
      config: TOKEN_MINTING,
      schema: {
        tags: ['households'],
        operationId: 'createHouseholdToken',
        summary: 'Mint another token for the household (shown once)',
        description: `To rotate: mint a new token, switch to it, then revoke the old one. A household holds at most ${config.TOKENS_PER_HOUSEHOLD} tokens of its own that are not revoked (TOKENS_PER_HOUSEHOLD; its children's device tokens are counted apart): past that, a 409. At most ${TOKENS_MINTED_AN_HOUR} are minted an hour, the children's included.`,
        security: BEARER,
        body: z.strictObject({ name: TokenName.optional() }).nullish(),
        response: { 201: NewToken, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      return reply.code(201).send(await households.mintToken(householdIdOf(request), request.body?.name ?? null));
    },
  );

  app.delete(
    '/v1/households/me/tokens/:id',
    {
      onRequest: householdOnly,
      schema: {
        tags: ['households'],
        operationId: 'revokeHouseholdToken',
        summary: 'Revoke one of the household’s tokens',
        description: 'The last live token cannot be revoked (409): delete the household instead.',
        security: BEARER,
        params: z.object({ id: IdString }),
        response: { 204: z.undefined(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await households.revokeToken(householdIdOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};

export default householdRoutes;
