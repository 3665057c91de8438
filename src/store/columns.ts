/**
 * Columns are named in SQL as snake_case of the record's property names (householdId is
 * household_id) on every backend, so a list of property names is a select list, an insert's
 * column list and the keys of the row that comes back.
 */
import { fromJson } from './dialect.js';

export const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A column's name in SQL, quoted: some are keywords ("by", "cast"). */
export const column = (key: string) => `"${snake(key)}"`;

/** `"household_id" as "householdId", …`, each column of `alias` (a table or its alias) when given. */
export const selectList = (keys: readonly string[], alias?: string) =>
  keys.map((key) => `${alias ? `${alias}.` : ''}${column(key)}${snake(key) === key ? '' : ` as "${key}"`}`).join(', ');

/** The row of `keys` whose first value is at `at` in a row read as an array; the `json` keys parsed. */
export function readRow<T>(raw: readonly unknown[], at: number, keys: readonly string[], json: ReadonlySet<string>): T {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = raw[at + i];
    row[key] = value !== null && json.has(key) ? fromJson(value) : value;
  }
  return row as T;
}

/** `insert into table (a, b, …) values ($1, $2, …)` for these keys, and the values of a row in that order. */
export function insertInto<K extends string>(table: string, keys: readonly K[]) {
  const text = `insert into ${table} (${keys.map(column).join(', ')}) values (${keys.map((_, i) => `$${i + 1}`).join(', ')})`;
  return { text, values: (row: Record<K, unknown>) => keys.map((key) => row[key]) };
}

export const TOKEN_INFO = ['id', 'role', 'householdId', 'childId', 'name', 'hint', 'createdAt', 'revokedAt'] as const;
export const CHILD_FIELDS = ['id', 'householdId', 'nickname', 'birth', 'limits', 'ageRule', 'unrated', 'withAdult', 'mode', 'certificationCeilings', 'blockDescriptors', 'version', 'createdAt', 'updatedAt'] as const;
export const OVERRIDE_FIELDS = ['titleId', 'decision', 'note', 'expiresAt', 'version', 'createdAt', 'updatedAt'] as const;
export const REVIEW_FIELDS = ['id', 'titleId', 'householdId', 'childId', 'by', 'authorAge', 'ageRating', 'stars', 'headline', 'body', 'hidden', 'version', 'createdAt', 'updatedAt'] as const;
export const FLAG_FIELDS = ['id', 'householdId', 'targetKind', 'titleId', 'reviewId', 'reason', 'category', 'note', 'status', 'resolutionNote', 'createdAt', 'resolvedAt'] as const;
