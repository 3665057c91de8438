/**
 * The store: every read and write of persistent state goes through these interfaces. Each
 * database backend implements them; nothing above the store knows which one runs.
 */
import type { CategoryKey } from '../domain/categories.js';
import type { TitleRef } from '../domain/references.js';
import type { FactColumns } from '../domain/verdict.js';
import type { Title, TitleInput, TitleKind, TitleListItem, TitlePatch, VerdictTitle } from '../domain/titles.js';
import type { ImportItem } from './title-mapping.js';
import type { TitleLevel } from '../domain/series.js';

export type TitleSort = 'name' | 'newest' | 'stars' | 'age';

/** Where a page starts: the sort value and id of the last item of the page before. */
export type SortKey = [value: string | number, id: string];

export interface LevelFilter {
  category: CategoryKey;
  op: 'max' | 'min';
  value: number;
}

export interface TitleFilters {
  q?: string[] | undefined;
  kinds?: TitleKind[] | undefined;
  /** Folded like names (see sortKey). */
  genre?: string | undefined;
  forAge?: number | undefined;
  levels: LevelFilter[];
  updatedSince?: string | undefined;
  /** Titles on their own (films, series…: the default), seasons, or episodes. */
  level?: TitleLevel | undefined;
}

/**
 * A test of a title's packed facts, under a key: tests with the same key take the same titles
 * (the key of a child's catalogue is its policy), so the index keeps each recent key's answer
 * for every title and brings it up to date title by title as titles change.
 */
export interface Accept {
  key: string;
  test: (columns: FactColumns, slot: number) => boolean;
}

export interface TitleListQuery {
  filters: TitleFilters;
  sort: TitleSort;
  limit: number;
  after?: SortKey | undefined;
}

export interface TitleRecord {
  title: Title;
  /** Bumped by every change to the title, its certifications or its advisory; the ETag. */
  version: number;
}

/** Versions the client last saw (from If-Match); undefined means "whatever is current". */
export type ExpectedVersions = readonly number[] | undefined;

export type ImportOutcome = { ok: true; id: string; outcome: 'created' | 'updated' | 'unchanged' } | { ok: false; error: string };

/** This process's in-memory title index, for the metrics. */
export interface TitleIndexStats {
  /** Titles it holds. */
  titles: number;
  /** Seconds its last full build took (at start-up, or after falling too far behind the log), or its load from a saved snapshot. */
  buildSeconds: number;
  /** Whether it was loaded from a snapshot saved in the database (src/store/title-index-snapshot.ts) rather than built from the tables. */
  fromSnapshot: boolean;
  /** When it last caught up with the change log, in seconds since the Unix epoch (it catches up before every catalogue page). */
  caughtUpAt: number;
  /** Changes committed to the log (by any process) that it has not applied yet: it applies them before its next page. */
  changesBehind: number;
}

export interface TitleStore {
  get(ref: TitleRef): Promise<TitleRecord | null>;
  /** What a verdict reads of the title (see VerdictTitle). */
  verdictTitle(ref: TitleRef): Promise<VerdictTitle | null>;
  /** The same for many: one answer per reference, in order; null where nothing matches. */
  verdictTitles(refs: readonly TitleRef[]): Promise<(VerdictTitle | null)[]>;
  list(query: TitleListQuery): Promise<{ items: TitleListItem[]; keys: SortKey[]; more: boolean }>;
  create(input: TitleInput): Promise<TitleRecord>;
  update(ref: TitleRef, patch: TitlePatch, expected: ExpectedVersions): Promise<TitleRecord>;
  remove(ref: TitleRef, expected: ExpectedVersions): Promise<void>;
  putAdvisory(ref: TitleRef, advisory: NonNullable<TitleInput['advisory']>, expected: ExpectedVersions): Promise<TitleRecord & { created: boolean }>;
  removeAdvisory(ref: TitleRef, expected: ExpectedVersions): Promise<TitleRecord>;
  /** Upserts each line by id, else by external id; one transaction for the batch, one bad line spoils only itself. */
  importBatch(items: readonly ImportItem[]): Promise<ImportOutcome[]>;
  /** The seasons and episodes under these titles, each with its parent. */
  descendants(ids: readonly string[]): Promise<{ id: string; parentId: string }[]>;
  /** The episodes under a series (its own and its seasons') or a season, by season and episode number; the sort key of each is [position, id]. */
  episodes(id: string, page: { limit: number; after?: SortKey | undefined }): Promise<{ items: TitleListItem[]; keys: SortKey[]; more: boolean }>;
  /**
   * Every title, ordered by id, fetched a page at a time from one consistent snapshot. It holds
   * a read transaction on the store's connection until the walk ends: meant for the CLI's own
   * store, not one that serves requests meanwhile.
   */
  exportAll(pageSize?: number): AsyncIterable<Title>;
  count(): Promise<number>;
  /** Builds the in-memory title index and its default order now, so the first page does not wait for them. */
  warm(): Promise<void>;
  /**
   * Saves the index in the database for the next start-up (src/store/title-index-snapshot.ts),
   * unless the snapshot there already holds what it holds: whether it saved. Pages wait while it writes.
   */
  saveIndex(): Promise<boolean>;
  /** What this process's title index holds and how far it is behind the change log (one row read); null before it is built. */
  indexStats(): Promise<TitleIndexStats | null>;
  /**
   * The catalogue as the list orders and filters it, keeping only the titles the caller takes:
   * `decided` names titles already settled (an override: true keeps, false drops), `accept`
   * decides the rest from their packed facts (see `allowedTest`; the same key must mean the
   * same test). Built for a million titles.
   */
  catalogue(query: TitleListQuery & { decided: ReadonlyMap<string, boolean>; accept: Accept }): Promise<{ items: TitleListItem[]; keys: SortKey[]; more: boolean }>;
}

