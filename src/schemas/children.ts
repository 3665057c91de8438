import { z } from 'zod';
import { BIRTH } from '../domain/age.js';
import { MAX_AGE, MIN_AGE } from '../domain/verdict.js';
import { CATEGORIES, type CategoryKey } from '../domain/categories.js';
import { COUNTRY_CODES, DESCRIPTOR_KEYS, findRating, ratingsOf } from '../domain/rating-systems.js';
import { CursorQuery, Id, IdString, labelText, LimitQuery, storedText, Timestamp } from './common.js';
import { RatingSystemKey, TitleId, TitleName, TitleParams } from './titles.js';

const MAX_OVERRIDE_NOTE = 500;
const MAX_HOUSEHOLD_NAME = 100;

const Level = z.int().min(0).max(5);

/** Per category: { max } for a concern, { min } for a positive category. */
const LimitInput = Object.fromEntries(
  CATEGORIES.map((c) => [
    c.key,
    (c.polarity === 'concern'
      ? z.strictObject({ max: Level }, { error: () => `${c.key} is a concern: give { "max": 0–5 }` })
      : z.strictObject({ min: Level }, { error: () => `${c.key} is a positive category: give { "min": 0–5 }` })
    ).optional(),
  ]),
) as Record<CategoryKey, z.ZodOptional<z.ZodObject<{ max: typeof Level }, z.core.$strict> | z.ZodObject<{ min: typeof Level }, z.core.$strict>>>;

export const LimitsInput = z
  .strictObject(LimitInput)
  .describe('Only the categories the parents want to set; the rest follow the age preset (GET /v1/presets).');

const CeilingsInput = z
  .partialRecord(RatingSystemKey, z.string().max(20))
  .superRefine((ceilings, ctx) => {
    for (const [system, rating] of Object.entries(ceilings)) {
      if (rating !== undefined && !findRating(system, rating)) {
        ctx.addIssue({ code: 'custom', path: [system], message: `"${rating}" is not one of the ${system} ratings (${ratingsOf(system).join(', ')})` });
      }
    }
  })
  .describe('The strictest rating allowed per system, e.g. { "MPA": "PG-13", "ESRB": "T" }.');

const KNOWN_DESCRIPTORS = new Set(DESCRIPTOR_KEYS);

const BlockDescriptorsInput = z
  .array(z.string().max(60))
  .max(DESCRIPTOR_KEYS.length)
  .superRefine((keys, ctx) => {
    keys.forEach((key, i) => {
      if (!KNOWN_DESCRIPTORS.has(key)) {
        const [system] = key.split(':');
        const same = DESCRIPTOR_KEYS.filter((k) => k.startsWith(`${system}:`));
        ctx.addIssue({ code: 'custom', path: [i], message: `"${key}" is not a content descriptor; give SYSTEM:key, ${same.length ? `e.g. ${same.slice(0, 3).join(', ')}` : 'e.g. PEGI:gambling, ESRB:blood-and-gore'} (GET /v1/rating-systems lists them)` });
      } else if (keys.indexOf(key) !== i) {
        ctx.addIssue({ code: 'custom', path: [i], message: `"${key}" is given twice` });
      }
    });
  })
  .describe('Content descriptors that block a title whose certification carries one, as SYSTEM:key: ["PEGI:gambling", "ESRB:blood-and-gore"]. GET /v1/rating-systems lists each system’s descriptors.');

const childFields = {
  nickname: labelText()
    .trim()
    .min(1)
    .max(40)
    .refine((s) => /[\p{L}\p{N}]/u.test(s) && !/\p{Cc}/u.test(s), 'give letters or digits, without control characters')
    .describe('What the family calls the child; shown only to the household.'),
  birth: z
    .string()
    .max(7)
    .regex(BIRTH, 'give the year (YYYY) or the year and month (YYYY-MM)')
    .describe('YYYY or YYYY-MM. The age counts from the last day of that month or year, so it is never overstated.'),
  limits: LimitsInput,
  ageRule: z.enum(['expert', 'strictest', 'off']).describe('expert: the advisory’s age, else the strictest certification’s; strictest: the highest of all; off: no age rule.'),
  unrated: z.enum(['block', 'allow']).describe('What to do with titles nothing rates.'),
  withAdult: z
    .enum(['block', 'allow'])
    .describe('allow: a title the age rule blocks only through certifications that admit the child with a parent or another adult, and nothing else, is OK, and its verdict says "OK with an adult" (MPA R from 13, BBFC 12A and ACB MA15+ from 8, FSK 12 from 6: never below the system’s nearest milder rating).'),
  mode: z
    .enum(['limits', 'allowlist'])
    .describe('limits: the rules above decide; allowlist: nothing is OK but the titles a parent allowed (overrides, approved requests), whatever the rules say.'),
  certificationCeilings: CeilingsInput,
  blockDescriptors: BlockDescriptorsInput,
};

