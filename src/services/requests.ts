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

type RequestState = WatchRequestRecord['status'];

/** A request as the family reads it at `now`: a pending one past its expiry has expired. */
export const requestState = (r: WatchRequestRecord, now: string): RequestState => (r.status === 'pending' && r.expiresAt <= now ? 'expired' : r.status);

/** A parent's answer. */
type RequestAnswer = { status: 'approved'; allowedUntil: string | null } | { status: 'declined'; reason: string | null };

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
      // Read as the child's own device reads it: never the parents' notes.
      const { title, verdict } = await verdicts.childVerdict(householdId, childId, ref, now, true);
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
      // Stored as overrides store their expiry, so the two compare as the same instants.
      const until = answer.status === 'approved' && answer.allowedUntil !== null ? new Date(answer.allowedUntil).toISOString() : null;
      if (until !== null && until <= at) throw new Invalid('body.until', 'lies in the past');
      const decision =
        answer.status === 'approved'
          ? { status: 'approved' as const, allowedUntil: until, note: request.note ? `Asked for: "${request.note}"` : 'Asked for by the child' }
          : answer;
      const decided = await store.requests.decide(request.childId, request.id, decision, at);
      if (decided) return decided;
      const stored = await store.requests.get(request.childId, request.id);
      if (!stored) throw new NotFound(`The child has no request with the id ${id}.`);
      const state = requestState(stored, at);
      throw new Conflict('state', state === 'expired' ? `The request expired at ${request.expiresAt}; the child may ask again.` : `The request is already ${state}.`);
    },
  };
}
