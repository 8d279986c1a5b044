// adversary STEP... : a scriptable guest that tries to get around the egress policy.
//
// Runs the steps given as arguments in order and prints exactly one line per step: the step as
// written, then its outcome. Every error is caught and reported, and the next step still runs
// (a guest that shrugs off denials and carries on is one of the behaviours under test). Exits 0
// unless a step is malformed (then it prints "bad step ..." and exits non-zero). Outcomes are
// "ok" or a ws_error_name() ("access-denied", "new-socket-limit", "last-operation-failed", ...),
// plus one of its own:
//   timeout   a connect or write made no progress for 5 s (the host neither allowed nor failed
//             it): reported instead of hanging, so a host that stalls fails the test quickly
//
// Steps (IP: 127.0.0.1, ::1, ::ffff:127.0.0.1, ::127.0.0.1, 0.0.0.0, ::, fe80::1%1, ...):
//   connect IP PORT              -> connect IP PORT <outcome>   (a connection is dropped at once)
//   connect-many IP PORT N       -> connect-many IP PORT N <outcome>=<count>...
//                                   (in order of first appearance, e.g. "access-denied=3000")
//   open IP PORT N               -> like connect-many, but successful connections stay open until
//                                   close-all (concurrency limits)
//   close-all                    -> close-all <connections closed>
//   lookup NAME                  -> lookup NAME <address>... | lookup NAME none
//                                   | lookup NAME <error>
//   lookup-many NAME N           -> lookup-many NAME N <outcome>=<count>...
//   lookup-connect NAME PORT     -> lookup-connect NAME PORT <address>=<outcome>...
//                                   | lookup-connect NAME PORT lookup=<error>
//   udp IP PORT BYTES            -> udp IP PORT BYTES <outcome>  (one datagram, unconnected socket)
//   udp-connected IP PORT BYTES  -> udp-connected IP PORT BYTES <outcome>   (%stream(remote))
//   send IP PORT MODE BYTES      -> send IP PORT MODE BYTES connect=<error>
//                                   | send IP PORT MODE BYTES sent=<n> <outcome>
//       MODE: write | zeroes | splice | blocking-write | blocking-zeroes | blocking-splice.
//       Connects, then pushes BYTES through that write path; sent = bytes the host accepted
//       before the first error. The splice modes read from the guest's stdin (wasi:cli/stdin).
//       Then shuts the connection down and drops it.
//   double-grant IP PORT BYTES   -> double-grant IP PORT BYTES a=<n>/<outcome> b=<n>/<outcome>
//       Spends one quota twice, if it can: opens connections A and B, asks check-write on both
//       before writing on either, then writes (zeroes) up to BYTES of each grant and flushes.
//       n = bytes each write accepted. A host that grants the same quota twice sends too much.
//   sleep MS                     -> sleep MS ok                          (rate limits refill)
//   wait-stdin                   -> wait-stdin <the line read from stdin> (the test says "go on")
//   serve IP PORT N              -> serve IP PORT N listening, then after N connections were
//                                   accepted and echoed: serve IP PORT N accepted=<n> echoed=<bytes> ok
//                                   | serve IP PORT N listen=<error>     (ingress, metered inbound)
#include <stdarg.h>
#include <string.h>

#include "common.h"

#define STALL_NS 5000000000ull  // no progress for this long: report "timeout", move on
#define ERR_TIMEOUT 1000        // our own outcome code, next to ws_error_name()'s
#define MAX_OPEN 4096
#define MAX_OUTCOMES 16

static const char *outcome_name(int err) {
  return err == ERR_TIMEOUT ? "timeout" : ws_error_name(err);
}

