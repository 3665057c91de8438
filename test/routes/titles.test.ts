import t from 'tap';
import { advisory, bearer, build, call, createTitle, sixRatings, titleInput, tokenFor } from '../helper.js';

t.test('create, read by id and by every kind of external reference', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const res = await call(app, {
    method: 'POST',
    url: '/v1/titles',
    headers: bearer(editor),
    payload: titleInput({
      name: 'Her',
      releaseDates: { theaters: '2013-12-18', streaming: '2014-05-13' },
      runtimeMinutes: 119,
      genres: ['Romance'],
      topics: ['Friendship'],
      cast: ['Joaquin Phoenix'],
      directors: ['Spike Jonze'],
      studio: 'Warner Bros.',
      synopsis: 'A man and an operating system.',
      certifications: [{ system: 'MPA', rating: 'R', reason: 'language' }],
      externalIds: { imdb: 'tt1798709', tmdb: 'movie:152601', isbn: '0-316-76948-7' },
      advisory: advisory({ ageRecommendation: 16 }),
    }),
  });
  t.equal(res.statusCode, 201);
  const title = res.data;
  t.match(title.id, /^tl_[0-9a-z]{20}$/);
  t.equal(res.headers.location, `/v1/titles/${title.id}`);
  t.match(res.headers.etag, /^"1-[0-9a-f]{8}"$/, 'the version, and a digest of the community figures');
  t.equal(title.externalIds.isbn, '9780316769488', 'an ISBN-10 is stored as ISBN-13');
  t.match(title.certifications, [{ system: 'MPA', rating: 'R', reason: 'language', minimumAge: 17 }]);
  t.match(title.summary, { age: 16, ageSource: 'expert', stars: 4, levels: { language: 1 }, certifications: [{ system: 'MPA', rating: 'R' }] });
  t.equal(title.advisory.story, null);
  t.same(title.advisory.talkAbout, []);

  for (const ref of [title.id, 'imdb:tt1798709', 'tmdb:movie:152601', 'isbn:9780316769488', 'isbn:0316769487', 'IMDB:tt1798709']) {
    const got = await call(app, { method: 'GET', url: `/v1/titles/${ref}` });
    t.equal(got.statusCode, 200, ref);
    t.equal(got.data.id, title.id, ref);
  }
  const notModified = await call(app, { method: 'GET', url: `/v1/titles/${title.id}`, headers: { 'if-none-match': res.headers.etag as string } });
  t.equal(notModified.statusCode, 304);
  t.equal(notModified.body, '');

  for (const ref of ['imdb:tt0000001', 'tmdb:tv:1', 'tl_00000000000000000000']) {
    const missing = await call(app, { method: 'GET', url: `/v1/titles/${ref}` });
    t.equal(missing.statusCode, 404, ref);
    t.match(missing.headers['content-type'], /^application\/problem\+json/);
  }
  for (const ref of ['imdb:nm123', 'isbn:9780316769489', 'tmdb:person:1', 'her', 'tl_short']) {
    const bad = await call(app, { method: 'GET', url: `/v1/titles/${encodeURIComponent(ref)}` });
    t.equal(bad.statusCode, 400, ref);
    t.equal(bad.data.errors[0].path, 'path.title', ref);
  }
});

