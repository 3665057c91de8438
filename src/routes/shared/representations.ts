/** How the API shows what the services answer: records in, the response schemas' shapes out. */
import { ageOn, todayUtc } from '../../domain/age.js';
import { CATEGORIES, type Category } from '../../domain/categories.js';
import { effectiveLimits } from '../../domain/policy.js';
import { isAuthor, type Caller } from '../../domain/tokens.js';
import { requestState } from '../../services/requests.js';
import { activeOverride, type Verdict } from '../../domain/verdict.js';
import type { Child } from '../../schemas/children.js';
import type { Flag, Review } from '../../schemas/community.js';
import type { VerdictTitle } from '../../domain/titles.js';
import type { ChildRecord, FlagRecord, OverrideRecord, ReviewRecord, WatchRequestRecord } from '../../store/types.js';

/** A limit as the API writes it: a maximum on a concern, a minimum on a positive category. */
export const bound = (category: Category, value: number) => ({ [category.polarity === 'concern' ? 'max' : 'min']: value });

export function childResponse(child: ChildRecord, now: Date): Child {
  const age = ageOn(child.birth, todayUtc(now));
  const limits = effectiveLimits(age, child.limits);
  return {
    id: child.id,
    nickname: child.nickname,
    birth: child.birth,
    age,
    limits: Object.fromEntries(CATEGORIES.map((c) => [c.key, { ...bound(c, limits[c.key].value), source: limits[c.key].source }])) as Child['limits'],
    ageRule: child.ageRule,
    unrated: child.unrated,
    withAdult: child.withAdult,
    mode: child.mode,
    certificationCeilings: child.certificationCeilings,
    blockDescriptors: child.blockDescriptors,
    createdAt: child.createdAt,
    updatedAt: child.updatedAt,
  };
}

/** `now` is an ISO instant: an override no longer in force is shown, marked expired. */
export function overrideResponse(o: OverrideRecord, now: string) {
  return {
    title: { id: o.titleId, name: o.titleName },
    decision: o.decision,
    note: o.note,
    expiresAt: o.expiresAt,
    expired: activeOverride(o, now) === null,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

/** `viewer` is the asking household, if any: its own reviews are `mine`. */
export function reviewResponse(r: ReviewRecord, viewer: Caller | null): Review {
  return {
    id: r.id,
    titleId: r.titleId,
    by: r.by,
    author: r.by === 'kid' ? `Kid, age ${r.authorAge}` : 'Parent',
    ageRating: r.ageRating,
    stars: r.stars,
    headline: r.headline,
    body: r.body,
    helpful: r.helpful,
    hidden: r.hidden,
    mine: isAuthor(r, viewer),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export function flagResponse(f: FlagRecord): Flag {
  return {
    id: f.id,
    target: { kind: f.targetKind, titleId: f.titleId, reviewId: f.reviewId },
    reason: f.reason as Flag['reason'],
    category: f.category as Flag['category'],
    note: f.note,
    status: f.status,
    resolutionNote: f.resolutionNote,
    createdAt: f.createdAt,
    resolvedAt: f.resolvedAt,
  };
}

/** The advisory's categories in table order, labelled, for a parent to read beside the verdict. */
function categoryRatings(title: VerdictTitle) {
  return CATEGORIES.flatMap((c) => {
    const r = title.advisory?.ratings[c.key];
    return r ? [{ category: c.key, label: c.label, polarity: c.polarity, level: r.level, note: r.note }] : [];
  });
}

type TitleSummary = Pick<VerdictTitle, 'id' | 'name' | 'kind' | 'year'>;
type VerdictShown<V, T> = V & { title: T; ratings: ReturnType<typeof categoryRatings>; certifications: VerdictTitle['certifications'] };

/** A verdict as the API shows it: the decision, the title, and what the advisory and certifications say (nothing, for no title). */
export function verdictResponse<V extends Verdict>(title: VerdictTitle, verdict: V): VerdictShown<V, TitleSummary>;
export function verdictResponse<V extends Verdict>(title: VerdictTitle | null, verdict: V): VerdictShown<V, TitleSummary | null>;
export function verdictResponse<V extends Verdict>(title: VerdictTitle | null, verdict: V): VerdictShown<V, TitleSummary | null> {
  return {
    title: title && { id: title.id, name: title.name, kind: title.kind, year: title.year },
    ...verdict,
    ratings: title ? categoryRatings(title) : [],
    certifications: title?.certifications ?? [],
  };
}

/** A request as the child and the parents read it: the request and the answer, nothing else. */
export const watchRequestResponse = (r: WatchRequestRecord, now: Date) => ({
  id: r.id,
  childId: r.childId,
  title: { id: r.titleId, name: r.titleName },
  note: r.note,
  status: requestState(r, now.toISOString()),
  reason: r.reason,
  allowedUntil: r.allowedUntil,
  expiresAt: r.expiresAt,
  createdAt: r.createdAt,
  decidedAt: r.decidedAt,
});

