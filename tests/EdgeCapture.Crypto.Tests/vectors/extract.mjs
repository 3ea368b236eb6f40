// Writes every C2SP CCTV age vector exported by the npm package cctv-age to testdata/<name>,
// byte for byte, so the .NET tests can read them without node. Run by the test set-up after `npm ci`.
import * as vectors from 'cctv-age';
import { mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, 'testdata');
const staging = join(here, 'testdata.partial');
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
let count = 0;
for (const [name, value] of Object.entries(vectors)) {
  if (!(value instanceof Uint8Array)) {
    continue;
  }
  writeFileSync(join(staging, name), value);
  count++;
}
// The marker is written last and the directory swapped in whole, so a half-written set is never used.
writeFileSync(join(staging, 'COUNT'), `${count}\n`);
rmSync(target, { recursive: true, force: true });
renameSync(staging, target);
console.log(`extracted ${count} age vectors to ${target}`);
