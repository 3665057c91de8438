/**
 * What differs between the databases the store runs on, and nothing else: how a statement runs,
 * how a transaction holds the database, how a few things are spelled in SQL, which error codes
 * mean what, and the operations each does its own way (bulk loads, snapshots, backups). The
 * repositories (src/store/*.ts) are written once over it; no rule lives here.
 *
 * Statements are SQL text both databases accept, with $1, $2… for their parameters, and rows
 * come back as objects keyed by the select list's names. Values cross as text, numbers and null;
 * booleans go in as booleans and come out as whatever the database holds (decode with Boolean);
 * JSON goes in as text and comes out as text or parsed (decode with fromJson).
 */
export interface Executor {
  all<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** The first row, if any. */
  get<R>(text: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** Every row as an array of its values in select-list order: for the paths that read thousands. */
  rows<R extends unknown[]>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a statement; answers how many rows it changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
}

/** A read-only snapshot held on one connection (see Dialect.snapshot). */
export interface Snapshot extends Executor {
  /** A statement's rows as arrays, `size` at a time, without holding them all (a copy reads whole tables). */
  pages(text: string, size: number): AsyncIterable<unknown[][]>;
  end(): Promise<void>;
}

export interface Dialect extends Executor {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Runs `work` in one writing transaction, committed when it returns and rolled back when it
   * throws. Transactions that count and then write take turns: SQLite has one writer (BEGIN
   * IMMEDIATE), PostgreSQL holds the row locks `lock` asks for until the commit.
   */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T>;
  /**
   * A read-only snapshot on one connection: every statement sees the database as it was when the
   * first ran, whatever others write meanwhile. It holds the connection until `end`: meant for
   * the CLI's own store (export, dump), not one serving requests.
   */
  snapshot(): Promise<Snapshot>;
  /**
   * Marks a statement the request path runs all the time, and answers its text. PostgreSQL
   * prepares it once per connection (planning the verdict path's reads cost more than running
   * them); every other statement is planned afresh, so a plan made on a small table is never
   * kept once it has grown (an import's lookups, kept as a generic plan over the empty table,
   * scanned it whole for every line). SQLite compiles every text once either way.
   */
  prepared(text: string): string;
  /** `column` is one of the values of the list bound at `param` (see `list`). */
  inList(column: string, param: string): string;
  /** A list of strings as the value `inList` and `listRows` bind. */
  list(values: readonly string[]): unknown;
  /** A table expression of the list bound at `param`, one row per value, its column named value. */
  listRows(param: string): string;
  /** Appended to a SELECT inside a transaction: the rows it reads stay locked until the commit (SQLite's one writer needs none). */
  lock(mode: 'update' | 'no key update'): string;
  /** A JSON array of `element` (a JSON value per row) over the rows of a subquery, '[]' when none, in `orderBy` order. */
  jsonArrayAgg(element: string, orderBy?: string): string;
  /** A JSON array of the expressions' values. */
  jsonArray(...expressions: string[]): string;
  /**
   * After an erasure: nothing of the deleted rows may stay in the database's files (SQLite
   * overwrites freed pages, but its write-ahead log keeps old page images until a checkpoint).
   */
  forget(): Promise<void>;
  /** Whether `err` is a unique or primary-key constraint refusing a row. */
  isUniqueViolation(err: unknown): boolean;
  /** Whether `err` is the database giving up for time (see Store.gaveUp). */
  gaveUp(err: unknown): boolean;
}

/** What a statement answers with: its rows as objects, its first row, its rows as arrays, or how many rows it changed. */
type Shape = 'objects' | 'first' | 'arrays' | 'changes';

/** Runs one statement on one connection (or the pool) and answers in the shape asked for. */
export type Query = (text: string, params: readonly unknown[], shape: Shape) => Promise<unknown>;

/** The executor over a dialect's one way of running a statement. */
export function executor(query: Query): Executor {
  return {
    all: (text, params = []) => query(text, params, 'objects') as Promise<never[]>,
    get: (text, params = []) => query(text, params, 'first') as Promise<never>,
    rows: (text, params = []) => query(text, params, 'arrays') as Promise<never[]>,
    run: (text, params = []) => query(text, params, 'changes') as Promise<number>,
  };
}

/** A JSON column's value, whether the driver parsed it or not. */
export const fromJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
