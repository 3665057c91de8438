import { z } from 'zod';
import { CATEGORIES, type CategoryKey } from '../domain/categories.js';
import { descriptorsOf, findRating, RATING_SYSTEMS, ratingsOf, SYSTEM_KEYS } from '../domain/rating-systems.js';
import { IMDB_ID, normalizeIsbn, parseTitleRef, TITLE_ID, TMDB_ID } from '../domain/references.js';
import { searchTokens } from '../domain/text.js';
import { MAX_AGE, MIN_AGE } from '../domain/verdict.js';
import { TITLE_KINDS } from '../domain/titles.js';
import { TITLE_LEVELS } from '../domain/series.js';
import type * as domain from '../domain/titles.js';
import { CursorQuery, labelText, LimitQuery, queryInt, storedText, Timestamp } from './common.js';

export { TITLE_KINDS };
export const TitleKind = z.enum(TITLE_KINDS).meta({ id: 'TitleKind' });
export const RatingSystemKey = z.enum(SYSTEM_KEYS as [string, ...string[]]).meta({ id: 'RatingSystemKey' });
export type TitleKind = z.infer<typeof TitleKind>;

/** How long each text and list of a title may be: what a request is held to, and so what an answer holds. */
const MAX = { name: 300, label: 200, longText: 5000, oneLiner: 200, talk: 500, talkAbout: 20, note: 1000, rating: 20, genres: 20, topics: 20, cast: 100, directors: 50, genre: 60 } as const;

/** Text the server answers with, as long as the request that stored it could make it. */
const said = (max: number) => z.string().max(max);
const text = (max: number, base = storedText) => base().trim().min(1).max(max);
const optionalText = (max: number, base = storedText) => text(max, base).nullable().optional();
const names = (maxItems: number, maxLength: number) => z.array(text(maxLength, labelText)).max(maxItems);
const AgeInt = z.int().min(MIN_AGE).max(MAX_AGE);
const Level = z.int().min(0).max(5);
export const Year = z.int().min(1800).max(2100);
/** A title's name as answers carry it. */
export const TitleName = z.string().max(MAX.name);
const RuntimeMinutes = z.int().min(1).max(100_000);
const SeasonNumber = z.int().min(0).max(10_000);
const EpisodeNumber = z.int().min(0).max(100_000);
/** A title's id as the server gives it out (an import may name one of this shape). */
export const TitleId = z.string().max(23);

// ---------------------------------------------------------------- input

/** One schema per category key, optional where the category is. */
function perCategory<S extends z.ZodType>(schema: S, allOptional = false) {
  return Object.fromEntries(
    CATEGORIES.map((c) => [c.key, c.required && !allOptional ? schema : schema.optional()]),
  ) as { [K in CategoryKey]: S | z.ZodOptional<S> };
}

const RatingInput = z.strictObject(
  { level: Level, note: text(MAX.note) },
  { error: (issue) => (issue.input === undefined ? 'this category is required in every advisory' : undefined) },
);

const RatingsInput = z
  .strictObject(perCategory(RatingInput))
  .describe('Level 0–5 with a note for each category; language, sex, drinking, violence, messages and roleModels are required.');

export const AdvisoryInput = z
  .strictObject({
    ageRecommendation: AgeInt.describe('The youngest age the editors recommend it for (2–18).'),
    stars: z.int().min(1).max(5).describe('How good it is, 1–5.'),
    oneLiner: text(MAX.oneLiner),
    parentsNeedToKnow: text(MAX.longText),
    story: optionalText(MAX.longText),
    isItAnyGood: optionalText(MAX.longText),
    talkAbout: z.array(text(MAX.talk)).max(MAX.talkAbout).default([]),
    ratings: RatingsInput,
  })
  .meta({ id: 'AdvisoryWrite' });
export type AdvisoryInput = z.output<typeof AdvisoryInput>;

/** The most descriptors one certification can carry: the longest list a system has. */
const MAX_DESCRIPTORS = Math.max(...RATING_SYSTEMS.map((s) => s.descriptors.length));

