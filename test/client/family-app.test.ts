import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import t from 'tap';
import { freshDatabase } from '../backend.js';
import { kill, startServer } from '../faults/support.js';

const EXAMPLE = join(import.meta.dirname, '../../clients/typescript/examples/family-app.ts');

t.test('the typed client example runs against a real server, every step answered as a family app expects', async (t) => {
  // The backend of this run: a SQLite file under npm test, a PostgreSQL schema under npm run test:pg.
  const server = await startServer({ ...freshDatabase(t), GUIDEPOST_DEMO: '1', MAX_EVENT_LOOP_DELAY_MS: '0' });
  t.teardown(() => kill(server));

  const child = spawn(process.execPath, ['--import', 'tsx', EXAMPLE, server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const [code] = await once(child, 'exit');

  t.equal(code, 0, `the example failed:\n${out}${err}`);
  t.match(out, /^search "her": .*Her \(2013\)/m);
  t.match(out, /^Her at 12: blocked: Not OK at age 12/m);
  t.match(out, /^signed up household hh_\w+ \(token gp_hh_/m);
  t.match(out, /^added Maya, \d+: language max 1, violence max 2; 7 more limits from the preset; age rule expert, unrated block$/m);
  t.match(out, /^for Maya: imdb:tt1798709 Her: blocked$/m);
  t.match(out, /^for Maya: tmdb:movie:862 Toy Story: ok$/m);
  t.match(out, /^for Maya: imdb:tt0000001 \(no such title\): unknown$/m);
  t.match(out, /^Maya may watch [1-9]\d* titles \([1-9]\d* pages of at most 10\)$/m);
  t.match(out, /^on Maya’s tablet: Her is blocked$/m);
  t.match(out, /^on Maya’s tablet: Maya's limits are the parents' \(403\)$/m);
  t.match(out, /^on Maya’s tablet: asked to watch Her \(pending\)$/m);
  t.match(out, /^the parents see 1 request waiting: Her, "Everyone in my class has seen it"$/m);
  t.match(out, /^approved until \d{4}-\d\d-\d\dT/m);
  t.match(out, /^on Maya’s tablet: Her is ok: A parent allowed 'Her' until \S+\. Without it: /m);
  t.match(out, /^erased the household and everything about Maya$/m);
  t.equal(err, '');
});