import type { Role } from '../domain/tokens.js';

export type { Role };

export interface TokenInfo {
  id: string;
  role: Role;
  householdId: string | null;
  /** A child's device token: the child it may ask about. */
  childId: string | null;
  name: string | null;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface TokenStore {
  /** A household token is refused (409) while its household holds `limit` of its own not revoked; a child's, while the child holds `limit`. */
  create(token: NewTokenRow, limit?: number): Promise<TokenInfo>;
  /** The live (unrevoked) token with this hash. */
  findByHash(hash: string): Promise<TokenInfo | null>;
  get(id: string): Promise<TokenInfo | null>;
  list(roles: readonly Role[]): Promise<TokenInfo[]>;
  listForHousehold(householdId: string): Promise<TokenInfo[]>;
  revoke(id: string): Promise<TokenInfo | null>;
  /**
   * Revokes one of the household's live tokens unless it is the last one, deciding and revoking
   * in one transaction, so two revocations at once never leave the household locked out.
   */
  revokeForHousehold(householdId: string, id: string): Promise<'revoked' | 'not-found' | 'last'>;
}

/** A household token as stored (the secret only as its hash). */
export type NewTokenRow = { id: string; role: Role; householdId: string | null; childId: string | null; name: string | null; hash: string; hint: string };

export interface HouseholdFields {
  name: string | null;
  /** ISO 3166-1 alpha-2, or null. */
  country: string | null;
}

export interface Household extends HouseholdFields {
  id: string;
  createdAt: string;
}

export interface HouseholdStore {
  create(fields: HouseholdFields): Promise<Household>;
  /** Sign-up: the household and its first token in one transaction, so neither exists without the other. */
  createWithToken(fields: HouseholdFields, token: Omit<NewTokenRow, 'role' | 'householdId' | 'childId'>): Promise<{ household: Household; token: TokenInfo }>;
  get(id: string): Promise<Household | null>;
  /** Replaces the fields the patch names; null when there is no such household. */
  update(id: string, patch: Partial<HouseholdFields>): Promise<Household | null>;
  /** Erases the household and everything it owns: children, limits, overrides, tokens. */
  remove(id: string): Promise<boolean>;
  /** How many stored rows, in any table, still belong to the household (0 after `remove`). */
  footprint(id: string): Promise<number>;
}

export interface ChildFields {
  nickname: string;
  birth: string;
  /** Only the limits the parents set; presets fill the rest. */
  limits: Partial<Record<CategoryKey, number>>;
  ageRule: 'expert' | 'strictest' | 'off';
  unrated: 'block' | 'allow';
  withAdult: 'block' | 'allow';
  /** limits: the rules decide; allowlist: only the titles a parent allowed (overrides, approved requests). */
  mode: 'limits' | 'allowlist';
  certificationCeilings: Partial<Record<string, string>>;
  /** Content descriptors, `SYSTEM:key`, that block a title. */
  blockDescriptors: string[];
}

export interface ChildRecord extends ChildFields {
  id: string;
  householdId: string;
  /** The household's country, read with the child: its verdicts prefer that country's rating systems. */
  country: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Every child call names the household: another household's child is simply not found. */
export interface ChildStore {
  /** Refused (409) while the household has `limit` children. */
  create(householdId: string, fields: ChildFields, limit: number): Promise<ChildRecord>;
  get(householdId: string, childId: string): Promise<ChildRecord | null>;
  /** The child with its override for one title (expired or not), in one read: null when the household has no such child. */
  withOverride(householdId: string, childId: string, titleId: string): Promise<{ child: ChildRecord; override: OverrideRecord | null } | null>;
  list(householdId: string, page: { limit: number; after?: string | undefined }): Promise<{ items: ChildRecord[]; more: boolean }>;
  update(householdId: string, childId: string, patch: Partial<ChildFields>, expected: ExpectedVersions): Promise<ChildRecord>;
  remove(householdId: string, childId: string, expected: ExpectedVersions): Promise<void>;
}

export interface OverrideRecord {
  titleId: string;
  titleName: string;
  decision: 'allow' | 'block';
  note: string | null;
  expiresAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Overrides of a child the caller has already found in its own household. */
export interface OverrideStore {
  put(
    childId: string,
    titleId: string,
    o: Pick<OverrideRecord, 'decision' | 'note' | 'expiresAt'>,
    expected?: ExpectedVersions,
  ): Promise<{ override: OverrideRecord; created: boolean }>;
  /** The child's overrides for these titles (all of them when titleIds is undefined), by title id, expired ones included. */
  forTitles(childId: string, titleIds?: readonly string[]): Promise<Map<string, OverrideRecord>>;
  list(childId: string, page: { limit: number; after?: string | undefined }): Promise<{ items: OverrideRecord[]; more: boolean }>;
  /** Throws not-found when there is none, precondition-failed when `expected` is stale. */
  remove(childId: string, titleId: string, expected?: ExpectedVersions): Promise<void>;
}

/** A child's request to watch a title (src/services/requests.ts). */
export interface WatchRequestRecord {
  id: string;
  childId: string;
  titleId: string;
  titleName: string;
  note: string | null;
  /** As stored: a pending request past `expiresAt` is expired (see requestStatus). */
  status: 'pending' | 'approved' | 'declined' | 'expired';
  reason: string | null;
  allowedUntil: string | null;
  expiresAt: string;
  createdAt: string;
  decidedAt: string | null;
}

/** Requests of a child the caller has already found in its own household. */
export interface WatchRequestStore {
  /**
   * The child's pending request for the title, made now unless one is pending and in force
   * (`created` false: that one, unchanged). A pending one past its expiry is closed first.
   */
  create(childId: string, titleId: string, note: string | null, now: string, expiresAt: string): Promise<{ request: WatchRequestRecord; created: boolean }>;
  get(childId: string, id: string): Promise<WatchRequestRecord | null>;
  /** Newest first; `childIds` the children whose requests to list. */
  list(childIds: readonly string[], page: { limit: number; after?: SortKey | undefined; pendingAt?: string | undefined }): Promise<{ items: WatchRequestRecord[]; keys: SortKey[]; more: boolean }>;
  /**
   * Decides a request still pending and in force at `now`, in one transaction with the allow
   * override an approval makes (until `allowedUntil`, or for good). Null when it is not pending
   * or has expired: the caller reads it again to say which.
   */
  decide(childId: string, id: string, decision: { status: 'approved'; allowedUntil: string | null; note: string } | { status: 'declined'; reason: string | null }, now: string): Promise<WatchRequestRecord | null>;
}

export interface ReviewRecord {
  id: string;
  titleId: string;
  householdId: string;
  childId: string | null;
  by: 'parent' | 'kid';
  authorAge: number | null;
  ageRating: number;
  stars: number;
  headline: string;
  body: string;
  hidden: boolean;
  helpful: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type ReviewFields = Pick<ReviewRecord, 'ageRating' | 'stars' | 'headline' | 'body'>;

export interface ReviewStore {
  /** Throws a conflict naming the existing review when the author already reviewed the title. */
  create(review: Omit<ReviewRecord, 'id' | 'hidden' | 'helpful' | 'version' | 'createdAt' | 'updatedAt'>): Promise<ReviewRecord>;
  get(id: string): Promise<ReviewRecord | null>;
  /** Throws not-found, or precondition-failed when `expected` is stale. */
  update(id: string, patch: Partial<ReviewFields>, expected: ExpectedVersions): Promise<ReviewRecord>;
  remove(id: string, expected: ExpectedVersions): Promise<void>;
  /** Visible reviews of a title, newest or most helpful first; the sort key of each is [helpful or createdAt, id]. */
  list(titleId: string, query: { by?: 'parent' | 'kid' | undefined; sort: 'newest' | 'helpful'; limit: number; after?: SortKey | undefined }): Promise<{ items: ReviewRecord[]; keys: SortKey[]; more: boolean }>;
  /** False when the household had already voted. */
  vote(reviewId: string, householdId: string): Promise<boolean>;
  unvote(reviewId: string, householdId: string): Promise<boolean>;
  setHidden(id: string, hidden: boolean): Promise<ReviewRecord | null>;
  forHousehold(householdId: string): Promise<ReviewRecord[]>;
  votesOf(householdId: string): Promise<{ reviewId: string; createdAt: string }[]>;
}

export interface FlagRecord {
  id: string;
  householdId: string;
  targetKind: 'title' | 'review';
  titleId: string;
  reviewId: string | null;
  reason: string;
  category: string | null;
  note: string | null;
  status: 'open' | 'resolved' | 'dismissed';
  resolutionNote: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

export interface FlagStore {
  /** Throws a conflict when the household already has an open flag on the target. */
  create(flag: Pick<FlagRecord, 'householdId' | 'targetKind' | 'titleId' | 'reviewId' | 'reason' | 'category' | 'note'>): Promise<FlagRecord>;
  get(id: string): Promise<FlagRecord | null>;
  /** The moderation queue: oldest first. */
  list(query: { status?: FlagRecord['status'] | undefined; targetKind?: FlagRecord['targetKind'] | undefined; limit: number; after?: SortKey | undefined }): Promise<{ items: FlagRecord[]; keys: SortKey[]; more: boolean }>;
  /** Closes an open flag; null when it is not open (or not there). */
  close(id: string, status: 'resolved' | 'dismissed', note: string | null): Promise<FlagRecord | null>;
  forHousehold(householdId: string): Promise<FlagRecord[]>;
}

/** What is held for an idempotency key: the request it was first used with, and its answer once there is one. */
interface IdempotencyRecord {
  fingerprint: string;
  /** The sealed first answer; null while the first request is still in flight. */
  response: string | null;
}

/**
 * Idempotency keys (see src/plugins/idempotency.ts). The store keeps opaque strings: the id is
 * already a keyed hash and the response already sealed. Times are ISO 8601 strings in UTC.
 */
export interface IdempotencyStore {
  /**
   * Claims the key for a request in one transaction: `claimed` when it was free, expired, or left
   * in flight past `lockedUntil` (a crashed request); otherwise what is held for it.
   */
  claim(entry: { id: string; fingerprint: string; householdId: string | null; now: string; lockedUntil: string; expiresAt: string }): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }>;
  /** Keeps the final answer of a claimed key, owned by the household (erased with it) when there is one. */
  complete(id: string, response: string, householdId: string | null): Promise<void>;
  /** Frees a claimed key whose request failed, so a retry runs afresh; a key with an answer stays. */
  release(id: string): Promise<void>;
  /** Deletes the keys expired at `now`; answers how many went. */
  purgeExpired(now: string): Promise<number>;
}

/** Every table a store holds, in an order foreign keys allow filling them in. */
export const TABLES = ['meta', 'titles', 'certifications', 'advisories', 'households', 'children', 'tokens', 'overrides', 'watch_requests', 'reviews', 'review_votes', 'flags', 'idempotency_keys'] as const;
export type TableName = (typeof TABLES)[number];

/** A page of one table's rows, as objects with the schema's property names (the same in every backend). */
interface TableRows {
  table: TableName;
  rows: Record<string, unknown>[];
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  reviews: ReviewStore;
  flags: FlagStore;
  titles: TitleStore;
  tokens: TokenStore;
  households: HouseholdStore;
  children: ChildStore;
  overrides: OverrideStore;
  requests: WatchRequestStore;
  idempotency: IdempotencyStore;
  /** A value kept with the data and created on first use (e.g. the cursor signing key). */
  setting(key: string, create: () => string): Promise<string>;
  /** Whether the database answers and every shipped migration is applied. */
  ready(): Promise<{ database: boolean; migrations: boolean }>;
  /**
   * A consistent copy of the database in a new file at `path` (an existing file is refused),
   * taken while other processes go on writing, and synced to the disk before it appears. It
   * holds the store's connection while it copies: meant for the CLI's own store.
   */
  backup(path: string): Promise<void>;
  /**
   * Every row of every table, table by table in TABLES order, a page at a time, from one
   * consistent snapshot held on the store's connection: meant for the CLI's own store.
   */
  dump(pageSize?: number): AsyncIterable<TableRows>;
  /** Adds rows a dump gave (of either backend) to the table, as they are: `guidepost migrate-data`. */
  load(page: TableRows): Promise<void>;
  /** Rows in each table. */
  rowCounts(): Promise<Record<TableName, number>>;
  /**
   * Whether `err` is the database giving up for time: a statement past PostgreSQL's statement
   * timeout, a lock waited for too long, a deadlock, or SQLite still busy after its busy timeout.
   * The statement's transaction rolled back, and the same request a moment later may succeed.
   */
  gaveUp(err: unknown): boolean;
  /** PostgreSQL's connection pool as it stands, for the metrics; null on SQLite, which has one connection and no pool. */
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}

export interface PoolStats {
  /** Connections open, idle or in use. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  /** The most it opens (DATABASE_POOL_SIZE). */
  max: number;
}
