import { z } from 'zod';
import { CATEGORIES, type CategoryKey } from '../domain/categories.js';
import { findRating, ratingsOf, SYSTEM_KEYS } from '../domain/rating-systems.js';
import { IMDB_ID, normalizeIsbn, parseTitleRef, TITLE_ID, TMDB_ID } from '../domain/references.js';
import { searchTokens } from '../domain/text.js';
import { MAX_AGE, MIN_AGE } from '../domain/verdict.js';
import { TITLE_KINDS } from '../domain/titles.js';
import type * as domain from '../domain/titles.js';
import { CursorQuery, labelText, LimitQuery, queryInt, storedText, Timestamp } from './common.js';

export { TITLE_KINDS };
export const TitleKind = z.enum(TITLE_KINDS).meta({ id: 'TitleKind' });
export const RatingSystemKey = z.enum(SYSTEM_KEYS as [string, ...string[]]).meta({ id: 'RatingSystemKey' });
export type TitleKind = z.infer<typeof TitleKind>;

const text = (max: number, base = storedText) => base().trim().min(1).max(max);
const optionalText = (max: number, base = storedText) => text(max, base).nullable().optional();
const names = (maxItems: number, maxLength: number) => z.array(text(maxLength, labelText)).max(maxItems);
const AgeInt = z.int().min(MIN_AGE).max(MAX_AGE);
const Level = z.int().min(0).max(5);

// ---------------------------------------------------------------- input

/** One schema per category key, optional where the category is. */
function perCategory<S extends z.ZodType>(schema: S, allOptional = false) {
  return Object.fromEntries(
    CATEGORIES.map((c) => [c.key, c.required && !allOptional ? schema : schema.optional()]),
  ) as { [K in CategoryKey]: S | z.ZodOptional<S> };
}

const RatingInput = z.strictObject(
  { level: Level, note: text(1000) },
  { error: (issue) => (issue.input === undefined ? 'this category is required in every advisory' : undefined) },
);

const RatingsInput = z
  .strictObject(perCategory(RatingInput))
  .describe('Level 0–5 with a note for each category; language, sex, drinking, violence, messages and roleModels are required.');

export const AdvisoryInput = z
  .strictObject({
    ageRecommendation: AgeInt.describe('The youngest age the editors recommend it for (2–18).'),
    stars: z.int().min(1).max(5).describe('How good it is, 1–5.'),
    oneLiner: text(200),
    parentsNeedToKnow: text(5000),
    story: optionalText(5000),
    isItAnyGood: optionalText(5000),
    talkAbout: z.array(text(500)).max(20).default([]),
    ratings: RatingsInput,
  })
  .meta({ id: 'AdvisoryWrite' });
export type AdvisoryInput = z.output<typeof AdvisoryInput>;

