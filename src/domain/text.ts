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

/** The stored form a title name is searched in: every word, each preceded by a space. */
export function searchText(...parts: string[]): string {
  return ` ${parts.flatMap(searchTokens).join(' ')} `;
}

/** The key names sort by: folded like search, so "Éclair" sorts beside "eclair". */
export function sortKey(name: string): string {
  return searchTokens(name).join(' ');
}
