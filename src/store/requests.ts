/** Children's requests to watch, and the override an approval makes, in one transaction. */
import { Conflict, NotFound } from '../domain/errors.js';
import { putOverride } from './children.js';
import type { Dialect } from './dialect.js';
import { newId } from './ids.js';
import type { WatchRequestRecord, WatchRequestStore } from './types.js';

const COLUMNS = `r.id, r.child_id as "childId", r.title_id as "titleId", t.name as "titleName", r.note, r.status, r.reason,
  r.allowed_until as "allowedUntil", r.expires_at as "expiresAt", r.created_at as "createdAt", r.decided_at as "decidedAt"`;
const SELECT = `select ${COLUMNS} from watch_requests r join titles t on t.id = r.title_id`;

/** Requests one child may have waiting at once. */
const PENDING_PER_CHILD = 50;

export function createWatchRequestStore(d: Dialect): WatchRequestStore {
  const ONE = `${SELECT} where r.child_id = $1 and r.id = $2`;
  return {
    create(childId, titleId, note, now, expiresAt) {
      return d.transaction(async (tx) => {
        // The child's row, locked, makes two requests for one title at once take turns; a child
        // or a title removed meanwhile is waited for, then not found.
        if (!(await tx.get(`select id from children where id = $1${d.lock('no key update')}`, [childId]))) throw new NotFound(`No child has the id ${childId}.`);
        if (!(await tx.get(`select id from titles where id = $1${d.lock('no key update')}`, [titleId]))) throw new NotFound(`No title has the id ${titleId}.`);
        const pending = await tx.get<WatchRequestRecord>(`${SELECT} where r.child_id = $1 and r.title_id = $2 and r.status = 'pending'`, [childId, titleId]);
        if (pending && pending.expiresAt > now) return { request: pending, created: false };
        // One past its expiry no longer holds the title's place: it stays, expired, in the list.
        if (pending) await tx.run(`update watch_requests set status = 'expired', decided_at = expires_at where id = $1`, [pending.id]);
        const { n } = (await tx.get<{ n: number }>(`select cast(count(*) as int) as n from watch_requests where child_id = $1 and status = 'pending' and expires_at > $2`, [childId, now]))!;
        if (n >= PENDING_PER_CHILD) throw new Conflict('limit', `The child already has ${n} requests waiting for an answer, the most it may.`);
        const id = newId('rq');
        await tx.run(
          `insert into watch_requests (id, child_id, title_id, note, status, reason, allowed_until, expires_at, created_at, decided_at)
           values ($1, $2, $3, $4, 'pending', null, null, $5, $6, null)`,
          [id, childId, titleId, note, expiresAt, now],
        );
        return { request: (await tx.get<WatchRequestRecord>(ONE, [childId, id]))!, created: true };
      });
    },

    async get(childId, id) {
      return (await d.get<WatchRequestRecord>(ONE, [childId, id])) ?? null;
    },

    async list(childIds, { limit, after, pendingAt }) {
      if (childIds.length === 0) return { items: [], keys: [], more: false };
      const pending = pendingAt === undefined ? '' : ` and r.status = 'pending' and r.expires_at > $5`;
      const rows = await d.all<WatchRequestRecord>(
        `${SELECT} where ${d.inList('r.child_id', '$1')} and (r.created_at < $2 or (r.created_at = $2 and r.id < $3))${pending}
         order by r.created_at desc, r.id desc limit $4`,
        [d.list(childIds), after?.[0] ?? '9999', after?.[1] ?? '', limit + 1, ...(pendingAt === undefined ? [] : [pendingAt])],
      );
      const items = rows.slice(0, limit);
      return { items, keys: items.map((r) => [r.createdAt, r.id]), more: rows.length > limit };
    },

    decide(childId, id, decision, now) {
      return d.transaction(async (tx) => {
        // The child first, then the request: the order an ask and a child's removal take them in.
        if (!(await tx.get(`select id from children where id = $1${d.lock('no key update')}`, [childId]))) return null;
        const found = await tx.get<{ titleId: string; status: string; expiresAt: string }>(
          `select title_id as "titleId", status, expires_at as "expiresAt" from watch_requests where child_id = $1 and id = $2${d.lock('update')}`,
          [childId, id],
        );
        if (!found || found.status !== 'pending' || found.expiresAt <= now) return null;
        if (decision.status === 'approved') {
          await putOverride(d, tx, childId, found.titleId, { decision: 'allow', note: decision.note, expiresAt: decision.allowedUntil }, undefined, now);
        }
        await tx.run('update watch_requests set status = $3, reason = $4, allowed_until = $5, decided_at = $6 where child_id = $1 and id = $2', [
          childId,
          id,
          decision.status,
          decision.status === 'declined' ? decision.reason : null,
          decision.status === 'approved' ? decision.allowedUntil : null,
          now,
        ]);
        return (await tx.get<WatchRequestRecord>(ONE, [childId, id]))!;
      });
    },
  };
}
