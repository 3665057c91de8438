import { and, eq, isNull, lte } from 'drizzle-orm';
import type { PgDb } from '../../db/pg/client.js';
import { idempotencyKeys } from '../../db/pg/schema.js';
import type { IdempotencyStore } from '../types.js';

export function createPgIdempotencyStore(db: PgDb): IdempotencyStore {
  return {
    async claim({ id, fingerprint, householdId, now, lockedUntil, expiresAt }) {
      const row = { householdId, fingerprint, response: null, lockedUntil, createdAt: now, expiresAt };
      // Two requests with one key, even from two processes, never both go ahead: the insert waits
      // for one in flight and then does nothing, and a key already held is decided under its row lock.
      return db.transaction(async (tx) => {
        for (;;) {
          const inserted = await tx
            .insert(idempotencyKeys)
            .values({ id, ...row })
            .onConflictDoNothing({ target: idempotencyKeys.id })
            .returning({ id: idempotencyKeys.id });
          if (inserted.length) return { claimed: true as const };
          const [held] = await tx.select().from(idempotencyKeys).where(eq(idempotencyKeys.id, id)).for('update');
          // Released or purged between the two statements: free again.
          if (!held) continue;
          if (held.expiresAt > now && (held.response !== null || held.lockedUntil > now)) {
            return { claimed: false as const, record: { fingerprint: held.fingerprint, response: held.response } };
          }
          // Expired, or left in flight by a request that crashed: taken over in place.
          await tx.update(idempotencyKeys).set(row).where(eq(idempotencyKeys.id, id));
          return { claimed: true as const };
        }
      });
    },
    async complete(id, response, householdId) {
      await db
        .update(idempotencyKeys)
        .set({ response, householdId })
        .where(and(eq(idempotencyKeys.id, id), isNull(idempotencyKeys.response)));
    },
    async release(id) {
      await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.id, id), isNull(idempotencyKeys.response)));
    },
    async purgeExpired(now) {
      return (await db.delete(idempotencyKeys).where(lte(idempotencyKeys.expiresAt, now))).rowCount ?? 0;
    },
  };
}
