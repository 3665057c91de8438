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
