/**
 * Bearer tokens. A request without Authorization is anonymous; one with a token that is
 * malformed, fails its checksum, or is unknown or revoked is refused with 401 on every route.
 */
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { hashToken, parseToken, type Caller, type Role } from '../domain/tokens.js';
import { unauthorized } from '../errors.js';
import { NotAllowed, NotFound } from '../domain/errors.js';
import { quickHook } from './hooks.js';

interface Principal extends Caller {
  tokenId: string;
  name: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /**
     * A route's onRequest hook that lets through only these roles (an admin may act as an
     * editor). It runs before the body is read or validated: who may ask comes before what.
     */
    requireRole(...roles: Role[]): onRequestHookHandler;
  }
}

/** Which roles a token of each role may act as. */
const ACTS_AS: Record<Role, readonly Role[]> = { admin: ['admin', 'editor'], editor: ['editor'], household: ['household'], child: ['child'] };

/** The roles a requireRole hook lets through, kept on the hook so the route's documentation can name them. */
const ROLES = Symbol('roles');
type RoleHook = onRequestHookHandler & { [ROLES]?: Role[] };

/** The token of an `Authorization: Bearer <token>` header; undefined when the header has another form. */
export const bearerToken = (header: string): string | undefined => /^Bearer[ ]+(\S+)\s*$/i.exec(header)?.[1];

async function authPlugin(app: FastifyInstance): Promise<void> {
  app.decorateRequest('principal', null);

  async function authenticate(request: FastifyRequest, token: string): Promise<void> {
    const found = await app.store.tokens.findByHash(hashToken(token));
    if (!found) throw unauthorized('The token is unknown or has been revoked.');
    request.principal = { tokenId: found.id, role: found.role, name: found.name, householdId: found.householdId, childId: found.childId };
  }

  app.addHook(
    'onRequest',
    quickHook((request) => {
      const header = request.headers.authorization;
      if (header === undefined) return;
      const token = bearerToken(header);
      if (token === undefined) throw unauthorized('The Authorization header must be "Bearer <token>".');
      if (!parseToken(token)) throw unauthorized('The token is malformed: it is not a Guidepost token, or it was mistyped.');
      return authenticate(request, token);
    }),
  );

  app.decorate('requireRole', (...roles: Role[]): onRequestHookHandler => {
    const label = roles.join(' or ');
    const hook: RoleHook = quickHook((request) => {
      if (!request.principal) throw unauthorized(`This needs a token with the ${label} role.`);
      if (!ACTS_AS[request.principal.role].some((r) => roles.includes(r))) {
        throw new NotAllowed(`This needs the ${label} role; your token has the ${request.principal.role} role.`);
      }
      // A child's device token reaches its own child only: any other is not there, as for another household's.
      const child = (request.params as { child?: string } | undefined)?.child;
      if (request.principal.role === 'child' && child !== undefined && child !== request.principal.childId) throw new NotFound(`No child has the id ${child}.`);
    });
    hook[ROLES] = roles;
    return hook;
  });

  // The OpenAPI document names the role each guarded route enforces (OpenAPI 3.1 lets a bearer
  // requirement list role names), taken from the guard itself so the two cannot drift apart.
  app.addHook('onRoute', (route) => {
    const roles = [route.onRequest ?? []].flat().find((hook): hook is RoleHook => ROLES in hook)?.[ROLES];
    if (roles) route.schema = { ...route.schema, security: [{ bearer: roles }] };
  });
}

export default fp(authPlugin, { name: 'auth', dependencies: ['store'] });
