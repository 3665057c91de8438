import type pg from 'pg';
import { errorCodes } from '../errors.js';
import type { Dialect, Executor } from '../dialect.js';

/** query_canceled (the statement timeout), lock_not_available, serialization_failure, deadlock_detected. */
const GAVE_UP = new Set(['57014', '55P03', '40001', '40P01']);

/**
 * PostgreSQL through a pg pool. Every statement is a named prepared statement, so each
 * connection plans a text once (planning cost the verdict path more than running its query).
 */
export function pgDialect(pool: pg.Pool): Dialect {
  const names = new Map<string, string>();
  const named = (text: string, values: readonly unknown[]) => {
    let name = names.get(text);
    if (!name) names.set(text, (name = `s${names.size}`));
    return { name, text, values: values as unknown[] };
  };
  const on = (target: pg.Pool | pg.PoolClient): Executor => ({
    async all<R>(text: string, params: readonly unknown[] = []) {
      return (await target.query(named(text, params))).rows as R[];
    },
    async get<R>(text: string, params: readonly unknown[] = []) {
      return (await target.query(named(text, params))).rows[0] as R | undefined;
    },
    async rows<R extends unknown[]>(text: string, params: readonly unknown[] = []) {
      return (await target.query<R>({ ...named(text, params), rowMode: 'array' })).rows;
    },
    async run(text: string, params: readonly unknown[] = []) {
      return (await target.query(named(text, params))).rowCount ?? 0;
    },
  });

  async function release(client: pg.PoolClient, finish: 'commit' | 'rollback'): Promise<void> {
    let broken: Error | undefined;
    // A connection that cannot even end its transaction is dropped rather than handed to the next caller.
    await client.query(finish).catch((err: Error) => (broken = err));
    client.release(broken);
  }

  return {
    name: 'postgres',
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      let out;
      try {
        await client.query('begin');
        out = await work(on(client));
        await client.query('commit');
      } catch (err) {
        await release(client, 'rollback');
        throw err;
      }
      client.release();
      return out;
    },
    async snapshot() {
      const client = await pool.connect();
      try {
        await client.query('begin isolation level repeatable read read only');
      } catch (err) {
        await release(client, 'rollback');
        throw err;
      }
      return { ...on(client), end: () => release(client, 'commit') };
    },
    inList: (column, param) => `${column} = any(${param})`,
    list: (values) => values,
    listRows: (param) => `unnest(cast(${param} as text[])) as list(value)`,
    lock: (mode) => ` for ${mode}`,
    jsonArrayAgg: (element, orderBy) => `coalesce(json_agg(${element}${orderBy ? ` order by ${orderBy}` : ''}), '[]'::json)`,
    jsonArray: (...expressions) => `json_build_array(${expressions.join(', ')})`,
    // VACUUM's business, on the server's schedule: a deleted row's bytes are never served again.
    forget: async () => {},
    isUniqueViolation: (err) => errorCodes(err).includes('23505'),
    gaveUp: (err) => errorCodes(err).some((code) => GAVE_UP.has(code)),
  };
}
