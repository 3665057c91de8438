import { Conflict, NotFound } from '../domain/errors.js';
import { CHILD_FIELDS, insertInto, OVERRIDE_FIELDS, readRow, selectList } from './columns.js';
import { fromJson, type Dialect, type Executor } from './dialect.js';
import { newId } from './ids.js';
import { lockHousehold } from './households.js';
import type { ChildRecord, ChildStore, ExpectedVersions, OverrideRecord, OverrideStore } from './types.js';
import { checkVersion } from './versions.js';

// The household's country comes with every child read: the verdicts' policy needs it.
const CHILD = `${selectList(CHILD_FIELDS, 'c')}, (select h.country from households h where h.id = c.household_id) as "country"`;
const CHILD_INSERT = insertInto('children', CHILD_FIELDS);
const CHILD_UPDATE = 'update children set nickname = $1, birth = $2, limits = $3, age_rule = $4, unrated = $5, with_adult = $6, mode = $7, certification_ceilings = $8, block_descriptors = $9, version = $10, updated_at = $11 where id = $12';

/** A child's JSON columns, which toChild decodes (and readRow, given these). */
const CHILD_JSON = new Set<keyof ChildRecord>(['limits', 'certificationCeilings', 'blockDescriptors']);
const toChild = (row: ChildRecord): ChildRecord => ({ ...row, limits: fromJson(row.limits), certificationCeilings: fromJson(row.certificationCeilings), blockDescriptors: fromJson(row.blockDescriptors) });
const childValues = (row: Omit<ChildRecord, 'country'>) => ({
  ...row,
  limits: JSON.stringify(row.limits),
  certificationCeilings: JSON.stringify(row.certificationCeilings),
  blockDescriptors: JSON.stringify(row.blockDescriptors),
});

export function createChildStore(d: Dialect): ChildStore {
  // Every request about a child asks this first.
  const OWN = d.prepared(`select ${CHILD} from children c where household_id = $1 and id = $2`);
  // A per-child verdict's second read, after the title's: its columns as arrays, the child's then
  // the override's (whose names repeat the child's), so one statement serves for two.
  const OWN_WITH_OVERRIDE = d.prepared(`select ${CHILD}, ${selectList(OVERRIDE_FIELDS, 'o')}, t.name
    from children c left join overrides o on o.child_id = c.id and o.title_id = $3 left join titles t on t.id = o.title_id
    where c.household_id = $1 and c.id = $2`);
  const COUNTRY_AT = CHILD_FIELDS.length;
  const OVERRIDE_AT = COUNTRY_AT + 1;
  const NO_JSON = new Set<string>();

  /** Inside a writing transaction: the child, its row locked until the commit, so a version checked stays checked. */
  async function findOwn(tx: Executor, householdId: string, childId: string, expected: ExpectedVersions): Promise<ChildRecord> {
    const row = await tx.get<ChildRecord>(`${OWN}${d.lock('update')}`, [householdId, childId]);
    if (!row) throw new NotFound(`No child has the id ${childId}.`);
    checkVersion("child's profile", row.version, expected);
    return toChild(row);
  }

  return {
    async create(householdId, fields, limit) {
      const now = new Date().toISOString();
      const row: ChildRecord = { id: newId('ch'), householdId, ...fields, country: null, version: 1, createdAt: now, updatedAt: now };
      await d.transaction(async (tx) => {
        // Counted under the household's lock: two requests at once cannot both take the last place.
        row.country = (await lockHousehold(d, tx, householdId))?.country ?? null;
        const { n } = (await tx.get<{ n: number }>('select cast(count(*) as int) as n from children where household_id = $1', [householdId]))!;
        if (n >= limit) throw new Conflict('limit', `The household already has ${n} children, the most it may have; remove a child profile to add another.`);
        await tx.run(CHILD_INSERT.text, CHILD_INSERT.values(childValues(row)));
      });
      return row;
    },
    async get(householdId, childId) {
      const row = await d.get<ChildRecord>(OWN, [householdId, childId]);
      return row ? toChild(row) : null;
    },
    async withOverride(householdId, childId, titleId) {
      const [raw] = await d.rows(OWN_WITH_OVERRIDE, [householdId, childId, titleId]);
      if (!raw) return null;
      const child = { ...readRow<Omit<ChildRecord, 'country'>>(raw, 0, CHILD_FIELDS, CHILD_JSON), country: raw[COUNTRY_AT] as string | null };
      if (raw[OVERRIDE_AT] === null) return { child, override: null };
      return { child, override: { ...readRow<Omit<OverrideRecord, 'titleName'>>(raw, OVERRIDE_AT, OVERRIDE_FIELDS, NO_JSON), titleName: raw.at(-1) as string } };
    },
    async list(householdId, { limit, after }) {
      const rows = await d.all<ChildRecord>(`select ${CHILD} from children c where household_id = $1 and id > $2 order by id limit $3`, [householdId, after ?? '', limit + 1]);
      return { items: rows.slice(0, limit).map(toChild), more: rows.length > limit };
    },
    update(householdId, childId, patch, expected) {
      return d.transaction(async (tx) => {
        const row = await findOwn(tx, householdId, childId, expected);
        const merged = { ...row, ...patch };
        // A change that changes nothing keeps the version, so If-Match elsewhere still holds.
        if (JSON.stringify(merged) === JSON.stringify(row)) return row;
        const next = { ...merged, version: row.version + 1, updatedAt: new Date().toISOString() };
        const v = childValues(next);
        await tx.run(CHILD_UPDATE, [v.nickname, v.birth, v.limits, v.ageRule, v.unrated, v.withAdult, v.mode, v.certificationCeilings, v.blockDescriptors, v.version, v.updatedAt, childId]);
        return next;
      });
    },
    async remove(householdId, childId, expected) {
      await d.transaction(async (tx) => {
        await findOwn(tx, householdId, childId, expected);
        await tx.run('delete from children where id = $1', [childId]);
      });
    },
  };
}

