import { StaleVersion } from '../domain/errors.js';
import type { ExpectedVersions } from './types.js';

/** Refuses a write whose If-Match names no version the row has (a row that is not there has none). */
export function checkVersion(what: string, version: number | undefined, expected: ExpectedVersions): void {
  if (expected && (version === undefined || !expected.includes(version))) {
    const now = version === undefined ? '' : ` (its ETag is now "${version}")`;
    throw new StaleVersion(`The ${what} has changed since you read it${now}; read it again and retry.`);
  }
}
