import type pg from 'pg';
import { errorCodes } from '../error-codes.js';
import { executor, type Dialect, type Query } from '../dialect.js';

/** query_canceled (the statement timeout), lock_not_available, serialization_failure, deadlock_detected. */
const GAVE_UP = new Set(['57014', '55P03', '40001', '40P01']);

/** PostgreSQL through a pg pool; the statements marked `prepared` are named, so each connection plans them once. */
export function pgDialect(pool: pg.Pool): Dialect {
  /** The statements marked as prepared, by text, with their names. */
  const names = new Map<string, string>();
  const on =
    (target: pg.Pool | pg.PoolClient): Query =>
    async (text, params, shape) => {
      const result = await target.query({ name: names.get(text), text, values: params as unknown[], ...(shape === 'arrays' && { rowMode: 'array' as const }) });
      return shape === 'changes' ? (result.rowCount ?? 0) : shape === 'first' ? result.rows[0] : result.rows;
    };

  /** Ends the connection's transaction and hands it back; one that cannot even end it is dropped instead. */
  async function release(client: pg.PoolClient, finish: 'commit' | 'rollback'): Promise<void> {
    let broken: Error | undefined;
    await client.query(finish).catch((err: Error) => (broken = err));
    client.release(broken);
  }
  /** A connection of the pool's, in a transaction begun with `begin`. */
  async function begun(begin: string): Promise<pg.PoolClient> {
    const client = await pool.connect();
    await client.query(begin).catch(async (err: unknown) => {
      await release(client, 'rollback');
      throw err;
    });
    return client;
  }

  return {
    name: 'postgres',
    ...executor(on(pool)),
    async transaction(work) {
      const client = await begun('begin');
      try {
        const result = await work(executor(on(client)));
        await client.query('commit');
        client.release();
        return result;
      } catch (err) {
        // Also when the COMMIT failed: its transaction is over, and the connection goes back.
        await release(client, 'rollback');
        throw err;
      }
    },
    async snapshot() {
      const client = await begun('begin isolation level repeatable read read only');
      return {
        ...executor(on(client)),
        async *pages(text, size) {
          await client.query(`declare pages no scroll cursor for ${text}`);
          for (;;) {
            const { rows } = await client.query<unknown[]>({ text: `fetch ${size} from pages`, rowMode: 'array' });
            if (rows.length === 0) break;
            yield rows;
          }
          await client.query('close pages');
        },
        end: () => release(client, 'commit'),
      };
    },
    prepared(text) {
      if (!names.has(text)) names.set(text, `s${names.size}`);
      return text;
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
