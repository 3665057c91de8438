import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';
import { openSqlite } from '../src/db/sqlite/client.js';
import { sqliteOnly } from './backend.js';

t.test('defaults', async (t) => {
  t.match(loadConfig({}), {
    PORT: 3000,
    HOST: '127.0.0.1',
    DATABASE_URL: './data/guidepost.db',
    LOG_LEVEL: 'info',
    GUIDEPOST_DEMO: false,
    SIGNUP: 'open',
    CORS_ORIGINS: [],
  });
});

t.test('values are parsed', async (t) => {
  const c = loadConfig({ PORT: '8080', GUIDEPOST_DEMO: '1', SIGNUP: 'closed', CORS_ORIGINS: 'https://a.example, https://b.example', LOG_LEVEL: '' });
  t.equal(c.PORT, 8080);
  t.equal(c.GUIDEPOST_DEMO, true);
  t.equal(c.SIGNUP, 'closed');
  t.same(c.CORS_ORIGINS, ['https://a.example', 'https://b.example']);
  t.equal(c.LOG_LEVEL, 'info', 'an empty variable counts as unset');
});

t.test('a bad variable stops start-up with a message that names it', async (t) => {
  for (const [name, value] of [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['GUIDEPOST_DEMO', 'yes'],
    ['SIGNUP', 'maybe'],
    ['CORS_ORIGINS', 'not a url'],
  ]) {
    t.throws(() => loadConfig({ [name!]: value }), { name: 'ConfigError', message: new RegExp(`${name}=`) }, `${name}=${value}`);
  }
  t.ok(new ConfigError([{ name: 'PORT', value: 'x', reason: 'y' }]) instanceof Error);
});

t.test('the page cache and the heap policy', async (t) => {
  t.match(loadConfig({}), { SQLITE_CACHE_MB: 16, OPTIMIZE_FOR_SIZE: true });
  t.match(loadConfig({ SQLITE_CACHE_MB: '64', OPTIMIZE_FOR_SIZE: '0' }), { SQLITE_CACHE_MB: 64, OPTIMIZE_FOR_SIZE: false });
  for (const [name, value] of [
    ['SQLITE_CACHE_MB', '0'],
    ['SQLITE_CACHE_MB', 'big'],
    ['OPTIMIZE_FOR_SIZE', 'yes'],
  ]) {
    t.throws(() => loadConfig({ [name!]: value }), { name: 'ConfigError', message: new RegExp(`${name}=`) }, `${name}=${value}`);
  }
});

t.test('SQLITE_CACHE_MB reaches SQLite as its page cache', sqliteOnly('the page cache is a SQLite pragma'), async (t) => {
  // A negative cache_size is KiB.
  const db = openSqlite(':memory:', { cacheMb: 8 });
  t.equal(db.$client.pragma('cache_size', { simple: true }), -8192);
  db.$client.close();
});

t.test('rate limits, the verdict quota and trusted proxies', async (t) => {
  t.match(loadConfig({}), { RATE_LIMIT_ANONYMOUS: 600, RATE_LIMIT_TOKEN: 6000, VERDICT_QUOTA: 20_000, TRUST_PROXY: false });
  t.match(loadConfig({ RATE_LIMIT_ANONYMOUS: '0', RATE_LIMIT_TOKEN: '0', VERDICT_QUOTA: '0' }), { RATE_LIMIT_ANONYMOUS: 0, RATE_LIMIT_TOKEN: 0, VERDICT_QUOTA: 0 }, '0 turns each off');
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.1,loopback, 2001:db8::/32' }).TRUST_PROXY, ['10.0.0.0/8', '192.0.2.1', 'loopback', '2001:db8::/32']);
  for (const [name, value] of [
    ['RATE_LIMIT_ANONYMOUS', '-1'],
    ['RATE_LIMIT_TOKEN', 'lots'],
    ['VERDICT_QUOTA', '1.5'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '1'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.1/8/8'],
    ['TRUST_PROXY', 'proxy.example'],
  ]) {
    t.throws(() => loadConfig({ [name!]: value }), { name: 'ConfigError', message: new RegExp(`${name}=`) }, `${name}=${value}`);
  }
});
