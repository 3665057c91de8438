import type Database from 'better-sqlite3';
import { errorCodes } from '../errors.js';
import type { Dialect, Executor } from '../dialect.js';

/**
 * SQLite through better-sqlite3: one connection, synchronous statements. Statements are compiled
 * once per text; $n becomes ? with the values put in the order the text uses them.
 *
 * The repositories await between a transaction's statements, and better-sqlite3 runs whatever
 * reaches the connection inside the open transaction. So while one is open, every other
 * statement (and transaction) waits for it to end: a reader never sees a write that may yet be
 * rolled back, and two transactions never mix. A transaction's own statements go through `tx`.
 */
export function sqliteDialect(client: Database.Database): Dialect {
  const statements = new Map<string, { statement: Database.Statement; order: number[] }>();
  const arrays = new Map<string, { statement: Database.Statement; order: number[] }>();
  function prepared(text: string, raw = false) {
    const cache = raw ? arrays : statements;
    let found = cache.get(text);
    if (!found) {
      const order: number[] = [];
      const statement = client.prepare(text.replace(/\$(\d+)/g, (_, n: string) => (order.push(Number(n) - 1), '?')));
      if (raw) statement.raw(true);
      found = { statement, order };
      cache.set(text, found);
    }
    return found;
  }
  const bind = (order: number[], params: readonly unknown[]) =>
    order.map((i) => {
      const value = params[i];
      return typeof value === 'boolean' ? Number(value) : value;
    });

  const direct: Executor = {
    async all<R>(text: string, params: readonly unknown[] = []) {
      const { statement, order } = prepared(text);
      return statement.all(bind(order, params)) as R[];
    },
    async get<R>(text: string, params: readonly unknown[] = []) {
      const { statement, order } = prepared(text);
      return statement.get(bind(order, params)) as R | undefined;
    },
    async rows<R extends unknown[]>(text: string, params: readonly unknown[] = []) {
      const { statement, order } = prepared(text, true);
      return statement.all(bind(order, params)) as R[];
    },
    async run(text: string, params: readonly unknown[] = []) {
      const { statement, order } = prepared(text);
      return statement.run(bind(order, params)).changes;
    },
  };

  /** Settles when the open transaction or snapshot ends; null when none is open. */
  let held: Promise<void> | null = null;
  /** Waits for the open transaction to end and opens one; `end` ends it and lets the next go. */
  async function hold(begin: string): Promise<(finish: 'COMMIT' | 'ROLLBACK') => void> {
    while (held) await held;
    let release!: () => void;
    held = new Promise((resolve) => (release = resolve));
    try {
      client.exec(begin);
    } catch (err) {
      held = null;
      release();
      throw err;
    }
    return (finish) => {
      try {
        if (client.inTransaction) client.exec(finish);
      } finally {
        held = null;
        release();
      }
    };
  }
  const waiting = <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      while (held) await held;
      return run(...args);
    };

  return {
    name: 'sqlite',
    all: waiting(direct.all) as Executor['all'],
    get: waiting(direct.get) as Executor['get'],
    rows: waiting(direct.rows) as Executor['rows'],
    run: waiting(direct.run),
    async transaction(work) {
      const end = await hold('BEGIN IMMEDIATE');
      let out;
      try {
        out = await work(direct);
      } catch (err) {
        end('ROLLBACK');
        throw err;
      }
      // A failed COMMIT (the disk full, say) leaves the transaction open: it is rolled back.
      try {
        client.exec('COMMIT');
      } finally {
        end('ROLLBACK');
      }
      return out;
    },
    async snapshot() {
      const end = await hold('BEGIN');
      return { ...direct, end: async () => end('COMMIT') };
    },
    inList: (column, param) => `${column} in (select value from json_each(${param}))`,
    list: (values) => JSON.stringify(values),
    listRows: (param) => `json_each(${param})`,
    lock: () => '',
    jsonArrayAgg: (element, orderBy) => `json_group_array(${element}${orderBy ? ` order by ${orderBy}` : ''})`,
    jsonArray: (...expressions) => `json_array(${expressions.join(', ')})`,
    async forget() {
      while (held) await held;
      // Copies the log into the database and empties it: the old page images go with it.
      client.pragma('wal_checkpoint(TRUNCATE)');
    },
    isUniqueViolation: (err) => errorCodes(err).some((code) => code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
    gaveUp: (err) => errorCodes(err).some((code) => code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')),
  };
}
