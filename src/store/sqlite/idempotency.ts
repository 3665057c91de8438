import { and, eq, isNull, lte } from 'drizzle-orm';
import type { SqliteDb } from '../../db/sqlite/client.js';
import { idempotencyKeys } from '../../db/sqlite/schema.js';
import type { IdempotencyStore } from '../types.js';

const immediate = { behavior: 'immediate' } as const;

export function createSqliteIdempotencyStore(db: SqliteDb): IdempotencyStore {
  return {
    async claim({ id, fingerprint, householdId, now, lockedUntil, expiresAt }) {
      // Read and claim in one immediate transaction: two requests with one key, even from two
      // processes, never both go ahead.
      return db.transaction((tx) => {
        const held = tx.select().from(idempotencyKeys).where(eq(idempotencyKeys.id, id)).get();
        if (held && held.expiresAt > now && (held.response !== null || held.lockedUntil > now)) {
          return { claimed: false as const, record: { fingerprint: held.fingerprint, response: held.response } };
        }
        if (held) tx.delete(idempotencyKeys).where(eq(idempotencyKeys.id, id)).run();
        tx.insert(idempotencyKeys).values({ id, householdId, fingerprint, response: null, lockedUntil, createdAt: now, expiresAt }).run();
        return { claimed: true as const };
      }, immediate);
    },
    async complete(id, response, householdId) {
      db.update(idempotencyKeys)
        .set({ response, householdId })
        .where(and(eq(idempotencyKeys.id, id), isNull(idempotencyKeys.response)))
        .run();
    },
    async release(id) {
      db.delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.id, id), isNull(idempotencyKeys.response)))
        .run();
    },
    async purgeExpired(now) {
      return db.delete(idempotencyKeys).where(lte(idempotencyKeys.expiresAt, now)).run().changes;
    },
  };
}
