/**
 * A title as the rules and the store hold it: plain types, no validation. The zod contracts in
 * src/schemas/titles.ts describe the same shapes over HTTP, and are held to these at compile
 * time, so the store never needs to know the API's schemas.
 */
import type { CategoryKey } from './categories.js';
import type { CommunityStats } from './community.js';

export const TITLE_KINDS = ['movie', 'tv', 'book', 'game', 'app', 'podcast', 'youtube'] as const;
export type TitleKind = (typeof TITLE_KINDS)[number];

/** Each category's level and note: the required ones always, optional ones when rated (undefined, or absent, when not). */
export type Ratings = { [K in CategoryKey]: { level: number; note: string } | undefined };

interface AdvisoryFields {
  ageRecommendation: number;
  stars: number;
  oneLiner: string;
  parentsNeedToKnow: string;
  talkAbout: string[];
  ratings: Ratings;
}

/** An advisory as written: optional texts may be left out or null. */
export interface AdvisoryInput extends AdvisoryFields {
  story?: string | null | undefined;
  isItAnyGood?: string | null | undefined;
}

/** What a title is written with (POST, and a line of `guidepost import` with its `id`). */
export interface TitleInput {
  name: string;
  kind: TitleKind;
  year?: number | null | undefined;
  releaseDates: { theaters?: string | null | undefined; streaming?: string | null | undefined };
  runtimeMinutes?: number | null | undefined;
  genres: string[];
  topics: string[];
  cast: string[];
  directors: string[];
  studio?: string | null | undefined;
  synopsis?: string | null | undefined;
  certifications: { system: string; rating: string; reason?: string | null | undefined; descriptors?: string[] | undefined }[];
  externalIds: { imdb?: string | null | undefined; tmdb?: string | null | undefined; isbn?: string | null | undefined };
  advisory?: AdvisoryInput | null | undefined;
  /** The season or series a season or an episode belongs to (src/domain/series.ts). */
  parentId?: string | null | undefined;
  seasonNumber?: number | null | undefined;
  episodeNumber?: number | null | undefined;
}

export type ImportLine = TitleInput & { id?: string | undefined };

/** A change of whole top-level fields: a field present replaces the stored one, null clears it. */
export type TitlePatch = { [K in keyof TitleInput]?: TitleInput[K] | undefined };

export interface Advisory extends AdvisoryFields {
  story: string | null;
  isItAnyGood: string | null;
  updatedAt: string;
}

/** A compact summary a list can render. */
export interface RatingSummary {
  age: number | null;
  ageSource: 'expert' | 'certification' | null;
  stars: number | null;
  oneLiner: string | null;
  levels: { [K in CategoryKey]: number | undefined } | null;
  certifications: { system: string; rating: string; descriptors: string[] }[];
}

export interface Community {
  parents: CommunityStats;
  kids: CommunityStats;
}

export interface ExternalIds {
  imdb: string | null;
  tmdb: string | null;
  isbn: string | null;
}

export interface Title {
  id: string;
  name: string;
  kind: TitleKind;
  year: number | null;
  releaseDates: { theaters: string | null; streaming: string | null };
  runtimeMinutes: number | null;
  genres: string[];
  topics: string[];
  cast: string[];
  directors: string[];
  studio: string | null;
  synopsis: string | null;
  certifications: { system: string; rating: string; reason: string | null; descriptors: string[]; minimumAge: number }[];
  externalIds: ExternalIds;
  advisory: Advisory | null;
  summary: RatingSummary;
  community: Community;
  parentId: string | null;
  seasonNumber: number | null;
  episodeNumber: number | null;
  createdAt: string;
  updatedAt: string;
}

export type TitleListItem = Pick<Title, 'id' | 'name' | 'kind' | 'year' | 'genres' | 'externalIds' | 'summary' | 'community' | 'parentId' | 'seasonNumber' | 'episodeNumber' | 'updatedAt'>;

/**
 * What a verdict reads of a title: the facts it decides on (the advisory's age and ratings, the
 * certifications, the parents' figures) and what it shows beside them, none of the long texts.
 */
export type VerdictTitle = Pick<Title, 'id' | 'name' | 'kind' | 'year' | 'externalIds' | 'certifications' | 'community' | 'seasonNumber' | 'episodeNumber'> & {
  advisory: Pick<Advisory, 'ageRecommendation' | 'ratings'> | null;
  /** The season and series above it, nearest first: none for a title on its own. */
  ancestors: string[];
};

type Facts = Pick<TitleInput, 'kind' | 'year' | 'certifications' | 'externalIds'>;

/**
 * What another source (Wikidata) knows of a title, added to what the catalogue holds: a year
 * or an external id the title lacks, and a certification of a system it has none of. What the
 * catalogue holds always stands (an editor's certification, an advisory, every text), so
 * merging the same facts again changes nothing.
 */
export function mergeFacts<T extends Facts>(held: T, facts: T): T {
  const systems = new Set(held.certifications.map((c) => c.system));
  const ids = held.externalIds;
  return {
    ...held,
    year: held.year ?? facts.year ?? null,
    externalIds: {
      imdb: ids.imdb ?? facts.externalIds.imdb ?? null,
      // A TMDB id names its kind (movie:, tv:): a film's id never goes to a series found by its IMDb id.
      tmdb: ids.tmdb ?? (facts.externalIds.tmdb?.startsWith(`${held.kind}:`) ? facts.externalIds.tmdb : null),
      isbn: ids.isbn ?? facts.externalIds.isbn ?? null,
    },
    certifications: [...held.certifications, ...facts.certifications.filter((c) => !systems.has(c.system))],
  };
}
