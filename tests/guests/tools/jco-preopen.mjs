// Preopens for `jco run` (which gives a guest no directories by default):
//   JCO_PREOPENS=/sandbox=/tmp/host-dir[,GUEST=HOST...] \
//     node_modules/.bin/jco run --jco-import tests/guests/tools/jco-preopen.mjs guest.wasm ARGS
// It must configure the same preview2-shim module instance that jco's generated bindings load,
// so it resolves the shim from jco's own package.
import { createRequire } from 'node:module';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const jcoRequire = createRequire(join(root, 'node_modules/@bytecodealliance/jco/package.json'));
const fs = await import(pathToFileURL(
  jcoRequire.resolve('@bytecodealliance/preview2-shim/filesystem')).href);
for (const entry of (process.env.JCO_PREOPENS ?? '').split(',').filter(Boolean)) {
  const eq = entry.indexOf('=');
  fs._addPreopen(entry.slice(0, eq), resolve(entry.slice(eq + 1)));
}
