import t from 'tap';
import { build, call } from '../helper.js';

t.test('GET /v1/categories lists the nine categories with their levels', async (t) => {
  const app = await build(t);
  const res = await call(app, { method: 'GET', url: '/v1/categories' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['cache-control'], /max-age/);
  t.same(
    res.data.items.map((c: { key: string }) => c.key),
    ['language', 'sex', 'drinking', 'violence', 'messages', 'roleModels', 'consumerism', 'educational', 'diversity'],
  );
  t.match(res.data.items[1], { key: 'sex', label: 'Sex, Romance & Nudity', polarity: 'concern', required: true });
  t.match(res.data.items[4], { key: 'messages', polarity: 'positive', required: true });
  t.match(res.data.items[6], { key: 'consumerism', polarity: 'concern', required: false });
  for (const c of res.data.items) t.same(c.levels.map((l: { level: number }) => l.level), [0, 1, 2, 3, 4, 5], c.key);
});

t.test('GET /v1/rating-systems carries a version and each rating in order', async (t) => {
  const app = await build(t);
  const res = await call(app, { method: 'GET', url: '/v1/rating-systems' });
  t.equal(res.statusCode, 200);
  t.match(res.data.version, /^\d{4}-\d{2}-\d{2}$/);
  t.equal(res.headers.etag, `"${res.data.version}"`);
  t.same(res.data.items.map((s: { system: string }) => s.system), ['MPA', 'US-TV', 'ESRB', 'PEGI', 'BBFC', 'FSK', 'USK', 'ACB', 'CERO', 'Kijkwijzer', 'CNC', 'ClassInd', 'IARC']);
  const mpa = res.data.items[0];
  t.same(mpa.ratings.map((r: { rating: string }) => r.rating), ['G', 'PG', 'PG-13', 'R', 'NC-17']);
  t.match(mpa.ratings[3], { rating: 'R', order: 3, minimumAge: 17, kind: 'restrictive', accompaniedAge: 2 });
  t.equal(mpa.ratings[4].accompaniedAge, null, 'NC-17 admits no one younger, with an adult or not');
  t.same(mpa.countries, ['US']);
  const fsk = res.data.items.find((s: { system: string }) => s.system === 'FSK');
  t.match(fsk, { region: 'Germany', countries: ['DE'] });
  t.match(fsk.ratings[2], { rating: '12', minimumAge: 12, kind: 'restrictive', accompaniedAge: 6 });
  const pegi = res.data.items.find((s: { system: string }) => s.system === 'PEGI');
  t.match(pegi.descriptors[3], { key: 'gambling', label: 'Gambling' });
  t.same(res.data.items.find((s: { system: string }) => s.system === 'IARC').countries, [], 'IARC rates for storefronts worldwide');
});
