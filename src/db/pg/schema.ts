import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, index, integer, json, pgTable, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Text compared byte by byte (code point order), as SQLite's BINARY compares it: ids, times and
 * cursors order the same on both backends, whatever the database's own collation.
 */
function text<const T extends string = string>(name: string, _options?: { enum: readonly T[] }) {
  return customType<{ data: T; driverData: string }>({ dataType: () => 'text collate "C"' })(name);
}

export const titles = pgTable(
  'titles',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    year: integer('year'),
    releaseTheaters: text('release_theaters'),
    releaseStreaming: text('release_streaming'),
    runtimeMinutes: integer('runtime_minutes'),
    genres: json('genres').$type<string[]>().notNull(),
    topics: json('topics').$type<string[]>().notNull(),
    cast: json('cast').$type<string[]>().notNull(),
    directors: json('directors').$type<string[]>().notNull(),
    studio: text('studio'),
    synopsis: text('synopsis'),
    imdb: text('imdb').unique(),
    tmdb: text('tmdb').unique(),
    isbn: text('isbn').unique(),
    // Derived on every write from the advisory and certifications, for the in-memory title index (src/store/title-index.ts).
    age: integer('age'),
    ageSource: text('age_source', { enum: ['expert', 'certification'] }),
    nameKey: text('name_key').notNull(),
    /** Folded genres between bars, "|science fiction|drama|", so a genre filter is a LIKE on one column. */
    genreKeys: text('genre_keys').notNull(),
    searchText: text('search_text').notNull(),
    sortAge: integer('sort_age').notNull(),
    sortReleased: text('sort_released').notNull(),
    sortStars: integer('sort_stars').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    // A season's series, an episode's season or series (src/domain/series.ts). No foreign key:
    // a copy between databases loads titles a page at a time by id, parents not always first;
    // the store refuses a parent that is not there and the removal of a title with children.
    parentId: text('parent_id'),
    seasonNumber: integer('season_number'),
    episodeNumber: integer('episode_number'),
  },
  (t) => [
    index('titles_name_idx').on(t.nameKey, t.id),
    index('titles_updated_idx').on(t.updatedAt),
    // One season N, and one episode N of a season, under each parent; and a parent's children
    // found by it. Titles on their own hold null, which no unique index compares equal.
    uniqueIndex('titles_place_once').on(t.parentId, sql`coalesce(${t.seasonNumber}, -1)`, sql`coalesce(${t.episodeNumber}, -1)`),
  ],
);

export const certifications = pgTable(
  'certifications',
  {
    titleId: text('title_id')
      .notNull()
      .references(() => titles.id, { onDelete: 'cascade' }),
    system: text('system').notNull(),
    rating: text('rating').notNull(),
    reason: text('reason'),
    /** The descriptors' keys between bars, "violence|fear"; empty for none. */
    descriptors: text('descriptors').notNull().default(''),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.titleId, t.system] })],
);

export const advisories = pgTable('advisories', {
  titleId: text('title_id')
    .primaryKey()
    .references(() => titles.id, { onDelete: 'cascade' }),
  ageRecommendation: integer('age_recommendation').notNull(),
  stars: integer('stars').notNull(),
  oneLiner: text('one_liner').notNull(),
  parentsNeedToKnow: text('parents_need_to_know').notNull(),
  story: text('story'),
  isItAnyGood: text('is_it_any_good'),
  talkAbout: json('talk_about').$type<string[]>().notNull(),
  // One level/note pair per category, so filters are plain column comparisons.
  languageLevel: integer('language_level').notNull(),
  languageNote: text('language_note').notNull(),
  sexLevel: integer('sex_level').notNull(),
  sexNote: text('sex_note').notNull(),
  drinkingLevel: integer('drinking_level').notNull(),
  drinkingNote: text('drinking_note').notNull(),
  violenceLevel: integer('violence_level').notNull(),
  violenceNote: text('violence_note').notNull(),
  messagesLevel: integer('messages_level').notNull(),
  messagesNote: text('messages_note').notNull(),
  roleModelsLevel: integer('role_models_level').notNull(),
  roleModelsNote: text('role_models_note').notNull(),
  consumerismLevel: integer('consumerism_level'),
  consumerismNote: text('consumerism_note'),
  educationalLevel: integer('educational_level'),
  educationalNote: text('educational_note'),
  diversityLevel: integer('diversity_level'),
  diversityNote: text('diversity_note'),
  updatedAt: text('updated_at').notNull(),
});

export const households = pgTable('households', {
  id: text('id').primaryKey(),
  name: text('name'),
  /** ISO 3166-1 alpha-2, or null: its children's verdicts prefer that country's rating systems. */
  country: text('country'),
  createdAt: text('created_at').notNull(),
});

