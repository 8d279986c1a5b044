#!/usr/bin/env node
// Runs the socket egress guests under jco's Node.js WASI host (`jco run`, whose preview2-shim
// implements wasi:sockets) against an in-process loopback sink, and checks their exact output
// and what the sink counted: proof that the guests behave, independent of sluice.
//
//   node tests/guests/sockets/jco-check-sockets.mjs GUEST_DIR [CASE...]   (no CASE: all)
//   node tests/guests/sockets/jco-check-sockets.mjs --list
//
// The sink (same protocol as tests/cli/egress_sink.cpp): TCP on 127.0.0.1:PORT counts bytes per
// connection and, once a connection has received `replyAfter` bytes, replies "ok <n>\n"; UDP on
// the same port answers each datagram with "ok <len>\n".
// preview2-shim 0.26 limits what can be checked here: output-stream.splice fails on a stdin
// source ("Cannot read private member #id") and blocking-splice ignores its length (moves all
// stdin at once), so the splice paths are checked with one connection only (blocking-splice) or
// not at all (splice); tcp-socket.shutdown is a full close (the guests never rely on half-close).
import { spawn } from 'node:child_process';
import net from 'node:net';
import dgram from 'node:dgram';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const jco = join(root, 'node_modules/@bytecodealliance/jco/dist/jco.js');
const lines = (...l) => l.map((x) => `${x}\n`).join('');

// args may use the placeholder PORT (the sink's) and CLOSED (a port nobody listens on).
const cases = {
  'tcp-send-write': { guest: 'tcp_send', replyAfter: 1000, args: ['127.0.0.1', 'PORT', '2', '1000', 'write'],
    stdout: lines('sent 2000', 'received 16'), tcp: [1000, 1000] },
  'tcp-send-blocking-write-and-flush': { guest: 'tcp_send', replyAfter: 70000,
    args: ['127.0.0.1', 'PORT', '2', '70000', 'blocking-write-and-flush'],
    stdout: lines('sent 140000', 'received 18'), tcp: [70000, 70000] },
  'tcp-send-write-zeroes': { guest: 'tcp_send', replyAfter: 70000,
    args: ['127.0.0.1', 'PORT', '2', '70000', 'write-zeroes'],
    stdout: lines('sent 140000', 'received 18'), tcp: [70000, 70000] },
  'tcp-send-blocking-write-zeroes-and-flush': { guest: 'tcp_send', replyAfter: 1000,
    args: ['127.0.0.1', 'PORT', '3', '1000', 'blocking-write-zeroes-and-flush'],
    stdout: lines('sent 3000', 'received 24'), tcp: [1000, 1000, 1000] },
  'tcp-send-blocking-splice': { guest: 'tcp_send', replyAfter: 1000, stdin: 'x'.repeat(1000),
    args: ['127.0.0.1', 'PORT', '1', '1000', 'blocking-splice'],
    stdout: lines('sent 1000', 'received 8'), tcp: [1000] },
  'tcp-many': { guest: 'tcp_many', replyAfter: 1000, args: ['127.0.0.1', 'PORT', '20'],
    stdout: lines('connected 20', 'sent 20000', 'received 160'), tcp: Array(20).fill(1000) },
  'udp-send': { guest: 'udp_send', args: ['127.0.0.1', 'PORT', '5', '100'],
    stdout: lines('sent 5 datagrams 500 bytes', 'received 5 datagrams 35 bytes'), udp: [5, 500] },
  'udp-send-unconnected': { guest: 'udp_send', args: ['127.0.0.1', 'PORT', '3', '1200', 'unconnected'],
    stdout: lines('sent 3 datagrams 3600 bytes', 'received 3 datagrams 24 bytes'), udp: [3, 3600] },
  'dns-lookup': { guest: 'dns_lookup', args: ['localhost'],
    stdout: lines('address 127.0.0.1', 'addresses 1') },
  'dns-lookup-connect': { guest: 'dns_lookup', replyAfter: 100, args: ['localhost', 'PORT'],
    stdout: lines('address 127.0.0.1', 'addresses 1', 'connected 127.0.0.1', 'sent 100', 'received 7'),
    tcp: [100] },
  'denied-loop-refused': { guest: 'denied_loop', args: ['127.0.0.1', 'CLOSED', '5'],
    stdout: lines('attempts 5', 'denied 0', 'connected 0', 'other 5') },
  'denied-loop-open': { guest: 'denied_loop', args: ['127.0.0.1', 'PORT', '3'],
    stdout: lines('attempts 3', 'denied 0', 'connected 3', 'other 0'), tcp: [0, 0, 0] },
  'trap-mid-transfer': { guest: 'trap_mid_transfer', args: ['127.0.0.1', 'PORT'], status: 1,
    stdout: lines('sent 10000'), stderr: 'unreachable', tcp: [10000] },
};

