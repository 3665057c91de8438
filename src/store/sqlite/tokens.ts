import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { SqliteDb } from '../../db/sqlite/client.js';
import { tokens } from '../../db/sqlite/schema.js';
import type { TokenInfo, TokenStore } from '../types.js';

const INFO = {
  id: tokens.id,
  role: tokens.role,
  householdId: tokens.householdId,
  name: tokens.name,
  hint: tokens.hint,
  createdAt: tokens.createdAt,
  revokedAt: tokens.revokedAt,
};

export function createSqliteTokenStore(db: SqliteDb): TokenStore {
  return {
    async create(token) {
      const row = { ...token, createdAt: new Date().toISOString() };
      db.insert(tokens).values(row).run();
      return { id: row.id, role: row.role, householdId: row.householdId, name: row.name, hint: row.hint, createdAt: row.createdAt, revokedAt: null };
    },
    async findByHash(hash) {
      return db.select(INFO).from(tokens).where(and(eq(tokens.hash, hash), isNull(tokens.revokedAt))).get() ?? null;
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
      db.update(tokens).set({ revokedAt: new Date().toISOString() }).where(and(eq(tokens.id, id), isNull(tokens.revokedAt))).run();
      return db.select(INFO).from(tokens).where(eq(tokens.id, id)).get() ?? null;
    },
  };
}
