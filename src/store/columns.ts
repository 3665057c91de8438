/**
 * The columns each record is read from, named once for every backend: both dialects' tables
 * use the same property names, so a list of names picks the same fields from either.
 */
export const TOKEN_INFO = ['id', 'role', 'householdId', 'name', 'hint', 'createdAt', 'revokedAt'] as const;
export const REVIEW_FIELDS = ['id', 'titleId', 'householdId', 'childId', 'by', 'authorAge', 'ageRating', 'stars', 'headline', 'body', 'hidden'] as const;
export const OVERRIDE_FIELDS = ['titleId', 'decision', 'note', 'expiresAt', 'version', 'createdAt', 'updatedAt'] as const;

/** The named columns of a table, as a select list. */
export function pick<T, K extends keyof T>(table: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, table[key]])) as Pick<T, K>;
}