const CertificationInput = z
  .strictObject({
    system: RatingSystemKey,
    rating: z.string().min(1).max(20),
    reason: optionalText(500),
  })
  .superRefine((cert, ctx) => {
    if (!findRating(cert.system, cert.rating)) {
      ctx.addIssue({
        code: 'custom',
        path: ['rating'],
        message: `"${cert.rating}" is not one of the ${cert.system} ratings (${ratingsOf(cert.system).join(', ')})`,
      });
    }
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
    imdb: z.string().regex(IMDB_ID, 'an IMDb id looks like tt1798709').nullable().optional(),
    tmdb: z.string().regex(TMDB_ID, 'a TMDB id looks like movie:152601 or tv:1399 (no leading zeros)').nullable().optional(),
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

const ReleaseDatesInput = z.strictObject({ theaters: z.iso.date().nullable().optional(), streaming: z.iso.date().nullable().optional() });

const titleFields = {
  name: text(300, labelText).refine((name) => searchTokens(name).length > 0, 'give at least one letter or digit, so the title can be found'),
  kind: TitleKind,
  year: z.int().min(1800).max(2100).nullable().optional(),
  releaseDates: ReleaseDatesInput,
  runtimeMinutes: z.int().min(1).max(100_000).nullable().optional(),
  genres: names(20, 60),
  topics: names(20, 60),
  cast: names(100, 200),
  directors: names(50, 200),
  studio: optionalText(200, labelText),
  synopsis: optionalText(5000),
  certifications: Certifications,
  externalIds: ExternalIdsInput,
  advisory: AdvisoryInput.nullable().optional(),
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
export const ImportLine = TitleInput.extend({ id: z.string().regex(TITLE_ID, 'a title id looks like tl_ and 20 letters or digits').optional() });
export type ImportLine = z.output<typeof ImportLine>;

// ---------------------------------------------------------------- output

const RatingOut = z.object({ level: Level, note: z.string() });

export const Advisory = z
  .object({
    ageRecommendation: AgeInt,
    stars: z.int().min(1).max(5),
    oneLiner: z.string(),
    parentsNeedToKnow: z.string(),
    story: z.string().nullable(),
    isItAnyGood: z.string().nullable(),
    talkAbout: z.array(z.string()),
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
    rating: z.string(),
    reason: z.string().nullable(),
    minimumAge: AgeInt.describe('The age Guidepost reads this rating as (see /v1/rating-systems).'),
  })
  .meta({ id: 'Certification' });

export const ExternalIds = z
  .object({ imdb: z.string().nullable(), tmdb: z.string().nullable(), isbn: z.string().nullable() })
  .meta({ id: 'ExternalIds' });

export const RatingSummary = z
  .object({
    age: AgeInt.nullable().describe('The age the title is suitable from: the advisory, else the strictest certification.'),
    ageSource: z.enum(['expert', 'certification']).nullable(),
    stars: z.int().nullable(),
    oneLiner: z.string().nullable(),
    levels: z
      .object(perCategory(Level, true))
      .nullable()
      .describe('Each rated category’s level; null without an advisory.'),
    certifications: z.array(z.object({ system: RatingSystemKey, rating: z.string() })),
  })
  .meta({ id: 'RatingSummary', description: 'A compact summary an app can render in a list.' });
export type RatingSummary = z.infer<typeof RatingSummary>;

const CommunityGroup = z
  .object({
    count: z.int(),
    medianAge: z.number().nullable().describe('The median "OK from this age" rating; null without reviews.'),
    p25Age: z.number().nullable(),
    p75Age: z.number().nullable(),
    meanStars: z.number().nullable(),
    histogram: z.array(z.object({ age: z.int(), count: z.int() })).describe('Reviews per age 2–18, zeros included.'),
  })
  .meta({ id: 'CommunityStats' });

export const Community = z
  .object({ parents: CommunityGroup, kids: CommunityGroup })
  .meta({ id: 'Community', description: 'Community ages from visible reviews; the method is in the README.' });
export type Community = z.infer<typeof Community>;

export const Title = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: TitleKind,
    year: z.int().nullable(),
    releaseDates: z.object({ theaters: z.string().nullable(), streaming: z.string().nullable() }),
    runtimeMinutes: z.int().nullable(),
    genres: z.array(z.string()),
    topics: z.array(z.string()),
    cast: z.array(z.string()),
    directors: z.array(z.string()),
    studio: z.string().nullable(),
    synopsis: z.string().nullable(),
    certifications: z.array(Certification),
    externalIds: ExternalIds,
    advisory: Advisory.nullable(),
    summary: RatingSummary,
    community: Community,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Title' });
export type Title = z.infer<typeof Title>;

export const TitleListItem = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: TitleKind,
    year: z.int().nullable(),
    genres: z.array(z.string()),
    externalIds: ExternalIds,
    summary: RatingSummary,
    community: Community,
    updatedAt: Timestamp,
  })
  .meta({ id: 'TitleListItem' });
export type TitleListItem = z.infer<typeof TitleListItem>;

// ---------------------------------------------------------------- parameters

export const TitleParams = z.object({
  title: z
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
    .describe('A title id, or an external reference: imdb:tt1798709, tmdb:movie:152601, tmdb:tv:1399, isbn:9780316769488.'),
});

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
  });

const levelQuery = queryInt(0, 5).optional();

/** The catalogue filters; the child's catalogue reuses them. */
export const TitleFilterQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).optional().describe('Words of the name, in any order; case and accents do not matter.'),
  kind: kindList.optional().describe(`One kind or several, comma-separated: ${TITLE_KINDS.join(', ')}.`),
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
  updatedSince: z.iso.datetime({ offset: true }).optional().describe('Only titles changed at or after this instant (ISO 8601, any offset).'),
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