/**
 * Inside a transaction: sets the child's override for a title (a request's approval makes one
 * too). Answers whether it is new.
 */
export async function putOverride(d: Dialect, tx: Executor, childId: string, titleId: string, o: Pick<OverrideRecord, 'decision' | 'note' | 'expiresAt'>, expected: ExpectedVersions, now: string): Promise<boolean> {
  // The child's row, locked, stands for all its overrides: a first put of a title waits for
  // another one in flight and then finds its row, as it would behind SQLite's one writer.
  await tx.get(`select id from children where id = $1${d.lock('no key update')}`, [childId]);
  // Locked as well, for a removal in flight (it locks only the override).
  const existing = await tx.get<{ createdAt: string; version: number }>(
    `select created_at as "createdAt", version from overrides where child_id = $1 and title_id = $2${d.lock('update')}`,
    [childId, titleId],
  );
  checkVersion('override', existing?.version, expected);
  const version = (existing?.version ?? 0) + 1;
  await tx.run(
    `insert into overrides (child_id, title_id, decision, note, expires_at, version, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (child_id, title_id) do update set decision = $3, note = $4, expires_at = $5, version = $6, updated_at = $8`,
    [childId, titleId, o.decision, o.note, o.expiresAt, version, existing?.createdAt ?? now, now],
  );
  return !existing;
}

export function createOverrideStore(d: Dialect): OverrideStore {
  const SELECT = `select ${selectList(OVERRIDE_FIELDS, 'o')}, t.name as "titleName" from overrides o join titles t on t.id = o.title_id`;
  const ONE = `${SELECT} where o.child_id = $1 and o.title_id = $2`;
  // Made once: a batch's and a catalogue page's statements, looked up by their text on every run.
  const FOR_TITLES = `${SELECT} where o.child_id = $1 and ${d.inList('o.title_id', '$2')} order by o.title_id`;
  const FOR_CHILD = `${SELECT} where o.child_id = $1 order by o.title_id`;
  return {
    put(childId, titleId, o, expected) {
      return d.transaction(async (tx) => {
        const created = await putOverride(d, tx, childId, titleId, o, expected, new Date().toISOString());
        return { override: (await tx.get<OverrideRecord>(ONE, [childId, titleId]))!, created };
      });
    },
    async forTitles(childId, titleIds) {
      if (titleIds && titleIds.length === 0) return new Map();
      const rows = titleIds ? await d.all<OverrideRecord>(FOR_TITLES, [childId, d.list(titleIds)]) : await d.all<OverrideRecord>(FOR_CHILD, [childId]);
      return new Map(rows.map((r) => [r.titleId, r]));
    },
    async list(childId, { limit, after }) {
      const rows = await d.all<OverrideRecord>(`${SELECT} where o.child_id = $1 and o.title_id > $2 order by o.title_id limit $3`, [childId, after ?? '', limit + 1]);
      return { items: rows.slice(0, limit), more: rows.length > limit };
    },
    async remove(childId, titleId, expected) {
      await d.transaction(async (tx) => {
        const existing = await tx.get<{ version: number }>(`select version from overrides where child_id = $1 and title_id = $2${d.lock('update')}`, [childId, titleId]);
        if (!existing) throw new NotFound('There is no override for this title.');
        checkVersion('override', existing.version, expected);
        await tx.run('delete from overrides where child_id = $1 and title_id = $2', [childId, titleId]);
      });
    },
  };
}
