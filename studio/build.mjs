// Builds the front end into studio/dist (or the directory given): three bundles (the page, the
// audio worklet and the audio worker) plus the HTML and CSS. esbuild's output is deterministic, so `make
// studio-web-check` can rebuild into a temporary directory and compare with the committed dist.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, 'dist'));
mkdirSync(out, { recursive: true });
await esbuild.build({
  absWorkingDir: here,
  entryPoints: ['src/main.js', 'src/pcm-worklet.js', 'src/audio-worker.js'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outdir: out,
  charset: 'utf8',
  legalComments: 'eof',
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(join(here, 'src', f), join(out, f));
console.log(`built ${out}`);
