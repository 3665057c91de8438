/**
 * What every backend's title store decides the same way, without touching a database: records
 * from the rows one statement reads, index entries from the rows the index loads, what a patch
 * or an import line changes, and which record answers which reference.
 */
import { CATEGORIES } from '../domain/categories.js';
import { communityStats } from '../domain/community.js';
import type { Certification } from '../domain/rating-systems.js';
import { formatRef, type DirectRef } from '../domain/references.js';
import { levelOf } from '../domain/series.js';
import { ageBasis } from '../domain/verdict.js';
import type { Community, Title, TitleInput, TitleKind, TitlePatch } from '../domain/titles.js';
import type { IndexEntry } from './title-index.js';
import {
  canonical, descriptorList, titleRows, UNRATED_SORT_AGE, toCanonicalInput, toListItem, toTitle, toVerdictTitle,
  type AdvisoryRow, type CanonicalInput, type CertificationRow, type ImportItem, type ListAdvisoryRow, type ListTitleRow, type TitleRow, type TitleRows, type VerdictAdvisoryRow, type VerdictTitleRow,
} from './title-mapping.js';
import type { TitleRecord } from './types.js';

/** The id, imdb, tmdb or isbn value a reference names (the verdict path asks: read, not formatted and parsed back). */
export function valueOf(ref: DirectRef): string {
  switch (ref.by) {
    case 'id':
      return ref.id;
    case 'imdb':
      return ref.imdb;
    case 'tmdb':
      return ref.tmdb;
    case 'isbn':
      return ref.isbn;
  }
}

/** Visible reviews of a title counted by group and age: [by, age, count, stars summed]. */
type TallyRow = [by: 'parent' | 'kid', age: number, count: number, stars: number];

/** A title as one statement reads it: its row, its advisory's, its certifications in order and its tally. */
export interface RecordRow<T = TitleRow, A = AdvisoryRow> {
  t: T;
  a: A | null;
  certifications: [system: string, rating: string, reason: string | null, descriptors: string][];
  tally: TallyRow[];
  /** The parent's parent, where the statement reads it (a verdict's does). */
  grandparentId: string | null;
}

/**
 * A title no one has reviewed, which is most of them: one answer shared by every such record
 * (frozen: nothing may change it), so its 34 histogram entries are made once, not per read.
 */
const UNREVIEWED: Community = deepFreeze({ parents: communityStats({ counts: new Map(), starsTotal: 0 }), kids: communityStats({ counts: new Map(), starsTotal: 0 }) });

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}

/** Community statistics from the tally of a title's visible reviews. */
function communityOf(tally: readonly TallyRow[]): Community {
  if (tally.length === 0) return UNREVIEWED;
  const groups = { parent: { counts: new Map<number, number>(), starsTotal: 0 }, kid: { counts: new Map<number, number>(), starsTotal: 0 } };
  for (const [by, age, count, stars] of tally) {
    groups[by].counts.set(age, count);
    groups[by].starsTotal += stars;
  }
  return { parents: communityStats(groups.parent), kids: communityStats(groups.kid) };
}

/** The columns a page of a list reads. */
export type ListRecordRow = RecordRow<ListTitleRow, ListAdvisoryRow>;

function parts<T extends { id: string }, A>(row: RecordRow<T, A>) {
  const certs = row.certifications.map(([system, rating, reason, descriptors], position): CertificationRow => ({ titleId: row.t.id, system, rating, reason, descriptors: descriptorList(descriptors), position }));
  return [row.t, certs, row.a, communityOf(row.tally)] as const;
}

export const toRecord = (row: RecordRow): TitleRecord => ({ title: toTitle(...parts(row)), version: row.t.version });
export const toListRecord = (row: ListRecordRow) => toListItem(...parts(row));
/** The columns a verdict reads. */
export type VerdictRecordRow = RecordRow<VerdictTitleRow, VerdictAdvisoryRow>;
export const toVerdictRecord = (row: VerdictRecordRow) => toVerdictTitle(...parts(row), row.grandparentId);

/** The stored title under each reference that finds it, one answer per reference in order. */
export function byReference<T extends Pick<Title, 'id' | 'externalIds'>>(titles: readonly T[], refs: readonly DirectRef[]): (T | null)[] {
  const byRef = new Map<string, T>();
  for (const title of titles) {
    byRef.set(formatRef({ by: 'id', id: title.id }), title);
    for (const by of ['imdb', 'tmdb', 'isbn'] as const) {
      const value = title.externalIds[by];
      if (value) byRef.set(formatRef({ by, [by]: value } as DirectRef), title);
    }
  }
  return refs.map((ref) => byRef.get(formatRef(ref)) ?? null);
}

/** The values each kind of reference asks for, once each. */
export function wantedValues(refs: readonly DirectRef[]): Record<DirectRef['by'], string[]> {
  const wanted = { id: new Set<string>(), imdb: new Set<string>(), tmdb: new Set<string>(), isbn: new Set<string>() };
  for (const ref of refs) wanted[ref.by].add(valueOf(ref));
  return { id: [...wanted.id], imdb: [...wanted.imdb], tmdb: [...wanted.tmdb], isbn: [...wanted.isbn] };
}

