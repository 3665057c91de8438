/** Reviews and flags: who may see, write and change a review, and the moderation queue. */
import { ageOn } from '../domain/age.js';
import { Conflict, NotAllowed, NotFound } from '../domain/errors.js';
import type { TitleRef } from '../domain/references.js';
import { isAuthor, type Caller } from '../domain/tokens.js';
import type { ExpectedVersions, FlagRecord, ReviewFields, ReviewRecord, SortKey, Store } from '../store/types.js';
import { findChild } from './children.js';
import type { PageRequest } from './paging.js';
import { findTitle } from './titles.js';

type ReviewWrite = ReviewFields & { by: ReviewRecord['by']; childId?: string | undefined };
type FlagWrite = Pick<FlagRecord, 'reason' | 'category' | 'note'>;
type FlagStatus = FlagRecord['status'];

/** A hidden review is seen only by its author and by editors. */
const maySee = (review: ReviewRecord, caller: Caller | null) => !review.hidden || isAuthor(review, caller) || caller?.role === 'editor' || caller?.role === 'admin';

export function reviewService(store: Store) {
  async function visibleReview(caller: Caller | null, id: string): Promise<ReviewRecord> {
    const review = await store.reviews.get(id);
    if (!review || !maySee(review, caller)) throw new NotFound(`No review has the id ${id}.`);
    return review;
  }

  async function ownReview(caller: Caller, id: string): Promise<ReviewRecord> {
    const review = await visibleReview(caller, id);
    if (review.householdId !== caller.householdId) throw new NotAllowed('Only the household that wrote a review may change or delete it.');
    // Otherwise deleting and posting again would undo the moderation (and drop its flags).
    if (review.hidden) throw new NotAllowed('A moderator hid this review: it can no longer be changed or deleted.');
    return review;
  }

  /** Someone else's review, seen: a household neither votes for nor flags its own. */
  async function othersReview(caller: Caller, id: string, refusal: string): Promise<ReviewRecord> {
    const review = await visibleReview(caller, id);
    if (review.householdId === caller.householdId) throw new NotAllowed(refusal);
    return review;
  }

  async function setHidden(id: string, hidden: boolean): Promise<ReviewRecord> {
    const review = await store.reviews.setHidden(id, hidden);
    if (!review) throw new NotFound(`No review has the id ${id}.`);
    return review;
  }

  return {
    /** One per household as parent and per child per title (the store holds that); a kid's review carries the child's age today. */
    async postReview(householdId: string, ref: TitleRef, { childId, ...fields }: ReviewWrite, today: string): Promise<ReviewRecord> {
      const { title } = await findTitle(store, ref);
      const child = childId ? await findChild(store, householdId, childId) : null;
      return store.reviews.create({ ...fields, titleId: title.id, householdId, childId: child?.id ?? null, authorAge: child ? ageOn(child.birth, today) : null });
    },

    async listReviews(ref: TitleRef, query: { by?: ReviewRecord['by'] | undefined; sort: 'newest' | 'helpful' } & PageRequest<SortKey>) {
      const { title } = await findTitle(store, ref);
      return store.reviews.list(title.id, { by: query.by, sort: query.sort, limit: query.limit, after: query.after(title.id) });
    },

    getReview: visibleReview,

    async updateReview(caller: Caller, id: string, patch: Partial<ReviewFields>, expected: ExpectedVersions): Promise<ReviewRecord> {
      const review = await ownReview(caller, id);
      return store.reviews.update(review.id, patch, expected);
    },

    async deleteReview(caller: Caller, id: string, expected: ExpectedVersions): Promise<void> {
      const review = await ownReview(caller, id);
      await store.reviews.remove(review.id, expected);
    },

    /** Once per household; answers the review with its new count. */
    async markHelpful(caller: Caller, id: string): Promise<ReviewRecord> {
      const review = await othersReview(caller, id, 'A household cannot mark its own review helpful.');
      if (!(await store.reviews.vote(review.id, caller.householdId!))) throw new Conflict('duplicate', 'You already marked this review helpful.');
      return (await store.reviews.get(review.id))!;
    },

    /** Even on a review hidden since: the mark is the household's to take back. */
    async unmarkHelpful(householdId: string, id: string): Promise<void> {
      if (!(await store.reviews.unvote(id, householdId))) throw new NotFound('You had not marked this review helpful.');
    },

    hideReview: (id: string) => setHidden(id, true),
    restoreReview: (id: string) => setHidden(id, false),

    /** One open flag per household per title (the store holds that). */
    async flagTitle(householdId: string, ref: TitleRef, flag: FlagWrite): Promise<FlagRecord> {
      const { title } = await findTitle(store, ref);
      return store.flags.create({ ...flag, householdId, targetKind: 'title', titleId: title.id, reviewId: null });
    },

    /** One open flag per household per review (the store holds that). */
    async flagReview(caller: Caller, id: string, flag: Omit<FlagWrite, 'category'>): Promise<FlagRecord> {
      const review = await othersReview(caller, id, 'A household cannot flag its own review: change or delete it instead.');
      return store.flags.create({ ...flag, householdId: caller.householdId!, targetKind: 'review', titleId: review.titleId, reviewId: review.id, category: null });
    },

    listFlags: (query: { status?: FlagStatus | undefined; targetKind?: FlagRecord['targetKind'] | undefined } & PageRequest<SortKey, []>) =>
      store.flags.list({ status: query.status, targetKind: query.targetKind, limit: query.limit, after: query.after() }),

    /** Only an open flag closes: closing one twice is a conflict, not a second note. */
    async closeFlag(id: string, status: Exclude<FlagStatus, 'open'>, note: string | null): Promise<FlagRecord> {
      const closed = await store.flags.close(id, status, note);
      if (closed) return closed;
      const existing = await store.flags.get(id);
      if (!existing) throw new NotFound(`No flag has the id ${id}.`);
      throw new Conflict('state', `The flag is already ${existing.status}.`);
    },
  };
}