t.test('validation names each bad field', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const post = (payload: unknown) => call(app, { method: 'POST', url: '/v1/titles', headers: bearer(editor), payload: payload as object });

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['missing name', { kind: 'movie' }, 'name', /expected string/],
    ['unknown kind', titleInput({ kind: 'opera' }), 'kind', /movie/],
    ['unknown key', titleInput({ rating: 'PG' }), 'rating', /unknown field/],
    ['unknown nested key', titleInput({ externalIds: { imdb: 'tt1798709', netflix: '1' } }), 'externalIds.netflix', /unknown field/],
    ['bad imdb', titleInput({ externalIds: { imdb: '1798709' } }), 'externalIds.imdb', /tt1798709/],
    ['bad isbn', titleInput({ externalIds: { isbn: '9780316769489' } }), 'externalIds.isbn', /check digit/],
    ['tmdb with leading zeros', titleInput({ externalIds: { tmdb: 'movie:0152601' } }), 'externalIds.tmdb', /no leading zeros/],
    ['unknown certification', titleInput({ certifications: [{ system: 'MPA', rating: 'Open' }] }), 'certifications.0.rating', /"Open" is not one of the MPA ratings \(G, PG, PG-13, R, NC-17\)/],
    ['unknown system', titleInput({ certifications: [{ system: 'CSM', rating: '12' }] }), 'certifications.0.system', /MPA/],
    ['two MPA certifications', titleInput({ certifications: [{ system: 'MPA', rating: 'R' }, { system: 'MPA', rating: 'G' }] }), 'certifications.1.system', /one per system/],
    ['level 7', titleInput({ advisory: advisory({ ratings: { ...sixRatings(), violence: { level: 7, note: 'x' } } }) }), 'advisory.ratings.violence.level', /5/],
    ['negative level', titleInput({ advisory: advisory({ ratings: { ...sixRatings(), sex: { level: -1, note: 'x' } } }) }), 'advisory.ratings.sex.level', /0/],
    ['missing required category', titleInput({ advisory: advisory({ ratings: { ...sixRatings(), roleModels: undefined } }) }), 'advisory.ratings.roleModels', /required/],
    ['unknown category', titleInput({ advisory: advisory({ ratings: { ...sixRatings(), scariness: { level: 1, note: 'x' } } }) }), 'advisory.ratings.scariness', /unknown field/],
    ['age 19', titleInput({ advisory: advisory({ ageRecommendation: 19 }) }), 'advisory.ageRecommendation', /18/],
    ['bad date', titleInput({ releaseDates: { theaters: '2013-13-45' } }), 'releaseDates.theaters', /date/],
    ['blank name', titleInput({ name: '   ' }), 'name', /1/],
    ['year as string', titleInput({ year: '2013' }), 'year', /number/],
  ];
  for (const [label, payload, path, message] of cases) {
    const res = await post(payload);
    t.equal(res.statusCode, 400, label);
    t.match(res.headers['content-type'], /^application\/problem\+json/, label);
    t.equal(res.data.type, 'urn:guidepost:problem:validation', label);
    const error = res.data.errors.find((e: { path: string }) => e.path === path);
    t.ok(error, `${label}: an error names ${path} (got ${JSON.stringify(res.data.errors)})`);
    if (error) t.match(error.message, message, label);
  }
  t.equal(await app.store.titles.count(), 0, 'nothing was stored');
});

t.test('an external id belongs to one title only', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const first = await createTitle(app, editor, titleInput({ externalIds: { imdb: 'tt0000001' } }));
  const res = await call(app, { method: 'POST', url: '/v1/titles', headers: bearer(editor), payload: titleInput({ name: 'Other', externalIds: { imdb: 'tt0000001' } }) });
  t.equal(res.statusCode, 409);
  t.match(res.data.detail, first.id);
  const second = await createTitle(app, editor, titleInput({ name: 'Other' }));
  const patch = await call(app, { method: 'PATCH', url: `/v1/titles/${second.id}`, headers: bearer(editor), payload: { externalIds: { imdb: 'tt0000001' } } });
  t.equal(patch.statusCode, 409);
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${second.id}` })).data.externalIds.imdb, null, 'the failed patch changed nothing');
});

t.test('PATCH replaces the fields it names, honours If-Match, and recomputes the summary', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const created = await createTitle(app, editor, titleInput({ studio: 'A', genres: ['Drama'], certifications: [{ system: 'MPA', rating: 'PG' }] }));
  t.equal(created.summary.age, 8);

  const res = await call(app, {
    method: 'PATCH',
    url: `/v1/titles/${created.id}`,
    headers: { ...bearer(editor), 'if-match': '"1"' },
    payload: { studio: null, certifications: [{ system: 'MPA', rating: 'PG-13' }] },
  });
  t.equal(res.statusCode, 200);
  t.match(res.headers.etag, /^"2-/);
  t.equal(res.data.studio, null);
  t.same(res.data.genres, ['Drama'], 'untouched fields stay');
  t.equal(res.data.summary.age, 13, 'the derived age follows the new certification');
  t.equal(res.data.createdAt, created.createdAt);
  t.not(res.data.updatedAt, created.updatedAt);

  const stale = await call(app, { method: 'PATCH', url: `/v1/titles/${created.id}`, headers: { ...bearer(editor), 'if-match': '"1"' }, payload: { name: 'Lost update' } });
  t.equal(stale.statusCode, 412);
  t.match(stale.headers['content-type'], /^application\/problem\+json/);
  const weak = await call(app, { method: 'PATCH', url: `/v1/titles/${created.id}`, headers: { ...bearer(editor), 'if-match': 'W/"2"' }, payload: { name: 'Weak' } });
  t.equal(weak.statusCode, 412, 'a weak validator never matches If-Match');
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${created.id}` })).data.name, 'Test Title');

  const any = await call(app, { method: 'PATCH', url: `/v1/titles/${created.id}`, headers: { ...bearer(editor), 'if-match': '*' }, payload: { name: 'Star' } });
  t.equal(any.statusCode, 200);
  const same = await call(app, { method: 'PATCH', url: `/v1/titles/${created.id}`, headers: bearer(editor), payload: { name: 'Star', genres: ['Drama'] } });
  t.equal(same.statusCode, 200);
  t.equal(same.headers.etag, any.headers.etag, 'a patch that changes nothing keeps the ETag');
  t.equal(same.data.updatedAt, any.data.updatedAt);
  const empty = await call(app, { method: 'PATCH', url: `/v1/titles/${created.id}`, headers: bearer(editor), payload: {} });
  t.equal(empty.statusCode, 400);
  const missing = await call(app, { method: 'PATCH', url: '/v1/titles/imdb:tt9999999', headers: bearer(editor), payload: { name: 'x' } });
  t.equal(missing.statusCode, 404);
});

