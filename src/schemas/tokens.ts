import { z } from 'zod';
import { Id, labelText, Timestamp } from './common.js';

const MAX_TOKEN_NAME = 100;

export const Role = z.enum(['household', 'child', 'editor', 'admin']).meta({ id: 'Role' });

/** What a token is called, to tell tokens apart in a list. */
export const TokenName = labelText().trim().min(1).max(MAX_TOKEN_NAME);

export const TokenInfo = z
  .object({
    id: Id,
    role: Role,
    householdId: Id.nullable(),
    childId: Id.nullable().describe('For a child’s device token: the one child it may ask about.'),
    name: z.string().max(MAX_TOKEN_NAME).nullable(),
    hint: z.string().max(11).describe('The first and last characters, to recognise the token by.'),
    createdAt: Timestamp,
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'TokenInfo' });

export const NewToken = z
  .object({ ...TokenInfo.shape, token: z.string().max(44).regex(/^gp_(hh|ch|ed|ad)_[0-9A-Za-z]{38}$/).describe('The secret itself. Shown this once; only a hash is kept.') })
  .meta({ id: 'NewToken' });

export const ChildTokenCreate = z.strictObject({ name: TokenName.optional().describe('Which device it is for: "Maya’s tablet".') }).meta({ id: 'ChildTokenCreate' });

export const TokenCreate = z
  .strictObject({ role: z.enum(['editor', 'admin']), name: TokenName.optional() })
  .meta({ id: 'TokenCreate' });

export const Me = z
  .object({
    tokenId: Id,
    role: Role,
    name: z.string().max(MAX_TOKEN_NAME).nullable(),
    householdId: Id.nullable().describe('For household and child tokens.'),
    childId: Id.nullable().describe('For a child’s device token.'),
  })
  .meta({ id: 'Me' });