/**
 * A patch of whole top-level fields merged onto the stored title: null when it changes nothing
 * (the version stays, so other editors' If-Match still holds), else the input to write.
 */
export function mergePatch(found: TitleRecord, patch: TitlePatch): { merged: CanonicalInput; advisoryChanged: boolean } | null {
  const current = toCanonicalInput(found.title);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const merged = canonical({ ...current, ...defined } as TitleInput);
  if (JSON.stringify(merged) === JSON.stringify(current)) return null;
  return { merged, advisoryChanged: 'advisory' in defined };
}

/** What an import line does to a title whose rows are `before`: nothing, or a write (which may change the advisory). */
export function importChange(before: TitleRows, rows: TitleRows): 'unchanged' | { advisoryChanged: boolean } {
  // Rows follow from the input and hold all of it: equal rows, equal inputs.
  if (JSON.stringify(before) === JSON.stringify(rows)) return 'unchanged';
  return { advisoryChanged: JSON.stringify(before.advisory) !== JSON.stringify(rows.advisory) };
}

/** The rows a stored title would be written with again. */
export const storedRows = (record: TitleRecord): TitleRows => titleRows(toCanonicalInput(record.title));

/** What an import matches a title on. */
export interface MatchKeys {
  id: string;
  kind: string;
  nameKey: string;
  year: number | null;
  imdb: string | null;
  tmdb: string | null;
  isbn: string | null;
  parentId: string | null;
  seasonNumber: number | null;
  episodeNumber: number | null;
}

/** A season's or an episode's place under its parent as one key; null for a title on its own. */
const placeKey = (t: Pick<MatchKeys, 'parentId' | 'seasonNumber' | 'episodeNumber'>) => (t.parentId === null ? null : `${t.parentId}\u0000${t.seasonNumber ?? ''}\u0000${t.episodeNumber ?? ''}`);

/** The external ids a title may hold, each unique among titles. */
export const EXTERNAL_IDS = ['imdb', 'tmdb', 'isbn'] as const;
/** A title's kind, name and year as one key: what an import matches a title on when no id does. */
export const nameMatch = (t: Pick<MatchKeys, 'kind' | 'nameKey' | 'year'>) => `${t.kind}\u0000${t.nameKey}\u0000${t.year ?? ''}`;

/**
 * The titles an import batch may be about, by every key a line is matched on, kept up to date
 * as the batch's lines are taken: one rule matches a line whether the title it finds was stored
 * before the batch or made by a line before it.
 */
export class ImportMatcher {
  private readonly byId = new Map<string, MatchKeys>();
  private readonly byExternal = { imdb: new Map<string, string>(), tmdb: new Map<string, string>(), isbn: new Map<string, string>() };
  private readonly byName = new Map<string, Set<string>>();
  private readonly byPlace = new Map<string, string>();

  /** `stored`: every stored title the batch's lines could match (by id, external id, or kind, name and year). */
  constructor(stored: Iterable<MatchKeys>) {
    for (const keys of stored) this.put(keys);
  }

  /**
   * The ids of the titles a line is about: the one with its id; else those holding its external
   * ids; else, for a line with no external id at all, the one of the same kind, name and year
   * (the first by id, when several are). A season or an episode is never matched by its name,
   * which repeats from series to series ("Season 1", "Pilot"), but by its place under its parent.
   */
  matches({ id, rows: { title }, facts, idsOnly }: ImportItem): string[] {
    if (id !== undefined && this.byId.has(id)) return [id];
    const keys = EXTERNAL_IDS.filter((key) => title[key]);
    const place = placeKey(title);
    if (place !== null) {
      const held = [...new Set(keys.flatMap((key) => this.byExternal[key].get(title[key]!) ?? []))];
      if (held.length > 0) return held;
      const found = this.byPlace.get(place);
      return found === undefined ? [] : [found];
    }
    if (keys.length > 0) {
      const held = [...new Set(keys.flatMap((key) => this.byExternal[key].get(title[key]!) ?? []))];
      // Facts from elsewhere go on to the name: the catalogue may hold the title without those ids.
      if (held.length > 0 || !facts || idsOnly) return held;
    }
    // Never a title that holds another id of the same kind: that one is a different title.
    const unlike = (named: string) => !keys.some((key) => this.byId.get(named)![key] !== null);
    const named = [...(this.byName.get(nameMatch(title)) ?? [])].filter(unlike);
    if (!facts) return named.length ? [named.reduce((a, b) => (b < a ? b : a))] : [];
    // Facts from elsewhere also find the title the catalogue holds without a year, and must find one alone.
    if (title.year !== null) named.push(...[...(this.byName.get(nameMatch({ ...title, year: null })) ?? [])].filter(unlike));
    return named;
  }