function startSink(replyAfter) {
  const conns = [];
  const udp = { datagrams: 0, bytes: 0 };
  const server = net.createServer((s) => {
    const c = { n: 0, closed: false };
    conns.push(c);
    s.on('data', (d) => {
      const before = c.n;
      c.n += d.length;
      if (replyAfter && before < replyAfter && c.n >= replyAfter) s.write(`ok ${c.n}\n`);
    });
    s.on('error', () => {});
    s.on('close', () => { c.closed = true; });
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => {
    const port = server.address().port;
    const u = dgram.createSocket('udp4');
    u.on('message', (m, r) => {
      udp.datagrams++;
      udp.bytes += m.length;
      u.send(`ok ${m.length}\n`, r.port, r.address);
    });
    u.bind(port, '127.0.0.1', () => res({
      port, conns, udp, close: () => { server.close(); u.close(); },
    }));
  }));
}

function closedPort() {
  return new Promise((res) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
  });
}

async function runCase(guestDir, name) {
  const c = cases[name];
  const sink = await startSink(c.replyAfter ?? 0);
  const closed = await closedPort();
  const args = c.args.map((a) => (a === 'PORT' ? `${sink.port}` : a === 'CLOSED' ? `${closed}` : a));
  const child = spawn(process.execPath, [jco, 'run', join(guestDir, `${c.guest}.wasm`), ...args],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  child.stdin.end(c.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
  const status = await new Promise((res) => child.on('close', (code) => res(code)));
  clearTimeout(timer);
  // Give the sink a moment to see every close.
  for (let i = 0; i < 50 && sink.conns.some((x) => !x.closed); i++) await new Promise((r) => setTimeout(r, 100));
  sink.close();
  const problems = [];
  if (status !== (c.status ?? 0)) problems.push(`status ${status}, expected ${c.status ?? 0}`);
  if (out !== c.stdout) problems.push(`stdout ${JSON.stringify(out)}, expected ${JSON.stringify(c.stdout)}`);
  if (c.stderr && !err.includes(c.stderr)) problems.push(`stderr lacks ${JSON.stringify(c.stderr)}`);
  if (c.tcp) {
    const got = sink.conns.map((x) => x.n).sort((a, b) => a - b);
    const want = [...c.tcp].sort((a, b) => a - b);
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`sink tcp ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  if (c.udp && (sink.udp.datagrams !== c.udp[0] || sink.udp.bytes !== c.udp[1]))
    problems.push(`sink udp ${sink.udp.datagrams}/${sink.udp.bytes}, expected ${c.udp}`);
  if (problems.length) {
    console.error(`FAIL ${name}:\n  ${problems.join('\n  ')}\n  stderr: ${err.slice(0, 2000)}`);
    return false;
  }
  console.log(`ok ${name}`);
  return true;
}

const argv = process.argv.slice(2);
if (argv[0] === '--list') {
  console.log(Object.keys(cases).join('\n'));
  process.exit(0);
}
if (!argv[0]) {
  console.error('usage: jco-check-sockets.mjs GUEST_DIR [CASE...] | --list');
  process.exit(2);
}
const names = argv.length > 1 ? argv.slice(1) : Object.keys(cases);
let ok = true;
for (const n of names) {
  if (!cases[n]) { console.error(`unknown case ${n}`); ok = false; continue; }
  ok = (await runCase(resolve(argv[0]), n)) && ok;
}
process.exit(ok ? 0 : 1);
