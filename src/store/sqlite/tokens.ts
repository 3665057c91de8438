import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { SqliteDb } from '../../db/sqlite/client.js';
import { tokens } from '../../db/sqlite/schema.js';
import { Conflict } from '../../domain/errors.js';
import { pick, TOKEN_INFO } from '../columns.js';
import type { NewTokenRow, TokenInfo, TokenStore } from '../types.js';

const INFO = pick(tokens, TOKEN_INFO);

const immediate = { behavior: 'immediate' } as const;

/** Inserts a token (on the database or inside a transaction) and describes it, never with its hash. */
export function insertToken(tx: Pick<SqliteDb, 'insert'>, token: NewTokenRow): TokenInfo {
  const row = { ...token, createdAt: new Date().toISOString() };
  tx.insert(tokens).values(row).run();
  return { id: row.id, role: row.role, householdId: row.householdId, name: row.name, hint: row.hint, createdAt: row.createdAt, revokedAt: null };
}

export function createSqliteTokenStore(db: SqliteDb): TokenStore {
  // Every authenticated request asks this once: compiled once, not per request.
  const byHash = db.select(INFO).from(tokens).where(and(eq(tokens.hash, sql.placeholder('hash')), isNull(tokens.revokedAt))).prepare();
  return {
    async create(token, limit) {
      const { householdId } = token;
      if (limit === undefined || householdId === null) return insertToken(db, token);
      return db.transaction((tx) => {
        // Counted inside the write lock: two requests at once cannot both take the last place.
        const { n } = tx.select({ n: count() }).from(tokens).where(and(eq(tokens.householdId, householdId), isNull(tokens.revokedAt))).get()!;
        if (n >= limit) throw new Conflict('limit', `The household already holds ${n} tokens, the most it may; revoke one it no longer uses to mint another.`);
        return insertToken(tx, token);
      }, immediate);
    },
    async findByHash(hash) {
      return byHash.get({ hash }) ?? null;
    },
    async get(id) {
      return db.select(INFO).from(tokens).where(eq(tokens.id, id)).get() ?? null;
    },
    async list(roles) {
      return db.select(INFO).from(tokens).where(inArray(tokens.role, [...roles])).orderBy(asc(tokens.id)).all();
    },
    async listForHousehold(householdId) {
      return db.select(INFO).from(tokens).where(eq(tokens.householdId, householdId)).orderBy(asc(tokens.id)).all();
    },
    async revoke(id): Promise<TokenInfo | null> {
      return db.transaction((tx) => {
        tx.update(tokens).set({ revokedAt: new Date().toISOString() }).where(and(eq(tokens.id, id), isNull(tokens.revokedAt))).run();
        return tx.select(INFO).from(tokens).where(eq(tokens.id, id)).get() ?? null;
      }, immediate);
    },
    async revokeForHousehold(householdId, id) {
      return db.transaction((tx) => {
        const live = tx
          .select({ id: tokens.id })
          .from(tokens)
          .where(and(eq(tokens.householdId, householdId), isNull(tokens.revokedAt)))
          .all();
        if (!live.some((t) => t.id === id)) return 'not-found' as const;
        if (live.length === 1) return 'last' as const;
        tx.update(tokens).set({ revokedAt: new Date().toISOString() }).where(eq(tokens.id, id)).run();
        return 'revoked' as const;
      }, immediate);
    },
  };
}