t.test('DELETE removes the title and its advisory', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const created = await createTitle(app, editor, titleInput({ advisory: advisory() }));
  const stale = await call(app, { method: 'DELETE', url: `/v1/titles/${created.id}`, headers: { ...bearer(editor), 'if-match': '"7"' } });
  t.equal(stale.statusCode, 412);
  const res = await call(app, { method: 'DELETE', url: `/v1/titles/${created.id}`, headers: { ...bearer(editor), 'if-match': '"1"' } });
  t.equal(res.statusCode, 204);
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${created.id}` })).statusCode, 404);
  t.equal((await call(app, { method: 'DELETE', url: `/v1/titles/${created.id}`, headers: bearer(editor) })).statusCode, 404);
});

t.test('search copes with case, accents and word order', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  for (const name of ['The Dark Knight', 'The Dark Knight Rises', 'Amélie', 'Knight and Day', 'Darkness Falls', 'Pokémon: The First Movie', "Charlotte's Web", 'Spider-Man: Into the Spider-Verse']) {
    await createTitle(app, editor, titleInput({ name }));
  }
  const names = async (q: string) =>
    (await call(app, { method: 'GET', url: `/v1/titles?q=${encodeURIComponent(q)}` })).data.items.map((i: { name: string }) => i.name);
  t.same(await names('dark knight the'), ['The Dark Knight', 'The Dark Knight Rises']);
  t.same(await names('DARK KNIGHT'), ['The Dark Knight', 'The Dark Knight Rises']);
  t.same(await names('amelie'), ['Amélie']);
  t.same(await names('AMÉLIE'), ['Amélie']);
  t.same(await names('pokemon'), ['Pokémon: The First Movie']);
  t.same(await names('dark'), ['Darkness Falls', 'The Dark Knight', 'The Dark Knight Rises'], 'words match as prefixes');
  t.same(await names('knight rises dark'), ['The Dark Knight Rises']);
  t.same(await names('zzz'), []);
  t.same(await names('charlottes web'), ["Charlotte's Web"], 'an apostrophe may be left out');
  t.same(await names("charlotte's"), ["Charlotte's Web"]);
  t.same(await names('spiderman'), ['Spider-Man: Into the Spider-Verse'], 'a hyphenated word may be written together');
  t.same(await names('spider man verse'), ['Spider-Man: Into the Spider-Verse']);
  const punct = await call(app, { method: 'GET', url: `/v1/titles?q=${encodeURIComponent('%_!')}` });
  t.equal(punct.statusCode, 400, 'a query with nothing to search for is refused');
  t.equal(punct.data.errors[0].path, 'query.q');
  const nameless = await call(app, { method: 'POST', url: '/v1/titles', headers: bearer(editor), payload: titleInput({ name: '!!!' }) });
  t.equal(nameless.statusCode, 400, 'a name with nothing to find it by is refused');
});

t.test('filters: kind, genre, forAge, category levels, updatedSince', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const mk = (name: string, extra: Record<string, unknown>) => createTitle(app, editor, titleInput({ name, ...extra }));
  await mk('Calm Book', { kind: 'book', genres: ['Picture Book'], advisory: advisory({ ageRecommendation: 3, ratings: { ...sixRatings(0), messages: { level: 4, note: 'Kind.' } } }) });
  await mk('Loud Game', { kind: 'game', genres: ['Action'], advisory: advisory({ ageRecommendation: 13, ratings: { ...sixRatings(3), consumerism: { level: 4, note: 'Skins.' } } }) });
  await mk('Rated Film', { genres: ['action', 'Épopée'], certifications: [{ system: 'MPA', rating: 'PG' }] });
  await mk('Unrated Podcast', { kind: 'podcast' });
  const names = async (query: string) => {
    const res = await call(app, { method: 'GET', url: `/v1/titles?${query}` });
    t.equal(res.statusCode, 200, query);
    return res.data.items.map((i: { name: string }) => i.name);
  };
  t.same(await names('kind=book'), ['Calm Book']);
  t.same(await names('kind=book,game'), ['Calm Book', 'Loud Game']);
  t.same(await names('genre=ACTION'), ['Loud Game', 'Rated Film'], 'genre is case-insensitive');
  t.same(await names('genre=epopee'), ['Rated Film'], 'and accent-insensitive');
  t.same(await names('genre=act'), [], 'a genre matches whole');
  t.same(await names('forAge=8'), ['Calm Book', 'Rated Film'], 'forAge uses the advisory, else the certification; unrated is left out');
  t.same(await names('forAge=2'), []);
  t.same(await names('forAge=13'), ['Calm Book', 'Loud Game', 'Rated Film']);
  t.same(await names('maxLanguage=1'), ['Calm Book'], 'titles without an advisory are left out of category filters');
  t.same(await names('maxViolence=3&minMessages=3'), ['Calm Book', 'Loud Game']);
  t.same(await names('maxViolence=2&minMessages=3'), ['Calm Book']);
  t.same(await names('maxConsumerism=5'), ['Loud Game'], 'only advisories that rate consumerism');
  t.same(await names('minEducational=0'), [], 'nobody rated educational value');
  t.same(await names('minRoleModels=3&maxSex=3&maxDrinking=3'), ['Loud Game']);
  t.same(await names(`updatedSince=${encodeURIComponent('2000-01-01T00:00:00Z')}`), ['Calm Book', 'Loud Game', 'Rated Film', 'Unrated Podcast']);
  t.same(await names(`updatedSince=${encodeURIComponent('2999-01-01T00:00:00Z')}`), []);

  t.same(await names(`updatedSince=${encodeURIComponent('2000-01-01T01:00:00+01:00')}`), ['Calm Book', 'Loud Game', 'Rated Film', 'Unrated Podcast'], 'any offset');
  for (const bad of ['kind=opera', 'forAge=1', 'forAge=19', 'forAge=abc', 'forAge=', 'maxLanguage=', 'maxLanguage=0x1', 'limit=1e1', 'maxLanguage=6', 'minMessages=-1', 'sort=rating', 'limit=0', 'limit=101', 'updatedSince=yesterday', 'maxViolance=2', 'genre=%21']) {
    const res = await call(app, { method: 'GET', url: `/v1/titles?${bad}` });
    t.equal(res.statusCode, 400, bad);
    t.match(res.data.errors[0].path, /^query\./, bad);
  }
});

t.test('sorts: name, newest, stars, age', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  await createTitle(app, editor, titleInput({ name: 'Bravo', year: 2001, advisory: advisory({ stars: 3, ageRecommendation: 12 }) }));
  await createTitle(app, editor, titleInput({ name: 'alpha', year: 2010, releaseDates: { theaters: '2010-06-01' }, advisory: advisory({ stars: 5, ageRecommendation: 6 }) }));
  await createTitle(app, editor, titleInput({ name: 'Éclair', year: 1999, certifications: [{ system: 'MPA', rating: 'PG-13' }] }));
  await createTitle(app, editor, titleInput({ name: 'Delta', year: null }));
  const names = async (sort: string) => (await call(app, { method: 'GET', url: `/v1/titles?sort=${sort}` })).data.items.map((i: { name: string }) => i.name);
  t.same(await names('name'), ['alpha', 'Bravo', 'Delta', 'Éclair']);
  t.same(await names('newest'), ['alpha', 'Bravo', 'Éclair', 'Delta']);
  t.same(await names('stars'), ['alpha', 'Bravo', 'Delta', 'Éclair'], 'best first; ties newest-created first');
  t.same(await names('age'), ['alpha', 'Bravo', 'Éclair', 'Delta'], 'youngest first, unrated last');
});

t.test('cursor pagination stays correct while rows come and go', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) ids.push((await createTitle(app, editor, titleInput({ name: `Title ${String(i).padStart(2, '0')}` }))).id);

  for (const sort of ['name', 'newest', 'stars', 'age']) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(app, { method: 'GET', url: `/v1/titles?sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}` });
      t.equal(res.statusCode, 200);
      seen.push(...res.data.items.map((i: { id: string }) => i.id));
      cursor = res.data.nextCursor;
      pages++;
    } while (cursor);
    t.equal(pages, 7, `${sort}: 25 titles in pages of 4`);
    t.same([...seen].sort(), [...ids].sort(), `${sort}: every title once`);
  }

  // Walk by name; between pages delete a title already seen, one not yet seen, and insert before and after.
  const seen: string[] = [];
  const first = await call(app, { method: 'GET', url: '/v1/titles?limit=5' });
  seen.push(...first.data.items.map((i: { name: string }) => i.name));
  await call(app, { method: 'DELETE', url: `/v1/titles/${ids[1]}`, headers: bearer(editor) });
  await call(app, { method: 'DELETE', url: `/v1/titles/${ids[10]}`, headers: bearer(editor) });
  await createTitle(app, editor, titleInput({ name: 'A title before everything' }));
  await createTitle(app, editor, titleInput({ name: 'Title 07b' }));
  let cursor = first.data.nextCursor;
  while (cursor) {
    const res = await call(app, { method: 'GET', url: `/v1/titles?limit=5&cursor=${cursor}` });
    seen.push(...res.data.items.map((i: { name: string }) => i.name));
    cursor = res.data.nextCursor;
  }
  t.equal(new Set(seen).size, seen.length, 'nothing twice');
  t.notOk(seen.includes('Title 10'), 'a title deleted ahead of the walk is not served');
  t.ok(seen.includes('Title 07b'), 'a title inserted ahead of the walk is served');
  t.notOk(seen.includes('A title before everything'), 'a title inserted behind the walk is not');
  t.equal(seen.filter((n) => /^Title \d\d$/.test(n)).length, 24, 'every other original title exactly once');
});

t.test('a tampered or foreign cursor is a 400', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  for (let i = 0; i < 3; i++) await createTitle(app, editor, titleInput({ name: `T${i}`, kind: 'book' }));
  const page = await call(app, { method: 'GET', url: '/v1/titles?limit=1&kind=book' });
  const cursor: string = page.data.nextCursor;
  t.ok(cursor);
  const ok = await call(app, { method: 'GET', url: `/v1/titles?limit=2&kind=book&cursor=${cursor}` });
  t.equal(ok.statusCode, 200, 'the page size may change between pages');

  const [payload, sig] = cursor.split('.');
  const forged = Buffer.from(JSON.stringify({ k: ['a', 'tl_x'], s: 'x' })).toString('base64url');
  for (const bad of [`${payload}.AAAA${sig!.slice(4)}`, `${forged}.${sig}`, 'garbage', `${payload}`]) {
    const res = await call(app, { method: 'GET', url: `/v1/titles?limit=1&kind=book&cursor=${encodeURIComponent(bad)}` });
    t.equal(res.statusCode, 400, bad);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
  }
  const foreign = await call(app, { method: 'GET', url: `/v1/titles?limit=1&kind=movie&cursor=${cursor}` });
  t.equal(foreign.statusCode, 400);
  t.match(foreign.data.detail, /different query/);
  const resorted = await call(app, { method: 'GET', url: `/v1/titles?limit=1&kind=book&sort=age&cursor=${cursor}` });
  t.equal(resorted.statusCode, 400);

  const other = await build(t);
  const elsewhere = await call(other, { method: 'GET', url: `/v1/titles?limit=1&kind=book&cursor=${cursor}` });
  t.equal(elsewhere.statusCode, 400, 'a cursor from another database is refused');
});
