#!/usr/bin/env node
// Runs the test guests under jco's Node.js WASI host (`jco run`) and checks their exact output:
// proof that the guests themselves behave, independent of sluice. README.md lists the same
// expectations. CTest runs one case per test (label "guests").
//
//   node tests/guests/tools/jco-check.mjs GUEST_DIR [CASE...]     (no CASE: all cases)
//   node tests/guests/tools/jco-check.mjs --list
//
// jco run specifics the expectations reflect: argv[0] is the component's file name without
// ".wasm"; the guest gets the caller's whole environment; a guest's non-zero exit status and
// a trap both end `jco run` with status 1; a trap's message goes to stderr.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const jco = join(root, 'node_modules/@bytecodealliance/jco/dist/jco.js');
const preopenHook = join(here, 'jco-preopen.mjs');

const lines = (...l) => l.map((x) => `${x}\n`).join('');

// Each case: guest, args, optional stdin/env/setup, expected status and stdout (exact) and
// stderr (substrings).
const cases = {
  'hello': {
    guest: 'hello', args: ['a', 'b c'], env: { GREETING: 'hi' },
    stdout: lines('hello from sluice', 'argc=3', 'argv[0]=hello', 'argv[1]=a', 'argv[2]=b c',
      'GREETING=hi'),
  },
  'hello-no-greeting': {
    guest: 'hello', args: [], env: { GREETING: undefined },
    stdout: lines('hello from sluice', 'argc=1', 'argv[0]=hello'),
  },
  'hello-plain': {
    guest: 'hello_plain', args: ['x'], env: { GREETING: undefined },
    stdout: lines('hello from sluice', 'argc=2', 'argv[0]=hello_plain', 'argv[1]=x'),
  },
  'exit-code-0': { guest: 'exit_code', args: ['0'], stdout: lines('exit_code: exiting with 0') },
  'exit-code-7': {
    guest: 'exit_code', args: ['7'], status: 1, stdout: lines('exit_code: exiting with 7'),
  },
  'exit-code-usage': {
    guest: 'exit_code', args: [], status: 1, stdout: '', stderr: ['usage: exit_code N'],
  },
  'stdin-echo': {
    guest: 'stdin_echo', args: [], stdin: 'hello\nworld\n', stdout: 'hello\nworld\n',
    stderr: ['bytes=12 fnv1a64=2925835410388969'],
  },
  'stdin-echo-count': {
    guest: 'stdin_echo', args: ['--count'], stdin: 'hello\nworld\n',
    stdout: lines('bytes=12 fnv1a64=2925835410388969'),
  },
  'stdin-echo-empty': {
    guest: 'stdin_echo', args: ['--count'], stdin: '',
    stdout: lines('bytes=0 fnv1a64=cbf29ce484222325'),
  },
  'clocks-random': {
    guest: 'clocks_random', args: [],
    stdout: lines('monotonic: ok', 'sleep: ok', 'wall: ok', 'entropy: ok', 'random: ok',
      'clocks_random: all ok'),
  },
  'files': {
    guest: 'files', args: ['/sandbox'], setup: filesSetup,
    stdout: lines(
      'files: dir=/sandbox',
      'write a.txt: ok 19',
      'read a.txt: ok 19 [hello, sluice files]',
      'append a.txt: ok 1',
      'stat a.txt: file size=20',
      'mkdir sub: ok',
      'mkdir sub: EEXIST',
      'write sub/b.txt: ok 3',
      'rename a.txt c.txt: ok',
      'stat a.txt: ENOENT',
      'stat c.txt: file size=20',
      'stat sub: dir',
      'symlink link_in -> c.txt: ok',
      'stat link_in: symlink',
      'read link_in: ok 20 [hello, sluice files!]',
      'list: c.txt escape_abs@ escape_dir@ escape_file@ link_in@ sub/',
      'rmdir sub: ENOTEMPTY',
      'open ../outside.txt: EPERM',
      'open /etc/passwd: ENOTCAPABLE',
      'open escape_file: EPERM',
      'open escape_dir/outside.txt: EPERM',
      'open escape_abs: EPERM',
      'symlink link_out -> ../outside.txt: ok',
      'open link_out: EPERM',
      'unlink sub/b.txt: ok',
      'rmdir sub: ok',
      'unlink link_in: ok',
      'unlink c.txt: ok',
      'list: escape_abs@ escape_dir@ escape_file@',
      'files: done'),
  },
  'trap-unreachable': {
    guest: 'trap_unreachable', args: [], status: 1, stdout: lines('before trap'),
    stderr: ['unreachable'],
  },
  'trap-oob-read': {
    guest: 'trap_oob', args: [], status: 1, stdout: lines('before oob read'),
    stderr: ['out of bounds memory access'],
  },
  'trap-oob-write': {
    guest: 'trap_oob', args: ['write'], status: 1, stdout: lines('before oob write'),
    stderr: ['out of bounds memory access'],
  },
  'trap-stack': {
    guest: 'trap_stack', args: [], status: 1, stdout: lines('recursing native'),
    stderr: ['Maximum call stack size exceeded'],
  },
  'trap-stack-shadow': {
    guest: 'trap_stack', args: ['shadow'], status: 1, stdout: lines('recursing shadow'),
    stderr: ['out of bounds memory access'],
  },
  // spin_forever is not run here: spawnSync's timeout kills jco but not the node process jco
  // starts for the guest, which would spin on for the rest of the CI run. sluice's own
  // --timeout test covers it.
  'memory-hog-3': {
    guest: 'memory_hog', args: ['3'],
    stdout: lines('allocated 1 MiB', 'allocated 2 MiB', 'allocated 3 MiB', 'done 3 MiB'),
  },
  'compute-sha256-1': {
    guest: 'compute_sha256', args: ['1'],
    stdout: lines('selftest: ok',
      'sha256(1 MiB) = 3e75ec671075e4115fc876c4c55d5abbac3bfe487a67ff4ca2db38386a014f27'),
  },
  'hostile-ok': {
    guest: 'hostile', args: ['ok'],
    stdout: lines('hostile: ok: calling', 'hostile: direct write ok',
      'hostile: ok: write result tag=0, get-arguments count=2'),
  },
  // jco's host does not check everything the canonical ABI requires; these are the cases it
  // does turn into a trap (the rest are listed in README.md).
  'hostile-args-ret-oob': {
    guest: 'hostile', args: ['args-ret-oob'], status: 1,
    stdout: lines('hostile: args-ret-oob: calling'), stderr: ['outside the bounds'],
  },
  'hostile-drop-twice': {
    guest: 'hostile', args: ['drop-twice'], status: 1,
    stdout: lines('hostile: drop-twice: calling'), stderr: ['unknown handle index'],
  },
  'js-hello': {
    guest: 'js_hello', args: [], stdout: lines('hello from js'), optional: true,
  },
};

