// Writes every TypeScript code sample of openapi.json (x-codeSamples) to
// samples/generated/<operationId>.mts, exactly as a reader would copy it,
// for tsc --strict to type-check (tsconfig.samples.json). The samples also
// run against `chatwork fake` in internal/codesamples' tests; this proves
// they are TypeScript, not only JavaScript that node accepts.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const spec = JSON.parse(readFileSync(join(here, '../../../openapi.json'), 'utf8'));
const out = join(here, 'generated');
rmSync(out, { recursive: true, force: true });
mkdirSync(out);

let n = 0;
for (const item of Object.values(spec.paths)) {
  for (const op of Object.values(item)) {
    if (typeof op !== 'object' || op === null || !op.operationId) continue;
    const samples = (op['x-codeSamples'] ?? []).filter((s) => s.lang === 'TypeScript');
    if (samples.length !== 1) throw new Error(`${op.operationId}: ${samples.length} TypeScript samples, want 1`);
    // An ES module, as in a .mts file: top-level await is allowed.
    writeFileSync(join(out, `${op.operationId}.mts`), samples[0].source);
    n++;
  }
}
if (n !== 32) throw new Error(`found ${n} operations with a TypeScript sample, want 32`);
console.log(`samples: ${n} TypeScript samples written to samples/generated`);
