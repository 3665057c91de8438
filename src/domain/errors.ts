/**
 * Errors the rules and the store raise, in words a parent can act on. They know nothing of HTTP:
 * the one error handler (src/plugins/errors.ts) gives each class its status and problem type.
 */
export abstract class DomainError extends Error {}

/** The thing asked about is not there (or not the caller's to see). */
export class NotFound extends DomainError {}

/** The write would break a rule about what is already stored; `kind` names which one. */
export class Conflict extends DomainError {
  constructor(
    readonly kind: ConflictKind,
    message: string,
  ) {
    super(message);
  }
}

type ConflictKind =
  /** A cap on how many a household may hold (children, tokens). */
  | 'limit'
  /** Something that may exist once already does (a review, an open flag, an external id). */
  | 'duplicate'
  /** The thing is in a state that does not allow the change (a closed flag, the last token). */
  | 'state';

/** The caller read a version that is no longer the stored one (an If-Match that no longer holds). */
export class StaleVersion extends DomainError {}

/** The rule lets this caller through only once they say who they are (a token): 401. */
export class NotAuthenticated extends DomainError {}

/** The caller may not do this (the last class the error handler tells apart: 403). */
export class NotAllowed extends DomainError {}

/** The request is well formed but breaks a rule about its own values (one that needs today or the store). */
export class Invalid extends DomainError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`The request is not valid: ${path}: ${reason}`);
  }
}