function filesSetup(tmp) {
  const box = join(tmp, 'box');
  mkdirSync(box);
  writeFileSync(join(tmp, 'outside.txt'), 'SECRET-OUTSIDE\n');
  symlinkSync('../outside.txt', join(box, 'escape_file'));
  symlinkSync('..', join(box, 'escape_dir'));
  symlinkSync('/etc/passwd', join(box, 'escape_abs'));
  return { preopens: { '/sandbox': box } };
}

function runCase(guestDir, name) {
  const c = cases[name];
  const wasm = join(guestDir, `${c.guest}.wasm`);
  if (!existsSync(wasm)) {
    if (c.optional) return { skipped: `${wasm} not built` };
    return { errors: [`${wasm} does not exist`] };
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sluice-jco-'));
  try {
    const env = { ...process.env };
    for (const [k, v] of Object.entries(c.env ?? {})) {
      if (v === undefined) delete env[k]; else env[k] = v;
    }
    const hook = [];
    if (c.setup) {
      const { preopens } = c.setup(tmp);
      env.JCO_PREOPENS = Object.entries(preopens).map(([g, h]) => `${g}=${h}`).join(',');
      hook.push('--jco-import', preopenHook);
    }
    const r = spawnSync(process.execPath, [jco, 'run', ...hook, wasm, ...c.args], {
      input: c.stdin ?? '', env, encoding: 'utf8', timeout: c.timeoutMs ?? 120000,
      killSignal: 'SIGKILL', maxBuffer: 64 << 20,
    });
    const errors = [];
    const status = r.signal ? 'killed' : r.status;
    const wantStatus = c.status ?? 0;
    if (status !== wantStatus) errors.push(`exit status ${status}, expected ${wantStatus}`);
    if (c.stdout !== undefined && r.stdout !== c.stdout) {
      errors.push(`stdout:\n--- got\n${r.stdout}--- expected\n${c.stdout}---`);
    }
    for (const s of c.stderr ?? []) {
      if (!r.stderr.includes(s)) errors.push(`stderr lacks '${s}':\n${r.stderr}`);
    }
    return { errors, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--list') {
  console.log(Object.keys(cases).join('\n'));
  process.exit(0);
}
const guestDir = argv[0];
if (!guestDir) {
  console.error('usage: jco-check.mjs GUEST_DIR [CASE...] | --list');
  process.exit(2);
}
const names = argv.length > 1 ? argv.slice(1) : Object.keys(cases);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of names) {
  if (!cases[name]) {
    console.error(`unknown case ${name}`);
    process.exit(2);
  }
  const t0 = Date.now();
  const r = runCase(guestDir, name);
  const ms = Date.now() - t0;
  if (r.skipped) {
    skipped++;
    console.log(`SKIP ${name}: ${r.skipped}`);
  } else if (r.errors.length) {
    failed++;
    console.log(`FAIL ${name} (${ms} ms)\n  ${r.errors.join('\n  ')}`);
  } else {
    passed++;
    console.log(`ok   ${name} (${ms} ms)`);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
// 77: everything selected was skipped (CTest's SKIP_RETURN_CODE).
process.exit(failed ? 1 : skipped && !passed ? 77 : 0);