const CertificationInput = z
  .strictObject({
    system: RatingSystemKey,
    rating: z.string().min(1).max(MAX.rating),
    reason: optionalText(MAX.talk),
    descriptors: z
      .array(z.string().max(40))
      .max(MAX_DESCRIPTORS)
      .optional()
      .describe('The keys of the content descriptors the board gave it, from its system’s list at /v1/rating-systems: PEGI ["violence", "in-game-purchases"].'),
  })
  .superRefine((cert, ctx) => {
    if (!findRating(cert.system, cert.rating)) {
      ctx.addIssue({
        code: 'custom',
        path: ['rating'],
        message: `"${cert.rating}" is not one of the ${cert.system} ratings (${ratingsOf(cert.system).join(', ')})`,
      });
    }
    const known = cert.descriptors?.length ? descriptorsOf(cert.system) : [];
    cert.descriptors?.forEach((key, i) => {
      if (!known.includes(key)) {
        const which = known.length ? `one of the ${cert.system} descriptors (${known.join(', ')})` : `given: ${cert.system} has no content descriptors`;
        ctx.addIssue({ code: 'custom', path: ['descriptors', i], message: `"${key}" is not ${which}` });
      } else if (cert.descriptors!.indexOf(key) !== i) {
        ctx.addIssue({ code: 'custom', path: ['descriptors', i], message: `"${key}" is given twice` });
      }
    });
  });

const Certifications = z
  .array(CertificationInput)
  .max(SYSTEM_KEYS.length)
  .superRefine((certs, ctx) => {
    certs.forEach((cert, i) => {
      if (certs.findIndex((c) => c.system === cert.system) !== i) {
        ctx.addIssue({ code: 'custom', path: [i, 'system'], message: `a second ${cert.system} certification; give one per system` });
      }
    });
  });

const ExternalIdsInput = z
  .strictObject({
    imdb: z.string().max(12).regex(IMDB_ID, 'an IMDb id looks like tt1798709').nullable().optional(),
    tmdb: z.string().max(16).regex(TMDB_ID, 'a TMDB id looks like movie:152601 or tv:1399 (no leading zeros)').nullable().optional(),
    isbn: z
      .string()
      .max(20)
      .transform((raw, ctx) => {
        const isbn = normalizeIsbn(raw);
        if (!isbn) ctx.addIssue({ code: 'custom', message: 'not a valid ISBN-10 or ISBN-13 (check digit)' });
        return isbn ?? z.NEVER;
      })
      .nullable()
      .optional(),
  });

const ReleaseDatesInput = z.strictObject({ theaters: z.iso.date().max(10).nullable().optional(), streaming: z.iso.date().max(10).nullable().optional() });

const titleFields = {
  name: text(MAX.name, labelText).refine((name) => searchTokens(name).length > 0, 'give at least one letter or digit, so the title can be found'),
  kind: TitleKind,
  year: Year.nullable().optional(),
  releaseDates: ReleaseDatesInput,
  runtimeMinutes: RuntimeMinutes.nullable().optional(),
  genres: names(MAX.genres, MAX.genre),
  topics: names(MAX.topics, MAX.genre),
  cast: names(MAX.cast, MAX.label),
  directors: names(MAX.directors, MAX.label),
  studio: optionalText(MAX.label, labelText),
  synopsis: optionalText(MAX.longText),
  certifications: Certifications,
  externalIds: ExternalIdsInput,
  advisory: AdvisoryInput.nullable().optional(),
  parentId: TitleId.regex(TITLE_ID, 'a title id looks like tl_ and 20 letters or digits')
    .nullable()
    .optional()
    .describe('For a season, its series; for an episode, its season (or its series, where the series has no season titles). tv and podcast titles only.'),
  seasonNumber: SeasonNumber.nullable().optional().describe("A season's number, and an episode's (its season's, when it belongs to a season title). 0 for specials."),
  episodeNumber: EpisodeNumber.nullable().optional().describe("An episode's number in its season (or its series)."),
};

/** POST and import: lists and objects left out are empty. */
export const TitleInput = z
  .strictObject({
    ...titleFields,
    releaseDates: ReleaseDatesInput.default({}),
    genres: titleFields.genres.default([]),
    topics: titleFields.topics.default([]),
    cast: titleFields.cast.default([]),
    directors: titleFields.directors.default([]),
    certifications: Certifications.default([]),
    externalIds: ExternalIdsInput.default({}),
  })
  .meta({ id: 'TitleWrite' });
export type TitleInput = z.output<typeof TitleInput>;

/** PATCH: every key optional, no defaults; a key present replaces the stored value, null clears it. */
export const TitlePatch = z
  .strictObject({
    ...Object.fromEntries(Object.entries(titleFields).map(([k, v]) => [k, v.optional()])),
  } as { [K in keyof typeof titleFields]: z.ZodOptional<(typeof titleFields)[K]> })
  .refine((patch) => Object.keys(patch).length > 0, 'the patch changes nothing: give at least one field')
  .meta({ id: 'TitlePatch' });
export type TitlePatch = z.output<typeof TitlePatch>;