// One output line per step, flushed at once so a trap or a kill later loses none of them.
static void emit(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

// ---- outcome histograms ("access-denied=2999 ok=1") ------------------------------------------
typedef struct {
  int err[MAX_OUTCOMES];
  uint64_t count[MAX_OUTCOMES];
  int n;
  uint64_t overflow;  // distinct outcomes beyond MAX_OUTCOMES (never expected)
} histogram;

static void hist_add(histogram *h, int err) {
  for (int i = 0; i < h->n; i++)
    if (h->err[i] == err) {
      h->count[i]++;
      return;
    }
  if (h->n == MAX_OUTCOMES) {
    h->overflow++;
    return;
  }
  h->err[h->n] = err;
  h->count[h->n++] = 1;
}

static void hist_format(const histogram *h, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = 0;
  for (int i = 0; i < h->n && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s=%llu", i ? " " : "",
                             outcome_name(h->err[i]), (unsigned long long)h->count[i]);
  if (h->overflow && used < len)
    snprintf(buf + used, len - used, " more=%llu", (unsigned long long)h->overflow);
}

// ---- waiting without ever hanging ---------------------------------------------------------
// Waits until `p` is ready or the deadline passes; drops `p`. 0 when ready, ERR_TIMEOUT if not.
static int wait_until(int32_t p, uint64_t deadline) {
  uint64_t now = ws_now_ns();
  int err = 0;
  if (now >= deadline) {
    err = ws_ready(p) ? 0 : ERR_TIMEOUT;
  } else {
    int32_t ps[2] = {p, ws_subscribe_duration(deadline - now)};
    uint32_t ready[2];
    size_t n = ws_poll(ps, 2, ready, 2);
    err = ERR_TIMEOUT;
    for (size_t i = 0; i < n; i++)
      if (ready[i] == 0) err = 0;
    ws_pollable_drop(ps[1]);
  }
  ws_pollable_drop(p);
  return err;
}

// ---- steps ----------------------------------------------------------------------------------
static int32_t g_stdin;  // the splice source, shared by every splice step
static ws_tcp g_open[MAX_OPEN];
static size_t g_open_count;

static void parse_addr_or_exit(const char *ip, const char *port, ws_addr *a) {
  arg_addr(ip, port, a);  // exits 2 on a malformed address: a bug in the test, not the guest
}

// create + start-connect + finish-connect, never waiting more than STALL_NS.
static int connect_to(const ws_addr *to, ws_tcp *c) {
  memset(c, 0, sizeof *c);
  int err = ws_tcp_create(to->is_v6, &c->sock);
  if (err) return err;
  if ((err = ws_tcp_start_connect(c->sock, to))) {
    ws_tcp_socket_drop(c->sock);
    c->sock = 0;
    return err;
  }
  uint64_t deadline = ws_now_ns() + STALL_NS;
  for (;;) {
    err = ws_tcp_finish_connect(c->sock, &c->in, &c->out);
    if (err != WS_ERR(WS_EC_WOULD_BLOCK)) break;
    if ((err = wait_until(ws_tcp_subscribe(c->sock), deadline))) break;
  }
  if (err) {
    ws_tcp_socket_drop(c->sock);
    memset(c, 0, sizeof *c);
  }
  return err;
}

static void step_connect(char **a) {
  ws_addr to;
  parse_addr_or_exit(a[0], a[1], &to);
  ws_tcp c;
  int err = connect_to(&to, &c);
  if (!err) ws_tcp_close(&c);
  emit("connect %s %s %s", a[0], a[1], outcome_name(err));
}

// connect-many and open: N connects in a row; `keep` holds the successful ones open.
static void connect_repeatedly(const char *step, char **a, int keep) {
  ws_addr to;
  parse_addr_or_exit(a[0], a[1], &to);
  uint64_t n = arg_u64(a[2], "N");
  histogram h = {0};
  for (uint64_t i = 0; i < n; i++) {
    ws_tcp c;
    int err = connect_to(&to, &c);
    hist_add(&h, err);
    if (err) continue;
    if (keep && g_open_count < MAX_OPEN)
      g_open[g_open_count++] = c;
    else
      ws_tcp_close(&c);
  }
  char buf[512];
  hist_format(&h, buf, sizeof buf);
  emit("%s %s %s %s %s", step, a[0], a[1], a[2], buf);
}

static void step_connect_many(char **a) { connect_repeatedly("connect-many", a, 0); }
static void step_open(char **a) { connect_repeatedly("open", a, 1); }

static void step_close_all(char **a) {
  (void)a;
  size_t n = g_open_count;
  for (size_t i = 0; i < n; i++) ws_tcp_close(&g_open[i]);
  g_open_count = 0;
  emit("close-all %zu", n);
}

// Resolves `name` fully: up to `cap` addresses into out[], their number into *count.
static int resolve(const char *name, ws_addr *out, size_t cap, size_t *count) {
  *count = 0;
  int32_t stream;
  int err = ws_resolve_addresses(name, &stream);
  if (err) return err;
  for (;;) {
    ws_addr a;
    int done = 0;
    if ((err = ws_resolve_next_address(stream, &a, &done)) || done) break;
    if (*count < cap) out[(*count)++] = a;
  }
  ws_resolve_drop(stream);
  return err;
}

static void step_lookup(char **a) {
  ws_addr addrs[32];
  size_t n;
  int err = resolve(a[0], addrs, 32, &n);
  if (err) {
    emit("lookup %s %s", a[0], outcome_name(err));
    return;
  }
  char line[1024], ip[64];
  size_t used = (size_t)snprintf(line, sizeof line, "lookup %s", a[0]);
  for (size_t i = 0; i < n && used < sizeof line; i++)
    used += (size_t)snprintf(line + used, sizeof line - used, " %s",
                             ws_format_ip(&addrs[i], ip, sizeof ip));
  emit("%s%s", line, n ? "" : " none");
}

static void step_lookup_many(char **a) {
  uint64_t n = arg_u64(a[1], "N");
  histogram h = {0};
  for (uint64_t i = 0; i < n; i++) {
    ws_addr addrs[8];
    size_t count;
    hist_add(&h, resolve(a[0], addrs, 8, &count));
  }
  char buf[512];
  hist_format(&h, buf, sizeof buf);
  emit("lookup-many %s %s %s", a[0], a[1], buf);
}

// The rebinding shape: whatever the name resolved to, connect to every address of it.
static void step_lookup_connect(char **a) {
  uint64_t port = arg_u64(a[1], "port");
  ws_addr addrs[32];
  size_t n;
  int err = resolve(a[0], addrs, 32, &n);
  if (err || port > 65535) {
    emit("lookup-connect %s %s lookup=%s", a[0], a[1], err ? outcome_name(err) : "bad-port");
    return;
  }
  char line[1024], ip[64];
  size_t used = (size_t)snprintf(line, sizeof line, "lookup-connect %s %s", a[0], a[1]);
  for (size_t i = 0; i < n && used < sizeof line; i++) {
    addrs[i].port = (uint16_t)port;
    ws_tcp c;
    int cerr = connect_to(&addrs[i], &c);
    if (!cerr) ws_tcp_close(&c);
    used += (size_t)snprintf(line + used, sizeof line - used, " %s=%s",
                             ws_format_ip(&addrs[i], ip, sizeof ip), outcome_name(cerr));
  }
  emit("%s%s", line, n ? "" : " none");
}

// One datagram of `bytes` to `to`, over a connected or unconnected UDP socket.
static int udp_once(const ws_addr *to, int connected, uint64_t bytes) {
  static char data[65536];
  if (bytes > sizeof data) bytes = sizeof data;
  ws_udp u;
  int err = ws_udp_open(to, connected, &u);
  if (err) return err;
  uint64_t deadline = ws_now_ns() + STALL_NS, permit = 0;
  while (!(err = ws_udp_check_send(u.out, &permit)) && permit == 0)
    if ((err = wait_until(ws_udp_out_subscribe(u.out), deadline))) break;
  uint64_t accepted = 0;
  if (!err) err = ws_udp_send(u.out, data, (size_t)bytes, connected ? NULL : to, &accepted);
  if (!err && accepted != 1) err = WS_ERR(WS_EC_UNKNOWN);  // taken but not sent: say so
  ws_udp_close(&u);
  return err;
}

static void udp_step(const char *step, char **a, int connected) {
  ws_addr to;
  parse_addr_or_exit(a[0], a[1], &to);
  int err = udp_once(&to, connected, arg_u64(a[2], "bytes"));
  emit("%s %s %s %s %s", step, a[0], a[1], a[2], outcome_name(err));
}

static void step_udp(char **a) { udp_step("udp", a, 0); }
static void step_udp_connected(char **a) { udp_step("udp-connected", a, 1); }

// check-write, waiting (with the stall deadline) while it grants nothing.
static int permit_or_timeout(int32_t out, uint64_t *permit) {
  uint64_t deadline = ws_now_ns() + STALL_NS;
  int err;
  while (!(err = ws_check_write(out, permit)) && *permit == 0)
    if ((err = wait_until(ws_output_subscribe(out), deadline))) break;
  return err;
}

// flush, then wait for it to complete (check-write grants again). A quota that is used up may
// grant nothing more, ever: a flush that completed with nothing left to grant is fine.
static int flush_done(int32_t out) {
  int err = ws_flush(out);
  if (err) return err;
  uint64_t deadline = ws_now_ns() + STALL_NS, permit;
  while (!(err = ws_check_write(out, &permit)) && permit == 0)
    if (wait_until(ws_output_subscribe(out), deadline)) break;  // no permit: not our business
  return err;
}

static char pattern[65536];

// The non-blocking paths: check-write, then write / write-zeroes / splice of what was granted.
static int push_polled(int32_t out, const char *mode, uint64_t len, uint64_t *sent) {
  int err = 0;
  while (*sent < len && !err) {
    uint64_t permit, n = len - *sent;
    if ((err = permit_or_timeout(out, &permit))) break;
    if (n > permit) n = permit;
    if (n > sizeof pattern) n = sizeof pattern;
    if (strcmp(mode, "splice") == 0) {
      uint64_t done = 0;
      if ((err = ws_splice(out, g_stdin, n, &done))) break;
      if (done == 0) err = wait_until(ws_input_subscribe(g_stdin), ws_now_ns() + STALL_NS);
      *sent += done;
      continue;
    }
    if (strcmp(mode, "zeroes") == 0)
      err = ws_write_zeroes(out, n);
    else
      err = ws_write(out, pattern, (size_t)n);
    if (!err) *sent += n;
  }
  return err ? err : flush_done(out);
}

// The blocking paths: at most 4096 bytes per call (blocking-splice takes any length).
static int push_blocking(int32_t out, const char *mode, uint64_t len, uint64_t *sent) {
  int err = 0;
  while (*sent < len && !err) {
    uint64_t n = len - *sent;
    if (strcmp(mode, "blocking-splice") == 0) {
      uint64_t done = 0;
      if (!(err = ws_blocking_splice(out, g_stdin, n, &done))) *sent += done;
      continue;
    }
    if (n > 4096) n = 4096;
    if (strcmp(mode, "blocking-zeroes") == 0)
      err = ws_blocking_write_zeroes_and_flush(out, n);
    else
      err = ws_blocking_write_and_flush(out, pattern, (size_t)n);
    if (!err) *sent += n;
  }
  return err ? err : ws_blocking_flush(out);
}

static int is_mode(const char *m) {
  static const char *const kModes[] = {"write",          "zeroes",          "splice",
                                       "blocking-write", "blocking-zeroes", "blocking-splice"};
  for (size_t i = 0; i < sizeof kModes / sizeof kModes[0]; i++)
    if (strcmp(m, kModes[i]) == 0) return 1;
  return 0;
}

static void step_send(char **a) {
  ws_addr to;
  parse_addr_or_exit(a[0], a[1], &to);
  const char *mode = a[2];
  uint64_t len = arg_u64(a[3], "bytes");
  if (!is_mode(mode)) {
    printf("bad send mode: %s\n", mode);
    exit(2);
  }
  if (strstr(mode, "splice") && !g_stdin) g_stdin = ws_get_stdin();
  ws_tcp c;
  int err = connect_to(&to, &c);
  if (err) {
    emit("send %s %s %s %s connect=%s", a[0], a[1], mode, a[3], outcome_name(err));
    return;
  }
  uint64_t sent = 0;
  err = strncmp(mode, "blocking-", 9) == 0 ? push_blocking(c.out, mode, len, &sent)
                                           : push_polled(c.out, mode, len, &sent);
  ws_tcp_shutdown(c.sock, 2);  // may fail after a failed write: nothing to report
  ws_tcp_close(&c);
  emit("send %s %s %s %s sent=%llu %s", a[0], a[1], mode, a[3], (unsigned long long)sent,
       outcome_name(err));
}

// One write-zeroes of up to `want` bytes of an earlier grant, then flush; *n = bytes accepted.
static int spend_grant(int32_t out, uint64_t permit, uint64_t want, uint64_t *n) {
  *n = 0;
  if (want > permit) want = permit;
  int err = want ? ws_write_zeroes(out, want) : 0;
  if (err) return err;
  *n = want;
  return flush_done(out);
}

static void step_double_grant(char **a) {
  ws_addr to;
  parse_addr_or_exit(a[0], a[1], &to);
  uint64_t want = arg_u64(a[2], "bytes");
  ws_tcp c[2];
  int err = connect_to(&to, &c[0]);
  if (!err && (err = connect_to(&to, &c[1]))) ws_tcp_close(&c[0]);
  if (err) {
    emit("double-grant %s %s %s connect=%s", a[0], a[1], a[2], outcome_name(err));
    return;
  }
  uint64_t permit[2] = {0, 0}, n[2] = {0, 0};
  int errs[2];
  for (int i = 0; i < 2; i++) errs[i] = permit_or_timeout(c[i].out, &permit[i]);
  for (int i = 0; i < 2; i++)
    if (!errs[i]) errs[i] = spend_grant(c[i].out, permit[i], want, &n[i]);
  for (int i = 0; i < 2; i++) {
    ws_tcp_shutdown(c[i].sock, 2);
    ws_tcp_close(&c[i]);
  }
  emit("double-grant %s %s %s a=%llu/%s b=%llu/%s", a[0], a[1], a[2], (unsigned long long)n[0],
       outcome_name(errs[0]), (unsigned long long)n[1], outcome_name(errs[1]));
}

static void step_sleep(char **a) {
  uint64_t ms = arg_u64(a[0], "ms");
  int32_t p = ws_subscribe_duration(ms * 1000000ull);
  ws_block(p);
  ws_pollable_drop(p);
  emit("sleep %s ok", a[0]);
}

// wait-stdin: blocks until the host test writes a line to stdin (a test's way to say "now").
static void step_wait_stdin(char **a) {
  (void)a;
  if (!g_stdin) g_stdin = ws_get_stdin();
  char line[256];
  size_t got = 0;
  int err = ws_read_line(g_stdin, line, sizeof line, &got);
  if (got && line[got - 1] == '\n') line[got - 1] = 0;
  emit("wait-stdin %s", err ? outcome_name(err) : line);
}

// serve IP PORT N: listens, prints "serve IP PORT N listening", then accepts N connections one
// at a time and echoes each back until the peer shuts down its side.
static void step_serve(char **a) {
  ws_addr local;
  parse_addr_or_exit(a[0], a[1], &local);
  uint64_t n = arg_u64(a[2], "N");
  int32_t listener;
  int err = ws_tcp_listen(&local, &listener);
  if (err) {
    emit("serve %s %s %s listen=%s", a[0], a[1], a[2], outcome_name(err));
    return;
  }
  emit("serve %s %s %s listening", a[0], a[1], a[2]);
  uint64_t accepted = 0, echoed = 0;
  while (accepted < n && !err) {
    ws_tcp c;
    err = ws_tcp_accept(listener, &c);
    if (err == WS_ERR(WS_EC_WOULD_BLOCK)) {
      err = wait_until(ws_tcp_subscribe(listener), ws_now_ns() + 4 * STALL_NS);
      continue;
    }
    if (err) break;
    accepted++;
    char buf[4096];
    size_t got;
    while (!ws_blocking_read(c.in, buf, sizeof buf, &got)) {
      if (got && ws_send_all(c.out, "write", buf, got, 0, NULL)) break;
      echoed += got;
    }
    ws_tcp_shutdown(c.sock, 2);
    ws_tcp_close(&c);
  }
  ws_tcp_socket_drop(listener);
  emit("serve %s %s %s accepted=%llu echoed=%llu %s", a[0], a[1], a[2],
       (unsigned long long)accepted, (unsigned long long)echoed, err ? outcome_name(err) : "ok");
}

typedef struct {
  const char *name;
  int nargs;
  void (*run)(char **args);
} step;

static const step kSteps[] = {
    {"connect", 2, step_connect},         {"connect-many", 3, step_connect_many},
    {"open", 3, step_open},               {"close-all", 0, step_close_all},
    {"lookup", 1, step_lookup},           {"lookup-many", 2, step_lookup_many},
    {"lookup-connect", 2, step_lookup_connect},
    {"udp", 3, step_udp},                 {"udp-connected", 3, step_udp_connected},
    {"send", 4, step_send},               {"double-grant", 3, step_double_grant},
    {"sleep", 1, step_sleep},             {"wait-stdin", 0, step_wait_stdin},
    {"serve", 3, step_serve},
};

int main(int argc, char **argv) {
  guest_init();
  for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (char)('a' + i % 26);
  int i = 1;
  while (i < argc) {
    const step *s = NULL;
    for (size_t k = 0; k < sizeof kSteps / sizeof kSteps[0]; k++)
      if (strcmp(argv[i], kSteps[k].name) == 0) s = &kSteps[k];
    if (!s || i + 1 + s->nargs > argc) {
      printf("bad step at argument %d: %s\n", i, argv[i]);
      return 2;
    }
    s->run(argv + i + 1);
    i += 1 + s->nargs;
  }
  for (size_t k = 0; k < g_open_count; k++) ws_tcp_close(&g_open[k]);
  return 0;
}
