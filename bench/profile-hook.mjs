/**
 * Loaded into the service by `npm run bench -- --profile` (`node --import ./bench/profile-hook.mjs
 * dist/server.js`): CPU profiles of the service one scenario at a time, through the inspector's
 * Profiler in its own process, so each profile holds one scenario and none holds the start-up.
 * Plain JavaScript: the service runs as built, without tsx.
 *
 * Commands come on stdin, a line each: `start` begins a profile; `stop FILE` ends it and writes
 * it to FILE (a .cpuprofile, as `node --cpu-prof` writes), whole or not at all.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';

/** Microseconds between samples: node --cpu-prof's default is 1000; a 3 s scenario then has too few. */
const INTERVAL_US = 250;

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: INTERVAL_US });

// Commands are handled one after another: a stop waits for its start.
let last = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, ...rest] = line.split(' ');
  const file = rest.join(' ');
  last = last.then(async () => {
    if (command === 'start') await session.post('Profiler.start');
    else if (command === 'stop') {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(`${file}.partial`, JSON.stringify(profile));
      renameSync(`${file}.partial`, file);
    } else throw new Error(`unknown command ${JSON.stringify(line)}`);
  }).catch((err) => process.stderr.write(`profile-hook: ${err.message}\n`));
});
