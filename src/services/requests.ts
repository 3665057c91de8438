/**
 * Requests to watch: a child asks for a title it is blocked from, from its own device; a parent
 * approves (an allow override, for good or until a time) or declines with a reason the child
 * reads. One pending request per child and title; each expires after REQUEST_TTL_HOURS.
 */
import type { Config } from '../config.js';
import { Conflict, Invalid, NotFound } from '../domain/errors.js';
import type { TitleRef } from '../domain/references.js';
import type { SortKey, Store, WatchRequestRecord } from '../store/types.js';
import { findChild } from './children.js';
import type { PageRequest } from './paging.js';
import type { verdictService } from './verdicts.js';

export type RequestState = WatchRequestRecord['status'];

/** A request as the family reads it at `now`: a pending one past its expiry has expired. */
export const requestState = (r: WatchRequestRecord, now: string): RequestState => (r.status === 'pending' && r.expiresAt <= now ? 'expired' : r.status);

/** A parent's answer. */
export type RequestAnswer = { status: 'approved'; allowedUntil: string | null } | { status: 'declined'; reason: string | null };

export function requestService(store: Store, config: Pick<Config, 'REQUEST_TTL_HOURS'>, verdicts: ReturnType<typeof verdictService>) {
  async function findRequest(householdId: string, childId: string, id: string): Promise<WatchRequestRecord> {
    const child = await findChild(store, householdId, childId);
    const request = await store.requests.get(child.id, id);
    if (!request) throw new NotFound(`The child has no request with the id ${id}.`);
    return request;
  }

  return {
    /** The child's request for a title it is blocked from: made, or the one already pending (`created` false). */
    async ask(householdId: string, childId: string, ref: TitleRef, note: string | null, now: Date) {
      const { title, verdict } = await verdicts.childVerdict(householdId, childId, ref, now);
      if (verdict.allowed) throw new Conflict('state', `'${title!.name}' is already allowed, so there is nothing to ask for: ${verdict.message}`);
      const expiresAt = new Date(now.getTime() + config.REQUEST_TTL_HOURS * 3_600_000).toISOString();
      return store.requests.create(childId, title!.id, note, now.toISOString(), expiresAt);
    },

    getRequest: findRequest,

    /** One child's requests, or (`childId` null) every child's of the household; newest first, `pending` ones only when asked. */
    async listRequests(householdId: string, childId: string | null, { limit, after }: PageRequest<SortKey, [ownerId: string]>, pending: boolean, now: Date) {
      const childIds = childId ? [(await findChild(store, householdId, childId)).id] : (await store.children.list(householdId, { limit: 10_000 })).items.map((c) => c.id);
      return store.requests.list(childIds, { limit, after: after(childId ?? householdId), pendingAt: pending ? now.toISOString() : undefined });
    },

    /** A parent approves or declines a request still pending; an approval is an allow override (until `allowedUntil`, or for good). */
    async answer(householdId: string, childId: string, id: string, answer: RequestAnswer, now: Date): Promise<WatchRequestRecord> {
      const request = await findRequest(householdId, childId, id);
      const at = now.toISOString();
      if (answer.status === 'approved' && answer.allowedUntil !== null && answer.allowedUntil <= at) throw new Invalid('body.until', 'lies in the past');
      const decision =
        answer.status === 'approved'
          ? { ...answer, note: request.note ? `Asked for: "${request.note}"` : 'Asked for by the child' }
          : answer;
      const decided = await store.requests.decide(request.childId, request.id, decision, at);
      if (decided) return decided;
      const state = requestState((await store.requests.get(request.childId, request.id)) ?? request, at);
      throw new Conflict('state', state === 'expired' ? `The request expired at ${request.expiresAt}; the child may ask again.` : `The request is already ${state}.`);
    },
  };
}
