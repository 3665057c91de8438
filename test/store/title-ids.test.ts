/** The index's packed ids answer as a Map of strings would, through growth, reuse and rehashing. */
import fc from 'fast-check';
import t from 'tap';
import { TitleIds } from '../../src/store/title-ids.js';

const id = fc.stringMatching(/^[0-9a-z]{20}$/).map((s) => `tl_${s}`);

t.test('adds, removals and lookups agree with a Map', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 400 }), fc.uniqueArray(id, { minLength: 41, maxLength: 41 }), (ops, pool) => {
      const ids = new TitleIds();
      const model = new Map<string, number>();
      let capacity = 0;
      for (const [add, n] of ops) {
        const key = pool[n]!;
        if (add && !model.has(key)) model.set(key, ids.add(key, (c) => (capacity = c)));
        if (!add) t.equal(ids.remove(key), model.get(key) ?? -1);
        if (!add) model.delete(key);
      }
      t.equal(ids.size, model.size);
      for (const key of pool) t.equal(ids.slotOf(key), model.get(key) ?? -1);
      for (const [key, slot] of model) {
        t.equal(ids.idOf(slot), key);
        t.ok(ids.has(slot) && slot < capacity);
      }
      const slots = [...model.values()].sort((a, b) => ids.compare(a, b));
      t.same(slots.map((s) => ids.idOf(s)), [...model.keys()].sort());
    }),
    { numRuns: 100 },
  );
});

t.test('thousands of ids through rehashing, with removed ones not found', async (t) => {
  const ids = new TitleIds();
  const all = Array.from({ length: 5000 }, (_, i) => `tl_${i.toString(36).padStart(20, '0')}`);
  for (const key of all) ids.add(key, () => {});
  for (const key of all.filter((_, i) => i % 3 === 0)) ids.remove(key);
  t.ok(all.every((key, i) => (ids.slotOf(key) === -1) === (i % 3 === 0)));
  t.equal(ids.size, 5000 - Math.ceil(5000 / 3));
  t.equal(ids.slotOf('tl_short'), -1, 'a malformed id is simply not there');
  t.throws(() => ids.add('tl_TOO-SHORT', () => {}), /not a title id/);
});

t.test('name keys: set, changed, cleared and compacted, they read and order as the strings do', async (t) => {
  const { NameKeys } = await import('../../src/store/name-keys.js');
  const { compareCodePoints } = await import('../../src/store/title-index.js');
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.option(fc.string({ unit: 'binary-ascii', maxLength: 12 }).chain((a) => fc.constantFrom(a, `${a}é`, `${a}😀`, `${a}\uffee`)))), { maxLength: 300 }), (ops) => {
      const keys = new NameKeys();
      keys.grow(16);
      const model = new Map<number, string>();
      for (const [slot, key] of ops) {
        if (key === null) {
          keys.clear(slot);
          model.delete(slot);
        } else {
          keys.set(slot, key);
          model.set(slot, key);
        }
      }
      for (const [slot, key] of model) t.equal(keys.get(slot), key);
      const slots = [...model.keys()];
      for (const a of slots) for (const b of slots) t.equal(Math.sign(keys.compare(a, b)), Math.sign(compareCodePoints(model.get(a)!, model.get(b)!)));
    }),
    { numRuns: 200 },
  );
});

t.test('name keys: rewriting names over and over compacts the buffer and keeps every name', async (t) => {
  const { NameKeys } = await import('../../src/store/name-keys.js');
  const keys = new NameKeys();
  keys.grow(10);
  for (let round = 0; round < 200; round++) for (let slot = 0; slot < 10; slot++) keys.set(slot, `title ${slot} — round ${round} ${'x'.repeat(slot * 7)}`);
  keys.clear(3);
  for (let round = 0; round < 50; round++) keys.set(4, `é ${round}`);
  t.same(
    Array.from({ length: 10 }, (_, slot) => keys.get(slot)),
    Array.from({ length: 10 }, (_, slot) => (slot === 3 ? '' : slot === 4 ? 'é 49' : `title ${slot} — round 199 ${'x'.repeat(slot * 7)}`)),
  );
  t.ok((keys as unknown as { bytes: Buffer }).bytes.length < 4096, 'the buffer holds the live names, not every name ever set');
});
