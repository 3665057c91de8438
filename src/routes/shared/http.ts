/** Small HTTP conventions shared by routes: ETags, conditional requests, cursors, caching. */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../../errors.js';
import type { ExpectedVersions, SortKey, TitleRecord } from '../../store/types.js';

/**
 * `"3"`, or `"3-1a2b3c4d"` when a representation also carries figures that change without an
 * edit (a title's community statistics): If-None-Match sees every change, If-Match only the version.
 */
export const etag = (version: number, variant?: unknown) => (variant === undefined ? `"${version}"` : `"${version}-${variantHash(variant)}"`);

/** Hashes of variants that are shared, frozen objects (the figures of every title no one has reviewed): made once. */
const frozenHashes = new WeakMap<object, string>();

function variantHash(variant: unknown): string {
  const shared = typeof variant === 'object' && variant !== null && Object.isFrozen(variant) ? variant : null;
  let hash = shared && frozenHashes.get(shared);
  if (!hash) {
    hash = createHash('sha1').update(JSON.stringify(variant)).digest('hex').slice(0, 8);
    if (shared) frozenHashes.set(shared, hash);
  }
  return hash;
}

/** A title's ETag: its version, and its community figures, which change without an edit. */
export const titleEtag = (record: TitleRecord) => etag(record.version, record.title.community);

/**
 * The versions an If-Match header accepts; undefined for none or `*`. A weak or foreign
 * validator can never match a strong comparison, so it becomes a version no row has.
 */
export function expectedVersions(request: FastifyRequest): ExpectedVersions {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const tags = header.split(',').map((t) => t.trim());
  if (tags.some((t) => t === '')) throw badRequest('If-Match must be "*" or a list of ETags such as "3".');
  return tags.map((t) => /^"(\d{1,15})(?:-[0-9a-f]{8})?"$/.exec(t)).map((m) => (m ? Number(m[1]) : -1));
}

/** Answers 304 when the client's copy is current; returns true when it did. */
export function notModified(request: FastifyRequest, reply: FastifyReply, tag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  const match = header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === tag || v === `W/${tag}`;
  });
  if (match) reply.code(304).header('etag', tag).send();
  return match;
}

/** Family data is private: no cache in between may keep any answer of these routes. */
export function noStore(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

/** The household of a household-only route's token (the route's onRequest guard has checked the role). */
export const householdIdOf = (request: FastifyRequest) => request.principal!.householdId!;

/** Whether a child's own device asks (a child token): it never reads the parents' notes. */
export const isDevice = (request: FastifyRequest) => request.principal?.role === 'child';

/**
 * The cursors of one list request: a service asks `after` where the page starts once it knows
 * what the list belongs to (see PageRequest), and `next` signs the following page for the same query.
 */
export function cursorPage<Owner extends unknown[]>(app: FastifyInstance, cursor: string | undefined, scopeOf: (...owner: Owner) => object) {
  let scope: object | undefined;
  return {
    after: (...owner: Owner): SortKey | undefined => app.cursors.after((scope = scopeOf(...owner)), cursor),
    next: (keys: readonly SortKey[], more: boolean) => app.cursors.next(scope, keys, more),
  };
}