export const tokens = pgTable(
  'tokens',
  {
    id: text('id').primaryKey(),
    role: text('role', { enum: ['household', 'child', 'editor', 'admin'] }).notNull(),
    // A household's tokens go with it when it is erased.
    householdId: text('household_id').references(() => households.id, { onDelete: 'cascade' }),
    name: text('name'),
    hash: text('hash').notNull().unique(),
    hint: text('hint').notNull(),
    createdAt: text('created_at').notNull(),
    revokedAt: text('revoked_at'),
    // A child's device token goes with the child.
    childId: text('child_id').references(() => children.id, { onDelete: 'cascade' }),
  },
  (t) => [index('tokens_household_idx').on(t.householdId), index('tokens_child_idx').on(t.childId)],
);

/** A child profile: nothing about the child beyond what verdicts need. */
export const children = pgTable(
  'children',
  {
    id: text('id').primaryKey(),
    householdId: text('household_id')
      .notNull()
      .references(() => households.id, { onDelete: 'cascade' }),
    nickname: text('nickname').notNull(),
    birth: text('birth').notNull(),
    /** Only the limits the parents set, as { category: level }; presets fill the rest when read. */
    limits: json('limits').$type<Record<string, number>>().notNull(),
    ageRule: text('age_rule', { enum: ['expert', 'strictest', 'off'] }).notNull(),
    unrated: text('unrated', { enum: ['block', 'allow'] }).notNull(),
    withAdult: text('with_adult', { enum: ['block', 'allow'] }).notNull().default('block'),
    mode: text('mode', { enum: ['limits', 'allowlist'] }).notNull().default('limits'),
    certificationCeilings: json('certification_ceilings').$type<Partial<Record<string, string>>>().notNull(),
    blockDescriptors: json('block_descriptors').$type<string[]>().notNull().default([]),
    version: integer('version').notNull().default(1),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('children_household_idx').on(t.householdId, t.id)],
);

export const overrides = pgTable(
  'overrides',
  {
    childId: text('child_id')
      .notNull()
      .references(() => children.id, { onDelete: 'cascade' }),
    titleId: text('title_id')
      .notNull()
      .references(() => titles.id, { onDelete: 'cascade' }),
    decision: text('decision', { enum: ['allow', 'block'] }).notNull(),
    note: text('note'),
    expiresAt: text('expires_at'),
    version: integer('version').notNull().default(1),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.childId, t.titleId] }), index('overrides_title_idx').on(t.titleId)],
);

/**
 * A child's request to watch a title it is blocked from (src/services/requests.ts): pending until
 * a parent approves it (an allow override) or declines it, or until it expires.
 */
export const watchRequests = pgTable(
  'watch_requests',
  {
    id: text('id').primaryKey(),
    childId: text('child_id')
      .notNull()
      .references(() => children.id, { onDelete: 'cascade' }),
    titleId: text('title_id')
      .notNull()
      .references(() => titles.id, { onDelete: 'cascade' }),
    note: text('note'),
    status: text('status', { enum: ['pending', 'approved', 'declined', 'expired'] }).notNull(),
    /** The parent's reason, when declined: the child sees it. */
    reason: text('reason'),
    /** Until when an approval allows the title (the override's expiry); null for good. */
    allowedUntil: text('allowed_until'),
    expiresAt: text('expires_at').notNull(),
    createdAt: text('created_at').notNull(),
    decidedAt: text('decided_at'),
  },
  (t) => [
    index('watch_requests_child_idx').on(t.childId, t.createdAt),
    // One pending request per child and title (one past its expiry is closed before a new one).
    uniqueIndex('watch_requests_pending_once').on(t.childId, t.titleId).where(sql`status = 'pending'`),
  ],
);

/** A parent's review (childId null) or a kid's, written by a household on a child's behalf. */
export const reviews = pgTable(
  'reviews',
  {
    id: text('id').primaryKey(),
    titleId: text('title_id')
      .notNull()
      .references(() => titles.id, { onDelete: 'cascade' }),
    householdId: text('household_id')
      .notNull()
      .references(() => households.id, { onDelete: 'cascade' }),
    childId: text('child_id').references(() => children.id, { onDelete: 'cascade' }),
    by: text('by', { enum: ['parent', 'kid'] }).notNull(),
    /** A kid's age on the day the review was written: public output reads "Kid, age 12". */
    authorAge: integer('author_age'),
    ageRating: integer('age_rating').notNull(),
    stars: integer('stars').notNull(),
    headline: text('headline').notNull(),
    body: text('body').notNull(),
    hidden: boolean('hidden').notNull().default(false),
    version: integer('version').notNull().default(1),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    // One parent review per household per title, one kid review per child per title.
    uniqueIndex('reviews_parent_once').on(t.titleId, t.householdId).where(sql`child_id is null`),
    uniqueIndex('reviews_kid_once').on(t.titleId, t.childId).where(sql`child_id is not null`),
    index('reviews_title_idx').on(t.titleId, t.by, t.hidden, t.ageRating),
    index('reviews_household_idx').on(t.householdId),
  ],
);

