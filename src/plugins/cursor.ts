/**
 * Opaque, signed page cursors. A cursor carries the sort key of the last item served and a
 * fingerprint of the query it came from; it is refused (400) when altered or used with a
 * different query. The signing key lives in the database, so cursors survive restarts and
 * work on every instance.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest } from '../errors.js';
import type { SortKey } from '../store/types.js';

interface Cursors {
  encode(scope: unknown, key: SortKey): string;
  decode(scope: unknown, cursor: string): SortKey;
  /** Where a page starts: nowhere for the first page, else the key the cursor carries. */
  after(scope: unknown, cursor: string | undefined): SortKey | undefined;
  /** The cursor of the page after one whose items had these keys; null on the last page. */
  next(scope: unknown, keys: readonly SortKey[], more: boolean): string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    cursors: Cursors;
  }
}

function fingerprint(scope: unknown): string {
  return createHash('sha256').update(JSON.stringify(scope)).digest('base64url').slice(0, 16);
}

function createCursors(secret: string): Cursors {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 22);
  const encode = (scope: unknown, key: SortKey) => {
    const payload = Buffer.from(JSON.stringify({ k: key, s: fingerprint(scope) })).toString('base64url');
    return `${payload}.${sign(payload)}`;
  };
  const cursors: Cursors = {
    encode,
    after: (scope, cursor) => (cursor === undefined ? undefined : cursors.decode(scope, cursor)),
    next: (scope, keys, more) => {
      const last = keys.at(-1);
      return more && last ? encode(scope, last) : null;
    },
    decode(scope, cursor) {
      const [payload = '', signature = ''] = cursor.split('.');
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw badRequest('The cursor is not one this server issued, or it was altered; start again without a cursor.');
      }
      const { k, s } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { k: SortKey; s: string };
      if (s !== fingerprint(scope)) {
        throw badRequest('The cursor belongs to a different query; keep the filters and sort of the page it came from.');
      }
      return k;
    },
  };
  return cursors;
}

async function cursorPlugin(app: FastifyInstance): Promise<void> {
  const secret = await app.store.setting('cursor-secret', () => randomBytes(32).toString('base64url'));
  app.decorate('cursors', createCursors(secret));
}

export default fp(cursorPlugin, { name: 'cursors', dependencies: ['store'] });