  /** Whether a line's match came by kind and name: none of its external ids is held. */
  byNameOnly({ rows: { title } }: ImportItem): boolean {
    return !EXTERNAL_IDS.some((key) => title[key] && this.byExternal[key].has(title[key]));
  }

  /** A title's keys once facts are merged into it (mergeFacts): ids and year it lacked, filled. */
  merged(id: string, { title }: TitleRows): MatchKeys {
    const held = this.byId.get(id)!;
    return { ...held, year: held.year ?? title.year, imdb: held.imdb ?? title.imdb, tmdb: held.tmdb ?? title.tmdb, isbn: held.isbn ?? title.isbn };
  }

  /** Whether a line written to title `id` would take an external id another title holds. */
  clashes(id: string, { title }: TitleRows): boolean {
    return EXTERNAL_IDS.some((key) => {
      const holder = title[key] ? this.byExternal[key].get(title[key]) : undefined;
      return holder !== undefined && holder !== id;
    });
  }

  /** A title as it now stands (made, or changed, by a line). */
  put(keys: MatchKeys): void {
    const before = this.byId.get(keys.id);
    if (before) {
      for (const key of EXTERNAL_IDS) if (before[key] && this.byExternal[key].get(before[key]) === keys.id) this.byExternal[key].delete(before[key]);
      this.byName.get(nameMatch(before))?.delete(keys.id);
      const place = placeKey(before);
      if (place !== null && this.byPlace.get(place) === keys.id) this.byPlace.delete(place);
    }
    this.byId.set(keys.id, keys);
    const place = placeKey(keys);
    if (place !== null) this.byPlace.set(place, keys.id);
    for (const key of EXTERNAL_IDS) if (keys[key]) this.byExternal[key].set(keys[key], keys.id);
    const name = nameMatch(keys);
    let named = this.byName.get(name);
    if (!named) this.byName.set(name, (named = new Set()));
    named.add(keys.id);
  }
}

/** A title's match keys from the rows a line writes. */
export const matchKeys = (id: string, { title }: TitleRows): MatchKeys => ({
  id, kind: title.kind, nameKey: title.nameKey, year: title.year, imdb: title.imdb, tmdb: title.tmdb, isbn: title.isbn,
  parentId: title.parentId, seasonNumber: title.seasonNumber, episodeNumber: title.episodeNumber,
});

const NO_PARENTS = { count: 0, medianAge: null };

/** A title's columns as the index loads them, in this order, followed by one level per category. */
export type IndexTitleRow = [
  id: string, kind: TitleKind, name: string, nameKey: string, genreKeys: string, sortReleased: string, sortStars: number,
  updatedAt: string, parentId: string | null, episodeNumber: number | null, age: number | null, ...levels: (number | null)[],
];

/**
 * Index entries from three row streams, each in title id order: the titles, their certifications
 * [title id, system, rating, descriptors] in position order, and their visible parent reviews counted by age
 * [title id, age, count]. Ids are ASCII, so every backend's order is JavaScript's.
 */
export function* mergeIndexEntries(
  titles: Iterable<IndexTitleRow>,
  certifications: Iterator<[string, string, string, string]>,
  parents: Iterator<[string, number, number]>,
): Generator<IndexEntry> {
  let cert = certifications.next();
  let parent = parents.next();
  for (const row of titles) {
    const [id, kind, name, nameKey, genreKeys, sortReleased, sortStars, updatedAt, parentId, episodeNumber, age, ...levels] = row;
    const certs: Certification[] = [];
    for (; !cert.done && cert.value[0] <= id; cert = certifications.next()) if (cert.value[0] === id) certs.push({ system: cert.value[1], rating: cert.value[2], descriptors: descriptorList(cert.value[3]) });
    const counts = new Map<number, number>();
    for (; !parent.done && parent.value[0] <= id; parent = parents.next()) if (parent.value[0] === id) counts.set(parent.value[1], parent.value[2]);
    // Most titles have no parent review: no histogram to build for them.
    const stats = counts.size === 0 ? NO_PARENTS : communityStats({ counts, starsTotal: 0 });
    const ratings = Object.fromEntries(CATEGORIES.flatMap((c, i) => (levels[i] == null ? [] : [[c.key, { level: levels[i], note: '' }]])));
    const facts = {
      name,
      advisory: age === null ? null : { ageRecommendation: age, ratings },
      certifications: certs,
      community: { parents: { count: stats.count, medianAge: stats.medianAge } },
    };
    yield {
      id,
      kind,
      level: levelOf({ parentId, episodeNumber }),
      parentId,
      nameKey,
      genreKeys,
      // From the facts, not the stored sort_age: that one goes stale when the rating-system
      // table changes what a certification means, and the age filter and sort would follow it.
      sortAge: ageBasis(facts)?.age ?? UNRATED_SORT_AGE,
      sortReleased,
      sortStars,
      updatedAt,
      facts,
    };
  }
}
