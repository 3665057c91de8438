import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';

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
  t.ok(new ConfigError('x') instanceof Error);
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
