import { NotFound } from './errors.js';

/** A title named by one value the catalogue holds on it: our own id, or an id it already holds from elsewhere. */
export type DirectRef = { by: 'id'; id: string } | { by: 'imdb'; imdb: string } | { by: 'tmdb'; tmdb: string } | { by: 'isbn'; isbn: string };

/** An episode by its series' TMDB id and its numbers, as TMDB names it: tmdb:tv:1399:s1e9. */
export type EpisodeRef = { by: 'episode'; series: string; season: number; episode: number };

/** Ways a client may name a title. */
export type TitleRef = DirectRef | EpisodeRef;

export const TITLE_ID = /^tl_[0-9a-z]{20}$/;
export const IMDB_ID = /^tt\d{7,10}$/;
export const TMDB_ID = /^(movie|tv):[1-9]\d{0,9}$/;
const TMDB_EPISODE = /^(tv:[1-9]\d{0,9}):s(0|[1-9]\d{0,4})e(0|[1-9]\d{0,5})$/;

/** ISBN-10 or ISBN-13 (hyphens and spaces allowed) to ISBN-13 digits; null when the checksum fails. */
/** The ISBN-13 check digit for its first twelve digits. */
function isbn13Check(first12: string): number {
  return (10 - ([...first12].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0) % 10)) % 10;
}

export function normalizeIsbn(raw: string): string | null {
  const compact = raw.replace(/[\s-]/g, '').toUpperCase();
  if (/^\d{13}$/.test(compact)) return isbn13Check(compact.slice(0, 12)) === Number(compact[12]) ? compact : null;
  if (/^\d{9}[\dX]$/.test(compact)) {
    const sum = [...compact].reduce((acc, d, i) => acc + (d === 'X' ? 10 : Number(d)) * (10 - i), 0);
    if (sum % 11 !== 0) return null;
    const body = `978${compact.slice(0, 9)}`;
    return `${body}${isbn13Check(body)}`;
  }
  return null;
}

/** Parses a path reference; returns an explanation instead when it cannot be one. */
export function parseTitleRef(raw: string): TitleRef | { error: string } {
  if (TITLE_ID.test(raw)) return { by: 'id', id: raw };
  const colon = raw.indexOf(':');
  const scheme = colon > 0 ? raw.slice(0, colon).toLowerCase() : '';
  const value = raw.slice(colon + 1);
  switch (scheme) {
    case 'imdb':
      return IMDB_ID.test(value) ? { by: 'imdb', imdb: value } : { error: 'an IMDb reference looks like imdb:tt1798709' };
    case 'tmdb': {
      if (TMDB_ID.test(value)) return { by: 'tmdb', tmdb: value };
      const episode = TMDB_EPISODE.exec(value);
      if (episode) return { by: 'episode', series: episode[1]!, season: Number(episode[2]), episode: Number(episode[3]) };
      return { error: 'a TMDB reference looks like tmdb:movie:152601, tmdb:tv:1399, or tmdb:tv:1399:s1e9 for an episode (no leading zeros)' };
    }
    case 'isbn': {
      const isbn = normalizeIsbn(value);
      return isbn ? { by: 'isbn', isbn } : { error: 'an ISBN reference needs a valid ISBN-10 or ISBN-13, e.g. isbn:9780316769488' };
    }
    default:
      return { error: 'expected a title id (tl_…) or an external reference such as imdb:tt1798709, tmdb:movie:152601 or isbn:9780316769488' };
  }
}

/** What is said when no title matches a reference: a batch's unknown item and a 404 alike. */
export const noTitleMatches = (ref: TitleRef) => `No title matches ${formatRef(ref)}.`;

/** The answer when no title matches a reference, from the store and the services alike. */
export const titleNotFound = (ref: TitleRef) => new NotFound(noTitleMatches(ref));

/** The reference as a client would write it in a path. */
export function formatRef(ref: TitleRef): string {
  switch (ref.by) {
    case 'id':
      return ref.id;
    case 'imdb':
      return `imdb:${ref.imdb}`;
    case 'tmdb':
      return `tmdb:${ref.tmdb}`;
    case 'isbn':
      return `isbn:${ref.isbn}`;
    case 'episode':
      return `tmdb:${ref.series}:s${ref.season}e${ref.episode}`;
  }
}
