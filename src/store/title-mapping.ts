/**
 * Pure conversions between the API's title shapes and rows, shared by every backend: both
 * dialects' schemas use the same property names, so these work on either one's rows.
 */
import { CATEGORIES, type CategoryKey } from '../domain/categories.js';
import { findRating } from '../domain/rating-systems.js';
import { searchText, sortKey } from '../domain/text.js';
import { ageBasis } from '../domain/verdict.js';
import type { Advisory, Community, ImportLine, RatingSummary, Title, TitleInput, TitleListItem, VerdictTitle } from '../domain/titles.js';

export interface TitleRow {
  id: string;
  name: string;
  kind: string;
  year: number | null;
  releaseTheaters: string | null;
  releaseStreaming: string | null;
  runtimeMinutes: number | null;
  genres: string[];
  topics: string[];
  cast: string[];
  directors: string[];
  studio: string | null;
  synopsis: string | null;
  imdb: string | null;
  tmdb: string | null;
  isbn: string | null;
  age: number | null;
  ageSource: 'expert' | 'certification' | null;
  parentId: string | null;
  seasonNumber: number | null;
  episodeNumber: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface CertificationRow {
  titleId: string;
  system: string;
  rating: string;
  reason: string | null;
  descriptors: string[];
  position: number;
}

/** A certification's descriptors as stored, their keys between bars ("violence|fear"), read back. */
export const descriptorList = (stored: string): string[] => (stored === '' ? [] : stored.split('|'));

type LevelColumns = { [K in CategoryKey as `${K}Level`]: number | null } & { [K in CategoryKey as `${K}Note`]: string | null };

export type AdvisoryRow = LevelColumns & {
  titleId: string;
  ageRecommendation: number;
  stars: number;
  oneLiner: string;
  parentsNeedToKnow: string;
  story: string | null;
  isItAnyGood: string | null;
  talkAbout: string[];
  updatedAt: string;
};

/** What a list item shows of a title and its advisory: a page reads only these columns. */
export const LIST_TITLE_KEYS = ['id', 'name', 'kind', 'year', 'genres', 'imdb', 'tmdb', 'isbn', 'parentId', 'seasonNumber', 'episodeNumber', 'updatedAt'] as const;
export const LIST_ADVISORY_KEYS = ['titleId', 'ageRecommendation', 'stars', 'oneLiner', ...CATEGORIES.map((c) => `${c.key}Level` as const)] as const;
export type ListTitleRow = Pick<TitleRow, (typeof LIST_TITLE_KEYS)[number]>;
export type ListAdvisoryRow = Pick<AdvisoryRow, (typeof LIST_ADVISORY_KEYS)[number]>;
/** The columns a verdict reads (see VerdictTitle). */
export const VERDICT_TITLE_KEYS = ['id', 'name', 'kind', 'year', 'imdb', 'tmdb', 'isbn', 'parentId', 'seasonNumber', 'episodeNumber'] as const;
export const VERDICT_ADVISORY_KEYS = ['titleId', 'ageRecommendation', ...CATEGORIES.flatMap((c) => [`${c.key}Level`, `${c.key}Note`] as const)] as const;
export type VerdictTitleRow = Pick<TitleRow, (typeof VERDICT_TITLE_KEYS)[number]>;
export type VerdictAdvisoryRow = Pick<AdvisoryRow, (typeof VERDICT_ADVISORY_KEYS)[number]>;

/** Sort values for titles nothing rates: after every real age, and below every star count. */
export const UNRATED_SORT_AGE = 99;

type AdvisoryInput = NonNullable<TitleInput['advisory']>;

/** The input with every optional field spelled out, so two inputs compare by value. */
export type CanonicalInput = ReturnType<typeof canonical>;

export function canonical(input: TitleInput) {
  return {
    name: input.name,
    kind: input.kind,
    year: input.year ?? null,
    releaseDates: { theaters: input.releaseDates.theaters ?? null, streaming: input.releaseDates.streaming ?? null },
    runtimeMinutes: input.runtimeMinutes ?? null,
    genres: input.genres,
    topics: input.topics,
    cast: input.cast,
    directors: input.directors,
    studio: input.studio ?? null,
    synopsis: input.synopsis ?? null,
    certifications: input.certifications.map((c) => ({ system: c.system, rating: c.rating, reason: c.reason ?? null, descriptors: [...(c.descriptors ?? [])] })),
    externalIds: { imdb: input.externalIds.imdb ?? null, tmdb: input.externalIds.tmdb ?? null, isbn: input.externalIds.isbn ?? null },
    advisory: input.advisory ? canonicalAdvisory(input.advisory) : null,
    parentId: input.parentId ?? null,
    seasonNumber: input.seasonNumber ?? null,
    episodeNumber: input.episodeNumber ?? null,
  };
}

function canonicalAdvisory(a: AdvisoryInput) {
  return {
    ageRecommendation: a.ageRecommendation,
    stars: a.stars,
    oneLiner: a.oneLiner,
    parentsNeedToKnow: a.parentsNeedToKnow,
    story: a.story ?? null,
    isItAnyGood: a.isItAnyGood ?? null,
    talkAbout: a.talkAbout,
    ratings: Object.fromEntries(
      CATEGORIES.flatMap((c) => {
        const r = a.ratings[c.key];
        return r ? [[c.key, { level: r.level, note: r.note }]] : [];
      }),
    ) as Advisory['ratings'],
  };
}

/**
 * Everything a title's rows hold that follows from its input alone: the derived values (folded
 * name and genres, the age and its source, sort values) and the columns copied from the input.
 * An import works it out where it parses its lines, off the thread that writes.
 */
export function titleRows(input: CanonicalInput) {
  const basis = ageBasis({ name: input.name, advisory: input.advisory, certifications: input.certifications });
  const a = input.advisory;
  return {
    title: {
      name: input.name,
      kind: input.kind,
      year: input.year,
      releaseTheaters: input.releaseDates.theaters,
      releaseStreaming: input.releaseDates.streaming,
      runtimeMinutes: input.runtimeMinutes,
      genres: input.genres,
      topics: input.topics,
      cast: input.cast,
      directors: input.directors,
      studio: input.studio,
      synopsis: input.synopsis,
      imdb: input.externalIds.imdb,
      tmdb: input.externalIds.tmdb,
      isbn: input.externalIds.isbn,
      age: basis?.age ?? null,
      ageSource: basis?.decidedBy ?? null,
      nameKey: sortKey(input.name),
      genreKeys: `|${input.genres.map(sortKey).join('|')}|`,
      searchText: searchText(input.name),
      sortAge: basis?.age ?? UNRATED_SORT_AGE,
      sortReleased: input.releaseDates.theaters ?? input.releaseDates.streaming ?? (input.year ? String(input.year) : ''),
      sortStars: a?.stars ?? 0,
      parentId: input.parentId,
      seasonNumber: input.seasonNumber,
      episodeNumber: input.episodeNumber,
    },
    certifications: input.certifications.map((c, position) => ({ system: c.system, rating: c.rating, reason: c.reason, descriptors: c.descriptors, position })),
    advisory: a && advisoryColumns(a),
  };
}

export type TitleRows = ReturnType<typeof titleRows>;

/** An import line made ready to write: its id if it names one, and the rows that follow from it. */
export interface ImportItem {
  id: string | undefined;
  /** What the line writes: the whole title. */
  rows: TitleRows;
  /**
   * Facts to merge (mergeFacts) into the title the line matches, instead of replacing it; `rows`
   * are then only what a new title gets. A line with facts that has external ids none holds is
   * matched by kind, name and year next.
   */
  facts?: CanonicalInput;
  /** Facts whose kind, name and year another line of the import shares: matched by their external ids alone. */
  idsOnly?: boolean;
}

export function importItem(line: ImportLine): ImportItem {
  return { id: line.id, rows: titleRows(canonical(line)) };
}

/** Facts from elsewhere about a title, to be merged into the one they match (ImportItem.facts). */
export function factsItem(line: ImportLine): ImportItem {
  const facts = canonical(line);
  return { id: undefined, rows: titleRows(facts), facts };
}

/** An advisory's columns but its title id and time. */
function advisoryColumns(a: NonNullable<CanonicalInput['advisory']>): Omit<AdvisoryRow, 'titleId' | 'updatedAt'> {
  const row: Record<string, unknown> = {
    ageRecommendation: a.ageRecommendation,
    stars: a.stars,
    oneLiner: a.oneLiner,
    parentsNeedToKnow: a.parentsNeedToKnow,
    story: a.story,
    isItAnyGood: a.isItAnyGood,
    talkAbout: a.talkAbout,
  };
  // A plain loop: import runs this once per title.
  for (const c of CATEGORIES) {
    const rating = a.ratings[c.key];
    row[`${c.key}Level`] = rating?.level ?? null;
    row[`${c.key}Note`] = rating?.note ?? null;
  }
  return row as Omit<AdvisoryRow, 'titleId' | 'updatedAt'>;
}

/** Each category's key and its two advisory columns, spelled once: every title read looks them up. */
const CATEGORY_COLUMNS = CATEGORIES.map((c) => ({ key: c.key, level: `${c.key}Level` as const, note: `${c.key}Note` as const }));

function ratingsOf(row: VerdictAdvisoryRow): Advisory['ratings'] {
  const ratings: Record<string, { level: number; note: string }> = {};
  for (const c of CATEGORY_COLUMNS) {
    const level = row[c.level];
    if (level !== null) ratings[c.key] = { level, note: row[c.note] ?? '' };
  }
  return ratings as Advisory['ratings'];
}

function levelsOf(row: ListAdvisoryRow): NonNullable<RatingSummary['levels']> {
  const levels: Record<string, number> = {};
  for (const c of CATEGORY_COLUMNS) {
    const level = row[c.level];
    if (level !== null) levels[c.key] = level;
  }
  return levels as NonNullable<RatingSummary['levels']>;
}

function toAdvisory(row: AdvisoryRow): Advisory {
  return {
    ageRecommendation: row.ageRecommendation,
    stars: row.stars,
    oneLiner: row.oneLiner,
    parentsNeedToKnow: row.parentsNeedToKnow,
    story: row.story,
    isItAnyGood: row.isItAnyGood,
    talkAbout: row.talkAbout,
    ratings: ratingsOf(row),
    updatedAt: row.updatedAt,
  };
}

function summaryOf(row: ListTitleRow, certs: CertificationRow[], adv: ListAdvisoryRow | null): RatingSummary {
  // Worked out as it is read, not taken from the stored age: that one goes stale when the
  // rating-system table changes what a certification means.
  const basis = ageBasis({ name: row.name, advisory: adv && { ageRecommendation: adv.ageRecommendation, ratings: {} }, certifications: certs });
  return {
    age: basis?.age ?? null,
    ageSource: basis?.decidedBy ?? null,
    stars: adv?.stars ?? null,
    oneLiner: adv?.oneLiner ?? null,
    levels: adv ? levelsOf(adv) : null,
    certifications: certs.map((c) => ({ system: c.system, rating: c.rating, descriptors: c.descriptors })),
  };
}

const certificationsOf = (certs: CertificationRow[]): Title['certifications'] =>
  certs.map((c) => ({ system: c.system, rating: c.rating, reason: c.reason, descriptors: c.descriptors, minimumAge: findRating(c.system, c.rating)?.minimumAge ?? 18 }));

/** What every view of a title starts with: who it is, where it sits, and its external ids. */
const identity = (row: VerdictTitleRow) => ({
  id: row.id,
  name: row.name,
  kind: row.kind as Title['kind'],
  year: row.year,
  externalIds: { imdb: row.imdb, tmdb: row.tmdb, isbn: row.isbn },
  parentId: row.parentId,
  seasonNumber: row.seasonNumber,
  episodeNumber: row.episodeNumber,
});

export function toTitle(row: TitleRow, certs: CertificationRow[], adv: AdvisoryRow | null, community: Community): Title {
  return {
    ...identity(row),
    releaseDates: { theaters: row.releaseTheaters, streaming: row.releaseStreaming },
    runtimeMinutes: row.runtimeMinutes,
    genres: row.genres,
    topics: row.topics,
    cast: row.cast,
    directors: row.directors,
    studio: row.studio,
    synopsis: row.synopsis,
    certifications: certificationsOf(certs),
    advisory: adv ? toAdvisory(adv) : null,
    summary: summaryOf(row, certs, adv),
    community,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toListItem(row: ListTitleRow, certs: CertificationRow[], adv: ListAdvisoryRow | null, community: Community): TitleListItem {
  return {
    ...identity(row),
    genres: row.genres,
    summary: summaryOf(row, certs, adv),
    community,
    updatedAt: row.updatedAt,
  };
}

/** `grandparentId`: the parent's own parent, read with the title. */
export function toVerdictTitle(row: VerdictTitleRow, certs: CertificationRow[], adv: VerdictAdvisoryRow | null, community: Community, grandparentId: string | null): VerdictTitle {
  const { parentId: _, ...shown } = identity(row);
  return {
    ...shown,
    ancestors: row.parentId === null ? [] : grandparentId === null ? [row.parentId] : [row.parentId, grandparentId],
    certifications: certificationsOf(certs),
    advisory: adv && { ageRecommendation: adv.ageRecommendation, ratings: ratingsOf(adv) },
    community,
  };
}

/** A stored title as the canonical input that would write it again: PATCH merges onto it, import compares with it. */
export function toCanonicalInput(title: Title): CanonicalInput {
  return {
    name: title.name,
    kind: title.kind,
    year: title.year,
    releaseDates: title.releaseDates,
    runtimeMinutes: title.runtimeMinutes,
    genres: title.genres,
    topics: title.topics,
    cast: title.cast,
    directors: title.directors,
    studio: title.studio,
    synopsis: title.synopsis,
    certifications: title.certifications.map((c) => ({ system: c.system, rating: c.rating, reason: c.reason, descriptors: c.descriptors })),
    externalIds: title.externalIds,
    advisory: title.advisory ? canonicalAdvisory(title.advisory) : null,
    parentId: title.parentId,
    seasonNumber: title.seasonNumber,
    episodeNumber: title.episodeNumber,
  };
}
