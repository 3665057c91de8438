import { z } from 'zod';
import { labelText, Timestamp } from './common.js';

export const Role = z.enum(['household', 'editor', 'admin']).meta({ id: 'Role' });

/** What a token is called, to tell tokens apart in a list. */
export const TokenName = labelText().trim().min(1).max(100);

export const TokenInfo = z
  .object({
    id: z.string(),
    role: Role,
    householdId: z.string().nullable(),
    name: z.string().nullable(),
    hint: z.string().describe('The first and last characters, to recognise the token by.'),
    createdAt: Timestamp,
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'TokenInfo' });

export const NewToken = z
  .object({ ...TokenInfo.shape, token: z.string().describe('The secret itself. Shown this once; only a hash is kept.') })
  .meta({ id: 'NewToken' });

export const TokenCreate = z
  .strictObject({ role: z.enum(['editor', 'admin']), name: TokenName.optional() })
  .meta({ id: 'TokenCreate' });

export const Me = z
  .object({ tokenId: z.string(), role: Role, name: z.string().nullable(), householdId: z.string().nullable().describe('For household tokens.') })
  .meta({ id: 'Me' });
