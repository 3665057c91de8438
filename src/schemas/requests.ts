import { z } from 'zod';
import { ChildParams } from './children.js';
import { CursorQuery, Id, IdString, LimitQuery, storedText, Timestamp } from './common.js';
import { TitleId, TitleName, TitleReference } from './titles.js';

const MAX_NOTE = 300;
const note = () => storedText().trim().min(1).max(MAX_NOTE);

export const WatchRequestCreate = z
  .strictObject({
    title: TitleReference,
    note: note().nullable().optional().describe('Why the child would like to watch it, for the parents.'),
  })
  .meta({ id: 'WatchRequestCreate' });

export const WatchRequestApprove = z
  .strictObject({ until: Timestamp.nullable().optional().describe('Allowed until then ("just this weekend"); absent or null: for good. It must lie in the future.') })
  .meta({ id: 'WatchRequestApprove' });

export const WatchRequestDecline = z
  .strictObject({ reason: note().nullable().optional().describe('A short reason the child reads.') })
  .meta({ id: 'WatchRequestDecline' });

export const WatchRequest = z
  .object({
    id: Id,
    childId: Id,
    title: z.object({ id: TitleId, name: TitleName }),
    note: z.string().max(MAX_NOTE).nullable(),
    status: z.enum(['pending', 'approved', 'declined', 'expired']),
    reason: z.string().max(MAX_NOTE).nullable().describe('The parents’ reason, when declined.'),
    allowedUntil: Timestamp.nullable().describe('When approved: until when the title is allowed; null for good.'),
    expiresAt: Timestamp.describe('When a pending request expires unanswered.'),
    createdAt: Timestamp,
    decidedAt: Timestamp.nullable().describe('When it was approved, declined, or found expired.'),
  })
  .meta({ id: 'WatchRequest', description: 'A child’s request to watch a title: what the child asked, and the parents’ answer; nothing else of the household.' });

export const WatchRequestParams = z.object({ ...ChildParams.shape, request: IdString });

export const WatchRequestQuery = z.strictObject({
  status: z.enum(['pending']).optional().describe('pending: only requests still waiting for an answer.'),
  limit: LimitQuery,
  cursor: CursorQuery,
});
