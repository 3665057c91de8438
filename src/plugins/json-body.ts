/**
 * JSON request bodies are held to the shape their operation's body schema takes (schemas/json-shape.ts)
 * before they are parsed: a body past it is a 400 naming where, at the cost of one pass over the text.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Invalid } from '../domain/errors.js';
import { boundsOf, firstExcess } from '../schemas/json-shape.js';

async function jsonBody(app: FastifyInstance): Promise<void> {
  // Fastify's own parser, as configured by default: refuses __proto__ and constructor.prototype.
  const parse = app.getDefaultJsonParser('error', 'error');
  // Worked out as each route is added, so a body schema without bounds stops start-up, not a request.
  app.addHook('onRoute', (route) => void boundsOf(route.schema?.body));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request: FastifyRequest, body, done) => {
    const excess = firstExcess(body as string, boundsOf(request.routeOptions.schema?.body));
    if (excess) return done(new Invalid(excess.path, excess.message), undefined);
    return parse(request, body as string, done);
  });
}

export default fp(jsonBody, { name: 'json-body' });
