#!/usr/bin/env node
// Build a componentize-js agent through the JS API (the CLI's action swallows nothing but also
// reports nothing useful on failure; this gives a clear error, an exit status and an atomic
// write).
//
//   node cmake/componentize.mjs MAIN.js WIT_DIR WORLD OUT.wasm [--disable=FEATURE ...]
//
// FEATURE is one of componentize-js's features: stdio random clocks http fetch-event.
import { writeFile, rename } from 'node:fs/promises';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const disable = args.filter((a) => a.startsWith('--disable=')).map((a) => a.slice(10));
const [source, witDir, world, out] = args.filter((a) => !a.startsWith('--'));
if (!source || !witDir || !world || !out) {
  console.error('usage: componentize.mjs MAIN.js WIT_DIR WORLD OUT.wasm [--disable=FEATURE ...]');
  process.exit(2);
}

// Resolved from this file's location: <repo>/node_modules (installed by `npm ci`).
const { componentize } = await import('@bytecodealliance/componentize-js');

const started = Date.now();
try {
  const { component } = await componentize({
    sourcePath: resolve(source),
    witPath: resolve(witDir),
    worldName: world,
    disableFeatures: disable.length ? disable : undefined,
  });
  const tmp = `${out}.tmp`;
  await writeFile(tmp, component);
  await rename(tmp, out);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`componentize-js: ${out} (${(component.length / 1048576).toFixed(1)} MiB) in ${secs} s`);
} catch (e) {
  console.error(`componentize-js: building ${source} against world '${world}' in ${witDir} failed:`);
  console.error(e?.stack ?? e);
  process.exit(1);
}