/** A line of `guidepost import`: the POST body, plus the id an export carries. */
export const ImportLine = TitleInput.extend({ id: TitleId.regex(TITLE_ID, 'a title id looks like tl_ and 20 letters or digits').optional() });
export type ImportLine = z.output<typeof ImportLine>;

// ---------------------------------------------------------------- output

const RatingOut = z.object({ level: Level, note: said(MAX.note) });

export const Advisory = z
  .object({
    ageRecommendation: AgeInt,
    stars: z.int().min(1).max(5),
    oneLiner: said(MAX.oneLiner),
    parentsNeedToKnow: said(MAX.longText),
    story: said(MAX.longText).nullable(),
    isItAnyGood: said(MAX.longText).nullable(),
    talkAbout: z.array(said(MAX.talk)).max(MAX.talkAbout),
    ratings: z
      .object(perCategory(RatingOut))
      .describe('Optional categories the editors did not rate are absent.'),
    updatedAt: Timestamp,
  })
  .meta({ id: 'Advisory' });
export type Advisory = z.infer<typeof Advisory>;

export const Certification = z
  .object({
    system: RatingSystemKey,
    rating: said(MAX.rating),
    reason: said(MAX.talk).nullable(),
    descriptors: z.array(z.string().max(40)).max(MAX_DESCRIPTORS).describe('The keys of its content descriptors (labels at /v1/rating-systems); empty for none.'),
    minimumAge: AgeInt.describe('The age Guidepost reads this rating as (see /v1/rating-systems).'),
  })
  .meta({ id: 'Certification' });

export const ExternalIds = z
  .object({ imdb: said(12).nullable(), tmdb: said(16).nullable(), isbn: said(13).nullable() })
  .meta({ id: 'ExternalIds' });

export const RatingSummary = z
  .object({
    age: AgeInt.nullable().describe('The age the title is suitable from: the advisory, else the strictest certification.'),
    ageSource: z.enum(['expert', 'certification']).nullable(),
    stars: z.int().min(1).max(5).nullable(),
    oneLiner: said(MAX.oneLiner).nullable(),
    levels: z
      .object(perCategory(Level, true))
      .nullable()
      .describe('Each rated category’s level; null without an advisory.'),
    certifications: z.array(z.object({ system: RatingSystemKey, rating: said(MAX.rating), descriptors: z.array(z.string().max(40)).max(MAX_DESCRIPTORS) })).max(SYSTEM_KEYS.length),
  })
  .meta({ id: 'RatingSummary', description: 'A compact summary an app can render in a list.' });
export type RatingSummary = z.infer<typeof RatingSummary>;

const CommunityGroup = z
  .object({
    count: z.int().min(0),
    medianAge: z.number().nullable().describe('The median "OK from this age" rating; null without reviews.'),
    p25Age: z.number().nullable(),
    p75Age: z.number().nullable(),
    meanStars: z.number().nullable(),
    histogram: z.array(z.object({ age: AgeInt, count: z.int().min(0) })).max(MAX_AGE - MIN_AGE + 1).describe('Reviews per age 2–18, zeros included.'),
  })
  .meta({ id: 'CommunityStats' });

export const Community = z
  .object({ parents: CommunityGroup, kids: CommunityGroup })
  .meta({ id: 'Community', description: 'Community ages from visible reviews; the method is in the README.' });
export type Community = z.infer<typeof Community>;