export const ChildCreate = z
  .strictObject({
    ...childFields,
    limits: childFields.limits.default({}),
    ageRule: childFields.ageRule.default('expert'),
    unrated: childFields.unrated.default('block'),
    withAdult: childFields.withAdult.default('block'),
    mode: childFields.mode.default('limits'),
    certificationCeilings: childFields.certificationCeilings.default({}),
    blockDescriptors: childFields.blockDescriptors.default([]),
  })
  .meta({ id: 'ChildCreate' });

export const ChildPatch = z
  .strictObject(
    Object.fromEntries(Object.entries(childFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof childFields]: z.ZodOptional<(typeof childFields)[K]>;
    },
  )
  .refine((patch) => Object.keys(patch).length > 0, 'the patch changes nothing: give at least one field')
  .describe('Each field present replaces the stored one; `limits` replaces all the parents’ limits.')
  .meta({ id: 'ChildPatch' });

const EffectiveLimit = z.object({
  max: Level.optional(),
  min: Level.optional(),
  source: z.enum(['preset', 'parent']),
});

export const Child = z
  .object({
    id: Id,
    nickname: z.string().max(40),
    birth: z.string().max(7),
    age: z.int().min(0).max(9999).describe('Computed from birth on the day of the request (UTC); 0 until the first birthday.'),
    limits: z
      .object(Object.fromEntries(CATEGORIES.map((c) => [c.key, EffectiveLimit])) as Record<CategoryKey, typeof EffectiveLimit>)
      .describe('Every category’s effective limit and where it came from.'),
    ageRule: z.enum(['expert', 'strictest', 'off']),
    unrated: z.enum(['block', 'allow']),
    withAdult: z.enum(['block', 'allow']),
    mode: z.enum(['limits', 'allowlist']),
    certificationCeilings: z.partialRecord(RatingSystemKey, z.string().max(20)),
    blockDescriptors: z.array(z.string().max(60)).max(DESCRIPTOR_KEYS.length),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Child' });
export type Child = z.infer<typeof Child>;

export const ChildParams = z.object({ child: IdString });

export const ChildTitleParams = z.object({ ...ChildParams.shape, ...TitleParams.shape });

export const PageQuery = z.strictObject({ limit: LimitQuery, cursor: CursorQuery });

export const OverrideInput = z
  .strictObject({
    decision: z.enum(['allow', 'block']),
    note: storedText().trim().min(1).max(MAX_OVERRIDE_NOTE).nullable().optional(),
    expiresAt: Timestamp.nullable().optional().describe('When the override stops; it must lie in the future. Absent or null: until removed.'),
  })
  .meta({ id: 'OverrideWrite' });

export const Override = z
  .object({
    title: z.object({ id: TitleId, name: TitleName }),
    decision: z.enum(['allow', 'block']),
    note: z.string().max(MAX_OVERRIDE_NOTE).nullable(),
    expiresAt: Timestamp.nullable(),
    expired: z.boolean().describe('An expired override no longer affects verdicts.'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Override' });

const COUNTRY_HINT = 'give an ISO 3166-1 alpha-2 country code in capitals, such as DE, GB or US';
export const Country = z
  .string()
  .max(2)
  .regex(/^[A-Z]{2}$/, COUNTRY_HINT)
  .refine((code) => COUNTRY_CODES.has(code), COUNTRY_HINT)
  .describe('ISO 3166-1 alpha-2. Under the expert age rule, a title with no advisory and a certification from this country’s rating systems (GET /v1/rating-systems, `countries`) takes its age from those alone.');

export const Household = z
  .object({ id: Id, name: z.string().max(MAX_HOUSEHOLD_NAME).nullable(), country: z.string().length(2).nullable(), createdAt: Timestamp })
  .meta({ id: 'Household' });

const householdFields = {
  name: labelText().trim().min(1).max(MAX_HOUSEHOLD_NAME).describe('An optional label, e.g. "The Parks".'),
  country: Country,
};

export const HouseholdCreate = z
  .strictObject({ name: householdFields.name.optional(), country: householdFields.country.optional() })
  .nullish()
  .meta({ id: 'HouseholdCreate' });

export const HouseholdPatch = z
  .strictObject({ name: householdFields.name.nullable().optional(), country: householdFields.country.nullable().optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'the patch changes nothing: give name or country (null clears it)')
  .describe('Each field present replaces the stored one; null clears it.')
  .meta({ id: 'HouseholdPatch' });

export const Presets = z
  .object({
    items: z.array(
      z.object({
        age: z.int().min(MIN_AGE).max(MAX_AGE),
        limits: z.object(Object.fromEntries(CATEGORIES.map((c) => [c.key, z.object({ max: Level.optional(), min: Level.optional() })]))),
      }),
    ).max(MAX_AGE - MIN_AGE + 1),
  })
  .meta({ id: 'Presets' });
