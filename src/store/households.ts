import { Conflict, NotFound } from '../domain/errors.js';
import { insertInto, selectList, TOKEN_INFO } from './columns.js';
import type { Dialect, Executor } from './dialect.js';
import { newId } from './ids.js';
import { noteTitleChanges } from './title-changes.js';
import type { Household, HouseholdFields, HouseholdStore, NewTokenRow, TokenInfo, TokenStore } from './types.js';

const INFO = selectList(TOKEN_INFO);
const TOKEN_INSERT = insertInto('tokens', ['id', 'role', 'householdId', 'childId', 'name', 'hash', 'hint', 'createdAt'] as const);

/**
 * Inside a transaction: locks the household's row until the commit, so transactions that count
 * what the household holds and then write take turns (SQLite's one writer already makes them).
 * NO KEY UPDATE: rows that merely reference the household (a review, an idempotency key) still go in.
 * Answers the row's country (a new child reads it), or undefined when there is no such household.
 */
export async function lockHousehold(d: Dialect, tx: Executor, householdId: string): Promise<{ country: string | null } | undefined> {
  return tx.get<{ country: string | null }>(`select country from households where id = $1${d.lock('no key update')}`, [householdId]);
}

/** Inserts a token and describes it, never with its hash. */
async function insertToken(tx: Executor, token: NewTokenRow): Promise<TokenInfo> {
  const row = { ...token, createdAt: new Date().toISOString() };
  await tx.run(TOKEN_INSERT.text, TOKEN_INSERT.values(row));
  return { id: row.id, role: row.role, householdId: row.householdId, childId: row.childId, name: row.name, hint: row.hint, createdAt: row.createdAt, revokedAt: null };
}

export function createHouseholdStore(d: Dialect): HouseholdStore {
  const insert = async (tx: Executor, fields: HouseholdFields): Promise<Household> => {
    const row = { id: newId('hh'), name: fields.name, country: fields.country, createdAt: new Date().toISOString() };
    await tx.run('insert into households (id, name, country, created_at) values ($1, $2, $3, $4)', [row.id, row.name, row.country, row.createdAt]);
    return row;
  };
  const ONE = 'select id, name, country, created_at as "createdAt" from households where id = $1';
  return {
    create: (fields) => insert(d, fields),
    createWithToken(fields, token) {
      return d.transaction(async (tx) => {
        const household = await insert(tx, fields);
        return { household, token: await insertToken(tx, { ...token, role: 'household', householdId: household.id, childId: null }) };
      });
    },
    async get(id) {
      return (await d.get<Household>(ONE, [id])) ?? null;
    },
    update(id, patch) {
      return d.transaction(async (tx) => {
        const row = await tx.get<Household>(`${ONE}${d.lock('no key update')}`, [id]);
        if (!row) return null;
        const next = { ...row, ...patch };
        await tx.run('update households set name = $1, country = $2 where id = $3', [next.name, next.country, id]);
        return next;
      });
    },
    async remove(id) {
      // Children, overrides, reviews, votes, flags and tokens go by ON DELETE CASCADE.
      const removed = await d.transaction(async (tx) => {
        // The lock waits for reviews being written for the household and holds off new ones
        // (their foreign key check needs the row), so the titles read next are all that go.
        if (!(await lockHousehold(d, tx, id))) return false;
        const reviewed = await tx.all<{ titleId: string }>('select distinct title_id as "titleId" from reviews where household_id = $1', [id]);
        await tx.run('delete from households where id = $1', [id]);
        await noteTitleChanges(d, tx, reviewed.map((r) => r.titleId));
        return true;
      });
      if (removed) await d.forget();
      return removed;
    },
    async footprint(id) {
      // One statement: one snapshot of every table.
      const row = await d.get<{ n: number }>(
        `select cast((
          (select count(*) from households where id = $1) +
          (select count(*) from tokens where household_id = $1) +
          (select count(*) from children where household_id = $1) +
          (select count(*) from overrides where child_id in (select id from children where household_id = $1)) +
          (select count(*) from watch_requests where child_id in (select id from children where household_id = $1)) +
          (select count(*) from reviews where household_id = $1) +
          (select count(*) from review_votes where household_id = $1) +
          (select count(*) from flags where household_id = $1) +
          (select count(*) from idempotency_keys where household_id = $1)
        ) as int) as n`,
        [id],
      );
      return row!.n;
    },
  };
}

export function createTokenStore(d: Dialect): TokenStore {
  const byId = `select ${INFO} from tokens where id = $1`;
  // Every authenticated request asks this once.
  const BY_HASH = d.prepared(`select ${INFO} from tokens where hash = $1 and revoked_at is null`);
  return {
    async create(token, limit) {
      const { householdId } = token;
      if (limit === undefined || householdId === null) return insertToken(d, token);
      return d.transaction(async (tx) => {
        // Counted under the household's lock: two requests at once cannot both take the last place.
        await lockHousehold(d, tx, householdId);
        // A child being deleted meanwhile is waited for, then not found: never a token for no one.
        if (token.childId !== null && !(await tx.get(`select id from children where id = $1 and household_id = $2${d.lock('no key update')}`, [token.childId, householdId]))) {
          throw new NotFound(`No child has the id ${token.childId}.`);
        }
        // A household's own tokens and each child's devices have a limit each.
        const { n } = (await tx.get<{ n: number }>(
          'select cast(count(*) as int) as n from tokens where household_id = $1 and revoked_at is null and coalesce(child_id, \'\') = $2',
          [householdId, token.childId ?? ''],
        ))!;
        if (n >= limit) {
          const holder = token.childId === null ? 'The household already holds' : 'The child already has';
          throw new Conflict('limit', `${holder} ${n} tokens, the most it may; revoke one no longer used to mint another.`);
        }
        return insertToken(tx, token);
      });
    },
    async findByHash(hash) {
      return (await d.get<TokenInfo>(BY_HASH, [hash])) ?? null;
    },
    async get(id) {
      return (await d.get<TokenInfo>(byId, [id])) ?? null;
    },
    list(roles) {
      return d.all<TokenInfo>(`select ${INFO} from tokens where ${d.inList('role', '$1')} order by id`, [d.list(roles)]);
    },
    listForHousehold(householdId) {
      return d.all<TokenInfo>(`select ${INFO} from tokens where household_id = $1 order by id`, [householdId]);
    },
    async revoke(id) {
      // The update answers with the token it revoked; one already revoked (or none) is read as it stands.
      const revoked = await d.get<TokenInfo>(`update tokens set revoked_at = $1 where id = $2 and revoked_at is null returning ${INFO}`, [new Date().toISOString(), id]);
      return revoked ?? (await d.get<TokenInfo>(byId, [id])) ?? null;
    },
    revokeForHousehold(householdId, id) {
      return d.transaction(async (tx) => {
        // Decided under the household's lock: two revocations at once never leave it without a token.
        await lockHousehold(d, tx, householdId);
        const live = await tx.all<{ id: string; role: string }>('select id, role from tokens where household_id = $1 and revoked_at is null', [householdId]);
        const target = live.find((t) => t.id === id);
        if (!target) return 'not-found' as const;
        // A child's device token never stands in for the parents': their last one stays.
        if (target.role === 'household' && live.filter((t) => t.role === 'household').length === 1) return 'last' as const;
        await tx.run('update tokens set revoked_at = $1 where id = $2', [new Date().toISOString(), id]);
        return 'revoked' as const;
      });
    },
  };
}
