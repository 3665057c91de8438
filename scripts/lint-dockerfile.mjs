// Lints the Dockerfile: dockerfile-utils' validator for syntax and instruction errors, then the
// rules this project holds its image to (there is no Docker engine or hadolint on these machines).
import { readFileSync } from 'node:fs';
import { validate } from 'dockerfile-utils';

const file = process.argv[2] ?? 'Dockerfile';
const text = readFileSync(file, 'utf8');
const problems = validate(text).map((d) => `${file}:${d.range.start.line + 1}: ${d.message}`);

const lines = text.split('\n');
const instructions = lines.map((l, i) => ({ line: i + 1, text: l.trim() })).filter((l) => /^[A-Z]+\s/.test(l.text));
const stages = instructions.filter((i) => i.text.startsWith('FROM '));
const lastStage = stages.at(-1);
const final = instructions.filter((i) => i.line >= (lastStage?.line ?? 0));
const rule = (ok, message, line = 1) => ok || problems.push(`${file}:${line}: ${message}`);

for (const from of stages) {
  const image = from.text.split(/\s+/)[1] ?? '';
  rule(/:[\w.-]*\d[\w.-]*/.test(image) || stages.some((s) => s.text.endsWith(` AS ${image}`)), `pin the base image to a version: ${image}`, from.line);
  rule(!image.endsWith(':latest'), 'never build FROM :latest', from.line);
}
rule(stages.length >= 2, 'use a multi-stage build');
rule(final.some((i) => /^USER\s+(?!root\b|0\b)/.test(i.text)), 'the runtime stage must switch to a non-root USER');
rule(final.some((i) => i.text.startsWith('HEALTHCHECK ')), 'the runtime stage needs a HEALTHCHECK');
rule(final.some((i) => i.text.startsWith('VOLUME ')), 'the runtime stage keeps its data on a VOLUME');
rule(final.some((i) => i.text.startsWith('CMD [')), 'use the exec form of CMD');
rule(!/npm install(?!-)/.test(text), 'use npm ci, not npm install, so the lock file decides');
// Every npm ci deletes node_modules and compiles better-sqlite3 again: install once, then prune.
// A RUN with continuation lines is one instruction: read each whole.
const runs = text.replace(/\\\n/g, ' ').split('\n').filter((l) => l.startsWith('RUN '));
rule(runs.join('\n').split(/\bnpm ci\b/).length - 1 === 1, 'run npm ci once (then npm prune --omit=dev): each one compiles better-sqlite3 again');
for (const i of instructions) if (i.text.startsWith('ADD ')) problems.push(`${file}:${i.line}: use COPY instead of ADD`);
for (const run of runs.filter((l) => l.includes('apt-get install'))) {
  rule(run.includes('--no-install-recommends'), 'apt-get install needs --no-install-recommends');
  rule(run.includes('rm -rf /var/lib/apt/lists'), 'clean the apt lists in the RUN that installs');
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.error(`${file}: no problems`);
