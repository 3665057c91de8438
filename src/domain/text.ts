const LIGATURES: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/** Folds case, accents and punctuation away: "Amélie: The Fabulous" -> ["amelie", "the", "fabulous"]. */
export function searchTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => LIGATURES[c] ?? c)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * The stored form a title name is searched in: every word, each preceded by a space, plus each
 * hyphenated or apostrophised word written together ("Spider-Man" is found by "spiderman",
 * "Charlotte's" by "charlottes").
 */
export function searchText(name: string): string {
  const joined = name.split(/\s+/).flatMap((chunk) => {
    const parts = searchTokens(chunk);
    return parts.length > 1 ? [parts.join('')] : [];
  });
  return ` ${[...searchTokens(name), ...joined].join(' ')} `;
}

/** The key names sort by: folded like search, so "Éclair" sorts beside "eclair". */
export function sortKey(name: string): string {
  return searchTokens(name).join(' ');
}

/** The text cut to `max` characters with an ellipsis, never between the halves of a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 2] ?? '') ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}