export const Title = z
  .object({
    id: TitleId,
    name: TitleName,
    kind: TitleKind,
    year: Year.nullable(),
    releaseDates: z.object({ theaters: said(10).nullable(), streaming: said(10).nullable() }),
    runtimeMinutes: RuntimeMinutes.nullable(),
    genres: z.array(said(MAX.genre)).max(MAX.genres),
    topics: z.array(said(MAX.genre)).max(MAX.topics),
    cast: z.array(said(MAX.label)).max(MAX.cast),
    directors: z.array(said(MAX.label)).max(MAX.directors),
    studio: said(MAX.label).nullable(),
    synopsis: said(MAX.longText).nullable(),
    certifications: z.array(Certification).max(SYSTEM_KEYS.length),
    externalIds: ExternalIds,
    advisory: Advisory.nullable(),
    summary: RatingSummary,
    community: Community,
    parentId: TitleId.nullable().describe('The season or series it belongs to; null for a title on its own.'),
    seasonNumber: SeasonNumber.nullable(),
    episodeNumber: EpisodeNumber.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Title' });
export type Title = z.infer<typeof Title>;

export const TitleListItem = z
  .object({
    id: TitleId,
    name: TitleName,
    kind: TitleKind,
    year: Year.nullable(),
    genres: z.array(said(MAX.genre)).max(MAX.genres),
    externalIds: ExternalIds,
    summary: RatingSummary,
    community: Community,
    parentId: TitleId.nullable().describe('The season or series it belongs to; null for a title on its own.'),
    seasonNumber: SeasonNumber.nullable(),
    episodeNumber: EpisodeNumber.nullable(),
    updatedAt: Timestamp,
  })
  .meta({ id: 'TitleListItem' });
export type TitleListItem = z.infer<typeof TitleListItem>;

// ---------------------------------------------------------------- parameters

/** A title as a client names it, parsed into a reference (see parseTitleRef). */
export const TitleReference = z
  .string()
  .max(200)
  .transform((raw, ctx) => {
    const ref = parseTitleRef(raw);
    if ('error' in ref) {
      ctx.addIssue({ code: 'custom', message: ref.error });
      return z.NEVER;
    }
    return ref;
  })
  .describe('A title id, or an external reference: imdb:tt1798709, tmdb:movie:152601, tmdb:tv:1399, an episode as tmdb:tv:1399:s1e9, isbn:9780316769488.');

export const TitleParams = z.object({ title: TitleReference });

const TITLE_SORTS = ['name', 'newest', 'stars', 'age'] as const;

const kindList = z
  .string()
  .max(200)
  .transform((raw, ctx) => {
    const kinds = raw.split(',').map((k) => k.trim());
    const bad = kinds.filter((k) => !(TITLE_KINDS as readonly string[]).includes(k));
    if (bad.length) {
      ctx.addIssue({ code: 'custom', message: `unknown kind ${bad.map((b) => `"${b}"`).join(', ')}; expected ${TITLE_KINDS.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(kinds)] as TitleKind[];
  })
  // In the document, the list it stands for, written comma-separated (form style, not exploded).
  .meta({ type: 'array', items: { type: 'string', enum: [...TITLE_KINDS] }, maxItems: TITLE_KINDS.length, style: 'form', explode: false });

const levelQuery = queryInt(0, 5).optional();

/** The catalogue filters; the child's catalogue reuses them. */
export const TitleFilterQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).optional().describe('Words of the name, in any order; case and accents do not matter.'),
  kind: kindList.optional().describe('One kind or several, comma-separated (kind=movie,tv).'),
  genre: z.string().trim().min(1).max(60).optional().describe('A genre, case-insensitive.'),
  forAge: queryInt(MIN_AGE, MAX_AGE).optional().describe('Only titles whose age verdict is OK at this age (unrated titles are left out).'),
  maxLanguage: levelQuery.describe('Only titles whose advisory rates language at most this; titles without an advisory are left out (likewise for every max/min filter).'),
  maxSex: levelQuery,
  maxDrinking: levelQuery,
  maxViolence: levelQuery,
  maxConsumerism: levelQuery.describe('Titles whose advisory does not rate consumerism are left out.'),
  minMessages: levelQuery,
  minRoleModels: levelQuery,
  minEducational: levelQuery,
  minDiversity: levelQuery,
  updatedSince: z.iso.datetime({ offset: true }).max(40).optional().describe('Only titles changed at or after this instant (ISO 8601, any offset).'),
  level: z
    .enum(TITLE_LEVELS)
    .default('title')
    .describe('title (the default): films, series, books… on their own, a series once and not each episode; season: only seasons; episode: only episodes, each judged by its own rating or, without one, its season’s or series’.'),
  sort: z
    .enum(TITLE_SORTS)
    .default('name')
    .describe('name (A–Z), newest (latest release first), stars (best first), age (youngest first, unrated last).'),
  limit: LimitQuery,
  cursor: CursorQuery,
});
export type TitleFilterQuery = z.output<typeof TitleFilterQuery>;

// ---------------------------------------------------------------- the domain's types

/** True when each type is assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// The contracts describe exactly the shapes the rules and the store hold (src/domain/titles.ts):
// a field added to one and not the other fails the build here.
const _contractsMatchTheDomain: [
  Same<TitleKind, domain.TitleKind>,
  Same<TitleInput, domain.TitleInput>,
  Same<TitlePatch, domain.TitlePatch>,
  Same<ImportLine, domain.ImportLine>,
  Same<Advisory, domain.Advisory>,
  Same<RatingSummary, domain.RatingSummary>,
  Same<Community, domain.Community>,
  Same<Title, domain.Title>,
  Same<TitleListItem, domain.TitleListItem>,
] = [true, true, true, true, true, true, true, true, true];
