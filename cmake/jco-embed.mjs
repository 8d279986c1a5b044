#!/usr/bin/env node
// Embed a WIT world's component-type custom section into a core wasm module, so that
// `jco new` can wrap a module that declares canonical-ABI imports/exports by hand.
//
//   node cmake/jco-embed.mjs CORE.wasm WIT_DIR WORLD OUT.wasm
//
// Why a script: `jco embed --wit DIR` fails with ENOENT from the CLI because jco's bundled
// wasm-tools (itself a component run on preview2-shim) has no filesystem preopen, and the CLI
// ignores --world-name. Here we give that preview2-shim instance a preopen of "/" and call the
// API (componentEmbed) with `world` set.
import { createRequire } from 'node:module';
import { readFile, writeFile, rename } from 'node:fs/promises';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [core, witDir, world, out] = process.argv.slice(2);
if (!core || !witDir || !world || !out) {
  console.error('usage: jco-embed.mjs CORE.wasm WIT_DIR WORLD OUT.wasm');
  process.exit(2);
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Resolve modules the way jco itself does: jco -> jco-transpile -> preview2-shim.
const jcoRequire = createRequire(join(root, 'node_modules/@bytecodealliance/jco/package.json'));
const wasmToolsPath = jcoRequire.resolve('@bytecodealliance/jco-transpile/wasm-tools');
const transpileRequire = createRequire(wasmToolsPath);
const fsShimPath = transpileRequire.resolve('@bytecodealliance/preview2-shim/filesystem');

const fsShim = await import(pathToFileURL(fsShimPath).href);
fsShim._addPreopen('/', '/');
const { componentEmbed } = await import(pathToFileURL(wasmToolsPath).href);

try {
  const binary = await readFile(core);
  const embedded = await componentEmbed({
    binary: new Uint8Array(binary),
    witPath: resolve(witDir),
    world,
    stringEncoding: 'utf8',
  });
  const tmp = `${out}.tmp`;
  await writeFile(tmp, embedded);
  await rename(tmp, out);
} catch (e) {
  console.error(`jco-embed: embedding world '${world}' from ${witDir} into ${core} failed:`);
  console.error(e?.payload ?? e);
  process.exit(1);
}