export const reviewVotes = pgTable(
  'review_votes',
  {
    reviewId: text('review_id')
      .notNull()
      .references(() => reviews.id, { onDelete: 'cascade' }),
    householdId: text('household_id')
      .notNull()
      .references(() => households.id, { onDelete: 'cascade' }),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.reviewId, t.householdId] }), index('review_votes_household_idx').on(t.householdId)],
);

export const flags = pgTable(
  'flags',
  {
    id: text('id').primaryKey(),
    householdId: text('household_id')
      .notNull()
      .references(() => households.id, { onDelete: 'cascade' }),
    targetKind: text('target_kind', { enum: ['title', 'review'] }).notNull(),
    titleId: text('title_id')
      .notNull()
      .references(() => titles.id, { onDelete: 'cascade' }),
    reviewId: text('review_id').references(() => reviews.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    category: text('category'),
    note: text('note'),
    status: text('status', { enum: ['open', 'resolved', 'dismissed'] }).notNull(),
    resolutionNote: text('resolution_note'),
    createdAt: text('created_at').notNull(),
    resolvedAt: text('resolved_at'),
  },
  (t) => [
    // One open flag per household per target (NULLs never collide in a unique index, hence two).
    uniqueIndex('flags_open_title_once').on(t.householdId, t.titleId).where(sql`status = 'open' and target_kind = 'title'`),
    uniqueIndex('flags_open_review_once').on(t.householdId, t.reviewId).where(sql`status = 'open' and target_kind = 'review'`),
    index('flags_queue_idx').on(t.status, t.createdAt, t.id),
  ],
);

/** Small facts about the database itself, such as the key cursors are signed with. */
export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});


/**
 * Idempotency keys: the first answer to a POST sent with an Idempotency-Key, kept 24 hours so a
 * retry gets it again. `id` is a keyed hash of the caller's scope and the key (never the key);
 * `response` is sealed with a key derived from the Idempotency-Key (a sign-up's answer holds a
 * token), null while the first request is in flight. A household's keys go with it.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: text('id').primaryKey(),
    householdId: text('household_id').references(() => households.id, { onDelete: 'cascade' }),
    /** A hash of the method, URL and body the key was first used with. */
    fingerprint: text('fingerprint').notNull(),
    response: text('response'),
    /** While `response` is null: until when the first request holds the key (after a crash it is free again). */
    lockedUntil: text('locked_until').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('idempotency_keys_expiry_idx').on(t.expiresAt), index('idempotency_keys_household_idx').on(t.householdId)],
);

/**
 * Which titles changed, for every instance's in-memory title index (src/store/title-changes.ts).
 * One row: a write that changes titles or their community figures takes a number from it; the
 * row lock it holds until commit makes the numbers follow commit order.
 */
export const titleEpoch = pgTable('title_epoch', {
  id: integer('id').primaryKey(),
  /** The number the last committed change took. */
  epoch: bigint('epoch', { mode: 'number' }).notNull(),
  /** Changes up to this number are forgotten: an index that saw less than it is built again. */
  forgotten: bigint('forgotten', { mode: 'number' }).notNull(),
});

export const titleChanges = pgTable(
  'title_changes',
  {
    epoch: bigint('epoch', { mode: 'number' }).notNull(),
    titleId: text('title_id').notNull(),
  },
  (t) => [index('title_changes_epoch_idx').on(t.epoch)],
);

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * The in-memory title index as it stood at a change number, saved so a start-up loads it instead
 * of reading every title (src/store/title-index-snapshot.ts). A snapshot is a generation of parts
 * of at most a few MB each; it is used only by the same code (`fingerprint`), only while the
 * change log still holds every change after its `epoch`, and only when it holds as many titles
 * as the table. Instances sharing the database share it.
 */
export const titleIndexSnapshots = pgTable(
  'title_index_snapshots',
  {
    generation: text('generation').notNull(),
    part: integer('part').notNull(),
    /** How many parts the generation has: one missing and it is not used. */
    parts: integer('parts').notNull(),
    fingerprint: text('fingerprint').notNull(),
    epoch: bigint('epoch', { mode: 'number' }).notNull(),
    titles: integer('titles').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.generation, t.part] })],
);
