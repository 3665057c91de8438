/** The variables of durability, load shedding and timeouts: defaults, parsing, and refusals that name them. */
import { getHeapStatistics } from 'node:v8';
import t from 'tap';
import { loadConfig, timeoutCheckInterval } from '../../src/config.js';
import { testConfig } from '../backend.js';

t.test('defaults', async (t) => {
  const c = loadConfig({});
  t.equal(c.SQLITE_SYNCHRONOUS, 'full', 'acknowledged writes survive a power loss unless told otherwise');
  t.equal(c.REQUEST_TIMEOUT_MS, 10_000);
  t.equal(c.HANDLER_TIMEOUT_MS, 15_000);
  t.equal(timeoutCheckInterval(c.REQUEST_TIMEOUT_MS), 1_000, 'slow clients are looked for every second, not every 30 s');
  t.equal(timeoutCheckInterval(1_000), 250, 'or more often, for a short request timeout');
  t.equal(c.MAX_EVENT_LOOP_DELAY_MS, 1_000);
  t.equal(c.MAX_HEAP_USED_MB, Math.floor((getHeapStatistics().heap_size_limit * 0.9) / 2 ** 20), '90% of the heap V8 allows');
  t.equal(c.MAX_RSS_MB, 0, 'no resident-memory limit unless one is set');
  t.match(c, { RATE_LIMIT_SIGNUP: 20, CHILDREN_PER_HOUSEHOLD: 20, TOKENS_PER_HOUSEHOLD: 20 }, 'what one address and one household may do');
  t.match(testConfig(), { MAX_EVENT_LOOP_DELAY_MS: 0, MAX_HEAP_USED_MB: 0, MAX_RSS_MB: 0 }, 'tests shed no load unless they ask to');
});

t.test('values are parsed', async (t) => {
  const c = loadConfig({ SQLITE_SYNCHRONOUS: 'NORMAL', REQUEST_TIMEOUT_MS: '1000', HANDLER_TIMEOUT_MS: '2500', MAX_EVENT_LOOP_DELAY_MS: '0', MAX_HEAP_USED_MB: '512', MAX_RSS_MB: '1024' });
  t.equal(c.SQLITE_SYNCHRONOUS, 'normal', 'case does not matter');
  t.equal(c.REQUEST_TIMEOUT_MS, 1000);
  t.equal(c.HANDLER_TIMEOUT_MS, 2500);
  t.equal(c.MAX_EVENT_LOOP_DELAY_MS, 0, '0 turns a threshold off');
  t.equal(c.MAX_HEAP_USED_MB, 512);
  t.equal(c.MAX_RSS_MB, 1024);
});

t.test('a bad value stops start-up with a message that names the variable', async (t) => {
  for (const [name, value] of [
    ['SQLITE_SYNCHRONOUS', 'off'],
    ['SQLITE_SYNCHRONOUS', 'extra'],
    ['HANDLER_TIMEOUT_MS', '0'],
    ['HANDLER_TIMEOUT_MS', '50'],
    ['HANDLER_TIMEOUT_MS', 'soon'],
    ['MAX_EVENT_LOOP_DELAY_MS', '-1'],
    ['MAX_HEAP_USED_MB', '1.5'],
    ['MAX_RSS_MB', 'lots'],
    ['RATE_LIMIT_SIGNUP', '-1'],
    ['CHILDREN_PER_HOUSEHOLD', '0'],
    ['TOKENS_PER_HOUSEHOLD', '1'],
  ]) {
    t.throws(() => loadConfig({ [name!]: value }), { name: 'ConfigError', message: new RegExp(`${name}=`) }, `${name}=${value}`);
  }
});

t.test('a handler timeout that would answer a slow upload before the request timeout does is refused', async (t) => {
  for (const env of [
    { HANDLER_TIMEOUT_MS: '10000' },
    { HANDLER_TIMEOUT_MS: '11000' },
    { REQUEST_TIMEOUT_MS: '20000', HANDLER_TIMEOUT_MS: '15000' },
    { REQUEST_TIMEOUT_MS: '1000', HANDLER_TIMEOUT_MS: '1250' },
  ]) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message: /HANDLER_TIMEOUT_MS=.*must be more than \d+: REQUEST_TIMEOUT_MS \(\d+\).*408, not 503/ }, JSON.stringify(env));
  }
  t.equal(loadConfig({ HANDLER_TIMEOUT_MS: '11001' }).HANDLER_TIMEOUT_MS, 11_001, 'past the request timeout and its checking interval');
  t.equal(loadConfig({ REQUEST_TIMEOUT_MS: '1000', HANDLER_TIMEOUT_MS: '1251' }).HANDLER_TIMEOUT_MS, 1251);
  t.equal(loadConfig({ REQUEST_TIMEOUT_MS: '600000', HANDLER_TIMEOUT_MS: '660000' }).HANDLER_TIMEOUT_MS, 660_000, 'the longest request timeout still has a handler timeout above it');
});
