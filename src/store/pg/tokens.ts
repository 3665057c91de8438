import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { PgDb, PgExecutor } from '../../db/pg/client.js';
import { households, tokens } from '../../db/pg/schema.js';
import { Conflict } from '../../domain/errors.js';
import { pick, TOKEN_INFO } from '../columns.js';
import type { NewTokenRow, TokenInfo, TokenStore } from '../types.js';

const INFO = pick(tokens, TOKEN_INFO);

/**
 * Inside a transaction: locks the household's row until the commit, so transactions that count
 * what the household holds and then write take turns, as SQLite's one writer made them. NO KEY
 * UPDATE: rows that merely reference the household (a review, an idempotency key) still go in.
 */
export async function lockHousehold(tx: Pick<PgExecutor, 'select'>, householdId: string): Promise<void> {
  await tx.select({ id: households.id }).from(households).where(eq(households.id, householdId)).for('no key update');
}

/** Inserts a token (on the database or inside a transaction) and describes it, never with its hash. */
export async function insertToken(tx: Pick<PgExecutor, 'insert'>, token: NewTokenRow): Promise<TokenInfo> {
  const row = { ...token, createdAt: new Date().toISOString() };
  await tx.insert(tokens).values(row);
  return { id: row.id, role: row.role, householdId: row.householdId, name: row.name, hint: row.hint, createdAt: row.createdAt, revokedAt: null };
}

export function createPgTokenStore(db: PgDb): TokenStore {
  // Every authenticated request asks this once: prepared once per connection, not planned per request.
  const byHash = db.select(INFO).from(tokens).where(and(eq(tokens.hash, sql.placeholder('hash')), isNull(tokens.revokedAt))).prepare('token_by_hash');
  return {
    async create(token, limit) {
      const { householdId } = token;
      if (limit === undefined || householdId === null) return insertToken(db, token);
      return db.transaction(async (tx) => {
        // Counted under the household's lock: two requests at once cannot both take the last place.
        await lockHousehold(tx, householdId);
        const { n } = (await tx.select({ n: count() }).from(tokens).where(and(eq(tokens.householdId, householdId), isNull(tokens.revokedAt))))[0]!;
        if (n >= limit) throw new Conflict('limit', `The household already holds ${n} tokens, the most it may; revoke one it no longer uses to mint another.`);
        return insertToken(tx, token);
      });
    },
    async findByHash(hash) {
      return (await byHash.execute({ hash }))[0] ?? null;
    },
    async get(id) {
      return (await db.select(INFO).from(tokens).where(eq(tokens.id, id)))[0] ?? null;
    },
    async list(roles) {
      return db.select(INFO).from(tokens).where(inArray(tokens.role, [...roles])).orderBy(asc(tokens.id));
    },
    async listForHousehold(householdId) {
      return db.select(INFO).from(tokens).where(eq(tokens.householdId, householdId)).orderBy(asc(tokens.id));
    },
    async revoke(id): Promise<TokenInfo | null> {
      // The update answers with the token it revoked; one already revoked (or none) is read as it stands.
      const [revoked] = await db
        .update(tokens)
        .set({ revokedAt: new Date().toISOString() })
        .where(and(eq(tokens.id, id), isNull(tokens.revokedAt)))
        .returning(INFO);
      return revoked ?? (await db.select(INFO).from(tokens).where(eq(tokens.id, id)))[0] ?? null;
    },
    async revokeForHousehold(householdId, id) {
      return db.transaction(async (tx) => {
        // Decided under the household's lock: two revocations at once never leave it without a token.
        await lockHousehold(tx, householdId);
        const live = await tx
          .select({ id: tokens.id })
          .from(tokens)
          .where(and(eq(tokens.householdId, householdId), isNull(tokens.revokedAt)));
        if (!live.some((t) => t.id === id)) return 'not-found' as const;
        if (live.length === 1) return 'last' as const;
        await tx.update(tokens).set({ revokedAt: new Date().toISOString() }).where(eq(tokens.id, id));
        return 'revoked' as const;
      });
    },
  };
}
