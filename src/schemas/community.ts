import { z } from 'zod';
import { CATEGORY_KEYS } from '../domain/categories.js';
import { MAX_AGE, MIN_AGE } from '../domain/verdict.js';
import { CursorQuery, Id, IdString, labelText, LimitQuery, storedText, Timestamp } from './common.js';

const MAX_HEADLINE = 120;
const MAX_BODY = 4000;
const MAX_NOTE = 1000;

/** Community text is kept exactly as written: not trimmed, but never blank. */
const text = (max: number, base = storedText) => base().max(max).refine((v) => v.trim().length > 0, 'write something');
const AgeRating = z.int().min(MIN_AGE).max(MAX_AGE).describe('"OK from this age", 2–18.');
const Stars = z.int().min(1).max(5);

export const ReviewCreate = z
  .strictObject({
    by: z.enum(['parent', 'kid']).describe('A parent’s review, or a kid’s written on behalf of one of the household’s children.'),
    childId: IdString.optional().describe('For a kid review: which child wrote it.'),
    ageRating: AgeRating,
    stars: Stars,
    headline: text(MAX_HEADLINE, labelText),
    body: text(MAX_BODY),
  })
  .superRefine((r, ctx) => {
    if (r.by === 'kid' && !r.childId) ctx.addIssue({ code: 'custom', path: ['childId'], message: 'a kid review names the child who wrote it' });
    if (r.by === 'parent' && r.childId) ctx.addIssue({ code: 'custom', path: ['childId'], message: 'a parent review names no child' });
  })
  .meta({ id: 'ReviewCreate' });

export const ReviewPatch = z
  .strictObject({ ageRating: AgeRating.optional(), stars: Stars.optional(), headline: text(MAX_HEADLINE, labelText).optional(), body: text(MAX_BODY).optional() })
  .refine((p) => Object.keys(p).length > 0, 'the patch changes nothing: give at least one field')
  .meta({ id: 'ReviewPatch' });

export const Review = z
  .object({
    id: Id,
    titleId: Id,
    by: z.enum(['parent', 'kid']),
    author: z.string().max(20).describe('"Parent", or "Kid, age 12" (the age when written). Never a name or an account.'),
    ageRating: AgeRating,
    stars: Stars,
    headline: z.string().max(MAX_HEADLINE),
    body: z.string().max(MAX_BODY).describe('As written; always plain text, never HTML.'),
    helpful: z.int().min(0).max(2 ** 31 - 1).describe('Households that marked it helpful.'),
    hidden: z.boolean().describe('Hidden by a moderator: seen only by its author and editors.'),
    mine: z.boolean().describe('Written by the asking household.'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Review' });
export type Review = z.infer<typeof Review>;

export const ReviewParams = z.object({ review: IdString });

export const ReviewListQuery = z.strictObject({
  by: z.enum(['parent', 'kid']).optional(),
  sort: z.enum(['newest', 'helpful']).default('newest'),
  limit: LimitQuery,
  cursor: CursorQuery,
});

const TITLE_FLAG_REASONS = ['rating-too-low', 'rating-too-high', 'missing-content', 'inaccurate', 'other'] as const;
const REVIEW_FLAG_REASONS = ['spam', 'inappropriate', 'spoiler', 'other'] as const;
type FlagReason = (typeof TITLE_FLAG_REASONS)[number] | (typeof REVIEW_FLAG_REASONS)[number];

export const TitleFlagCreate = z
  .strictObject({ reason: z.enum(TITLE_FLAG_REASONS), category: z.enum(CATEGORY_KEYS).optional(), note: text(MAX_NOTE).optional() })
  .meta({ id: 'TitleFlagCreate' });

export const ReviewFlagCreate = z.strictObject({ reason: z.enum(REVIEW_FLAG_REASONS), note: text(MAX_NOTE).optional() }).meta({ id: 'ReviewFlagCreate' });

export const Flag = z
  .object({
    id: Id,
    target: z.object({ kind: z.enum(['title', 'review']), titleId: Id, reviewId: Id.nullable() }),
    reason: z.enum([...new Set([...TITLE_FLAG_REASONS, ...REVIEW_FLAG_REASONS])] as [FlagReason, ...FlagReason[]]),
    category: z.enum(CATEGORY_KEYS).nullable(),
    note: z.string().max(MAX_NOTE).nullable(),
    status: z.enum(['open', 'resolved', 'dismissed']),
    resolutionNote: z.string().max(MAX_NOTE).nullable(),
    createdAt: Timestamp,
    resolvedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Flag', description: 'A flag as the moderation queue shows it: never who raised it.' });
export type Flag = z.infer<typeof Flag>;

export const FlagQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'dismissed']).optional(),
  target: z.enum(['title', 'review']).optional(),
  limit: LimitQuery,
  cursor: CursorQuery,
});

export const FlagClose = z
  .strictObject({ status: z.enum(['resolved', 'dismissed']), note: text(MAX_NOTE).describe('What was done, or why nothing was.') })
  .meta({ id: 'FlagClose' });
