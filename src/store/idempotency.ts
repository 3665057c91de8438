import type { Dialect } from './dialect.js';
import type { IdempotencyStore } from './types.js';

export function createIdempotencyStore(d: Dialect): IdempotencyStore {
  return {
    claim({ id, fingerprint, householdId, now, lockedUntil, expiresAt }) {
      // Two requests with one key, even from two processes, never both go ahead: the insert waits
      // for one in flight and then does nothing, and a key already held is decided under its lock.
      return d.transaction(async (tx) => {
        for (;;) {
          const inserted = await tx.run(
            `insert into idempotency_keys (id, household_id, fingerprint, response, locked_until, created_at, expires_at) values ($1, $2, $3, null, $4, $5, $6)
             on conflict (id) do nothing`,
            [id, householdId, fingerprint, lockedUntil, now, expiresAt],
          );
          if (inserted) return { claimed: true as const };
          const held = await tx.get<{ fingerprint: string; response: string | null; lockedUntil: string; expiresAt: string }>(
            `select fingerprint, response, locked_until as "lockedUntil", expires_at as "expiresAt" from idempotency_keys where id = $1${d.lock('update')}`,
            [id],
          );
          // Released or purged between the two statements: free again.
          if (!held) continue;
          if (held.expiresAt > now && (held.response !== null || held.lockedUntil > now)) {
            return { claimed: false as const, record: { fingerprint: held.fingerprint, response: held.response } };
          }
          // Expired, or left in flight by a request that crashed: taken over in place.
          await tx.run('update idempotency_keys set household_id = $1, fingerprint = $2, response = null, locked_until = $3, created_at = $4, expires_at = $5 where id = $6', [
            householdId,
            fingerprint,
            lockedUntil,
            now,
            expiresAt,
            id,
          ]);
          return { claimed: true as const };
        }
      });
    },
    async complete(id, response, householdId) {
      await d.run('update idempotency_keys set response = $1, household_id = $2 where id = $3 and response is null', [response, householdId, id]);
    },
    async release(id) {
      await d.run('delete from idempotency_keys where id = $1 and response is null', [id]);
    },
    purgeExpired(now) {
      return d.run('delete from idempotency_keys where expires_at <= $1', [now]);
    },
  };
}
