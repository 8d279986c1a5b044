// Hand-declared canonical-ABI imports of wasi:sockets / wasi:io @0.2.12 and small wrappers.
// See wasi_sockets.h. Lowered signatures follow the canonical ABI: at most 16 flat parameters,
// at most one flat result; anything bigger comes back through a return pointer (the last
// parameter). ip-socket-address flattens to 12 i32 slots (discriminant + the ipv6 case: port,
// flow-info, 8 segments, scope-id); option<ip-socket-address> to 13.
#include "wasi_sockets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define P(x) ((int32_t)(uintptr_t)(x))
#define A12                                                                                 \
  int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, \
      int32_t, int32_t

#define SOCK(n) "wasi:sockets/" n "@0.2.12"
#define IO(n) "wasi:io/" n "@0.2.12"

// wasi:sockets/instance-network
IMPORT(SOCK("instance-network"), "instance-network") extern int32_t w_instance_network(void);
// wasi:sockets/tcp-create-socket: create-tcp-socket(family) -> result<tcp-socket, error-code>
IMPORT(SOCK("tcp-create-socket"), "create-tcp-socket")
extern void w_create_tcp_socket(int32_t family, int32_t ret);
// wasi:sockets/tcp
IMPORT(SOCK("tcp"), "[method]tcp-socket.start-connect")
extern void w_tcp_start_connect(int32_t self, int32_t network, A12, int32_t ret);
IMPORT(SOCK("tcp"), "[method]tcp-socket.finish-connect")
extern void w_tcp_finish_connect(int32_t self, int32_t ret);
IMPORT(SOCK("tcp"), "[method]tcp-socket.start-bind")
extern void w_tcp_start_bind(int32_t self, int32_t network, A12, int32_t ret);
IMPORT(SOCK("tcp"), "[method]tcp-socket.finish-bind")
extern void w_tcp_finish_bind(int32_t self, int32_t ret);
IMPORT(SOCK("tcp"), "[method]tcp-socket.start-listen")
extern void w_tcp_start_listen(int32_t self, int32_t ret);
IMPORT(SOCK("tcp"), "[method]tcp-socket.finish-listen")
extern void w_tcp_finish_listen(int32_t self, int32_t ret);
// accept -> result<tuple<tcp-socket, input-stream, output-stream>, error-code>
IMPORT(SOCK("tcp"), "[method]tcp-socket.accept") extern void w_tcp_accept(int32_t self, int32_t ret);
IMPORT(SOCK("tcp"), "[method]tcp-socket.subscribe") extern int32_t w_tcp_subscribe(int32_t self);
IMPORT(SOCK("tcp"), "[method]tcp-socket.shutdown")
extern void w_tcp_shutdown(int32_t self, int32_t how, int32_t ret);
IMPORT(SOCK("tcp"), "[resource-drop]tcp-socket") extern void w_tcp_drop(int32_t self);
// wasi:sockets/udp-create-socket
IMPORT(SOCK("udp-create-socket"), "create-udp-socket")
extern void w_create_udp_socket(int32_t family, int32_t ret);
// wasi:sockets/udp
IMPORT(SOCK("udp"), "[method]udp-socket.start-bind")
extern void w_udp_start_bind(int32_t self, int32_t network, A12, int32_t ret);
IMPORT(SOCK("udp"), "[method]udp-socket.finish-bind")
extern void w_udp_finish_bind(int32_t self, int32_t ret);
// %stream(option<ip-socket-address>): self, option discriminant, 12 slots, retptr.
IMPORT(SOCK("udp"), "[method]udp-socket.stream")
extern void w_udp_stream(int32_t self, int32_t is_some, A12, int32_t ret);
IMPORT(SOCK("udp"), "[method]udp-socket.subscribe") extern int32_t w_udp_subscribe(int32_t self);
IMPORT(SOCK("udp"), "[resource-drop]udp-socket") extern void w_udp_drop(int32_t self);
IMPORT(SOCK("udp"), "[method]incoming-datagram-stream.receive")
extern void w_udp_receive(int32_t self, int64_t max, int32_t ret);
IMPORT(SOCK("udp"), "[method]incoming-datagram-stream.subscribe")
extern int32_t w_udp_in_subscribe(int32_t self);
IMPORT(SOCK("udp"), "[resource-drop]incoming-datagram-stream")
extern void w_udp_in_drop(int32_t self);
IMPORT(SOCK("udp"), "[method]outgoing-datagram-stream.check-send")
extern void w_udp_check_send(int32_t self, int32_t ret);
IMPORT(SOCK("udp"), "[method]outgoing-datagram-stream.send")
extern void w_udp_send(int32_t self, int32_t ptr, int32_t len, int32_t ret);
IMPORT(SOCK("udp"), "[method]outgoing-datagram-stream.subscribe")
extern int32_t w_udp_out_subscribe(int32_t self);
IMPORT(SOCK("udp"), "[resource-drop]outgoing-datagram-stream")
extern void w_udp_out_drop(int32_t self);
// wasi:sockets/ip-name-lookup
IMPORT(SOCK("ip-name-lookup"), "resolve-addresses")
extern void w_resolve_addresses(int32_t network, int32_t name, int32_t len, int32_t ret);
IMPORT(SOCK("ip-name-lookup"), "[method]resolve-address-stream.resolve-next-address")
extern void w_resolve_next_address(int32_t self, int32_t ret);
IMPORT(SOCK("ip-name-lookup"), "[method]resolve-address-stream.subscribe")
extern int32_t w_resolve_subscribe(int32_t self);
IMPORT(SOCK("ip-name-lookup"), "[resource-drop]resolve-address-stream")
extern void w_resolve_drop(int32_t self);
// wasi:io/poll
IMPORT(IO("poll"), "[method]pollable.block") extern void w_block(int32_t self);
IMPORT(IO("poll"), "[method]pollable.ready") extern int32_t w_ready(int32_t self);
IMPORT(IO("poll"), "poll") extern void w_poll(int32_t ptr, int32_t len, int32_t ret);
IMPORT(IO("poll"), "[resource-drop]pollable") extern void w_pollable_drop(int32_t self);
// wasi:io/error
IMPORT(IO("error"), "[resource-drop]error") extern void w_error_drop(int32_t self);
// wasi:io/streams
IMPORT(IO("streams"), "[method]input-stream.read")
extern void w_read(int32_t self, int64_t len, int32_t ret);
IMPORT(IO("streams"), "[method]input-stream.blocking-read")
extern void w_blocking_read(int32_t self, int64_t len, int32_t ret);
IMPORT(IO("streams"), "[method]input-stream.subscribe") extern int32_t w_in_subscribe(int32_t self);
IMPORT(IO("streams"), "[resource-drop]input-stream") extern void w_in_drop(int32_t self);
IMPORT(IO("streams"), "[method]output-stream.check-write")
extern void w_check_write(int32_t self, int32_t ret);
IMPORT(IO("streams"), "[method]output-stream.write")
extern void w_write(int32_t self, int32_t ptr, int32_t len, int32_t ret);
IMPORT(IO("streams"), "[method]output-stream.blocking-write-and-flush")
extern void w_blocking_write_and_flush(int32_t self, int32_t ptr, int32_t len, int32_t ret);
IMPORT(IO("streams"), "[method]output-stream.flush") extern void w_flush(int32_t self, int32_t ret);
IMPORT(IO("streams"), "[method]output-stream.blocking-flush")
extern void w_blocking_flush(int32_t self, int32_t ret);
IMPORT(IO("streams"), "[method]output-stream.write-zeroes")
extern void w_write_zeroes(int32_t self, int64_t len, int32_t ret);
IMPORT(IO("streams"), "[method]output-stream.blocking-write-zeroes-and-flush")
extern void w_blocking_write_zeroes_and_flush(int32_t self, int64_t len, int32_t ret);
IMPORT(IO("streams"), "[method]output-stream.splice")
extern void w_splice(int32_t self, int32_t src, int64_t len, int32_t ret);
IMPORT(IO("streams"), "[method]output-stream.blocking-splice")
extern void w_blocking_splice(int32_t self, int32_t src, int64_t len, int32_t ret);
IMPORT(IO("streams"), "[method]output-stream.subscribe")
extern int32_t w_out_subscribe(int32_t self);
IMPORT(IO("streams"), "[resource-drop]output-stream") extern void w_out_drop(int32_t self);
// wasi:cli/stdin, wasi:clocks/monotonic-clock
IMPORT("wasi:cli/stdin@0.2.12", "get-stdin") extern int32_t w_get_stdin(void);
IMPORT("wasi:clocks/monotonic-clock@0.2.12", "now") extern int64_t w_now(void);
IMPORT("wasi:clocks/monotonic-clock@0.2.12", "subscribe-duration")
extern int32_t w_subscribe_duration(int64_t ns);

// ---- result layouts ---------------------------------------------------------------------------
// result<_, error-code>: tag @0, code @1.
typedef struct {
  uint8_t tag, code;
} r_unit_ec;
// result<handle, error-code> and result<tuple<h, h>, error-code>: tag @0, payload @4.
typedef struct {
  uint8_t tag;
  uint8_t pad[3];
  union {
    uint32_t h[2];
    uint8_t code;
  } u;
} r_h_ec;
// result<u64, error-code>: tag @0, payload @8.
typedef struct {
  _Alignas(8) uint8_t tag;
  uint8_t pad[7];
  union {
    uint64_t v;
    uint8_t code;
  } u;
} r_u64_ec;
// result<list<T>, error-code>: tag @0, ptr/len @4 (or code @4).
typedef struct {
  uint8_t tag;
  uint8_t pad[3];
  union {
    struct {
      uint32_t ptr, len;
    } l;
    uint8_t code;
  } u;
} r_list_ec;
// stream-error: tag @0 (0 last-operation-failed(error), 1 closed), error handle @4.
typedef struct {
  uint8_t tag;
  uint8_t pad[3];
  uint32_t err;
} stream_error;
// result<_, stream-error> and result<list<u8>, stream-error>: tag @0, payload @4.
typedef struct {
  uint8_t tag;
  uint8_t pad[3];
  union {
    struct {
      uint32_t ptr, len;
    } l;
    stream_error e;
  } u;
} r_se;
// result<u64, stream-error>: tag @0, payload @8.
typedef struct {
  _Alignas(8) uint8_t tag;
  uint8_t pad[7];
  union {
    uint64_t v;
    stream_error e;
  } u;
} r_u64_se;

// result<tuple<h, h, h>, error-code>: tag @0, payload @4.
typedef struct {
  uint8_t tag;
  uint8_t pad[3];
  union {
    uint32_t h[3];
    uint8_t code;
  } u;
} r_h3_ec;
_Static_assert(sizeof(r_h_ec) == 12, "r_h_ec");
_Static_assert(sizeof(r_h3_ec) == 16, "r_h3_ec");
_Static_assert(sizeof(r_u64_ec) == 16, "r_u64_ec");
_Static_assert(sizeof(r_se) == 12, "r_se");
_Static_assert(sizeof(r_u64_se) == 16, "r_u64_se");

static int ec(uint8_t code) { return WS_ERR(code); }
static int se(const stream_error *e) {
  if (e->tag == 0) {
    w_error_drop((int32_t)e->err);
    return WS_STREAM_FAILED;
  }
  return WS_STREAM_CLOSED;
}

static const char *const kNames[] = {"unknown",
                                     "access-denied",
                                     "not-supported",
                                     "invalid-argument",
                                     "out-of-memory",
                                     "timeout",
                                     "concurrency-conflict",
                                     "not-in-progress",
                                     "would-block",
                                     "invalid-state",
                                     "new-socket-limit",
                                     "address-not-bindable",
                                     "address-in-use",
                                     "remote-unreachable",
                                     "connection-refused",
                                     "connection-reset",
                                     "connection-aborted",
                                     "datagram-too-large",
                                     "name-unresolvable",
                                     "temporary-resolver-failure",
                                     "permanent-resolver-failure"};

const char *ws_error_name(int err) {
  if (err == 0) return "ok";
  if (err == WS_STREAM_CLOSED) return "closed";
  if (err == WS_STREAM_FAILED) return "last-operation-failed";
  if (err == -1) return "unknown-path";
  if (err >= 1 && err <= 21) return kNames[err - 1];
  return "?";
}

// ---- addresses --------------------------------------------------------------------------------
static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "a.b.c.d" with each part 0..255; 0 on success.
static int parse_v4(const char *ip, uint8_t out[4]) {
  unsigned a, b, c, d;
  char tail;
  if (sscanf(ip, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 ||
      d > 255)
    return 1;
  out[0] = (uint8_t)a, out[1] = (uint8_t)b, out[2] = (uint8_t)c, out[3] = (uint8_t)d;
  return 0;
}

// "%N" after an IPv6 address: a numeric zone (interface index; wasm has no if_nametoindex).
static int parse_zone(const char *zone, uint32_t *scope_id) {
  char *end;
  unsigned long v = strtoul(zone, &end, 10);
  if (!*zone || *end || v > 0xffffffffUL) return 1;
  *scope_id = (uint32_t)v;
  return 0;
}

// Appends one 16-bit group before or after the "::" gap.
static int push_group(uint16_t head[8], int *nh, uint16_t tail[8], int *nt, int after_gap,
                      uint16_t v) {
  if (after_gap) {
    if (*nt == 8) return 1;
    tail[(*nt)++] = v;
  } else {
    if (*nh == 8) return 1;
    head[(*nh)++] = v;
  }
  return 0;
}

int ws_parse_addr(const char *ip, uint16_t port, ws_addr *out) {
  memset(out, 0, sizeof *out);
  out->port = port;
  if (!strchr(ip, ':')) return parse_v4(ip, out->v4);
  out->is_v6 = 1;
  // The zone ("fe80::1%1") is split off first so the groups parse alone.
  char text[64];
  const char *zone = strchr(ip, '%');
  size_t len = zone ? (size_t)(zone - ip) : strlen(ip);
  if (len >= sizeof text || (zone && parse_zone(zone + 1, &out->scope_id))) return 1;
  memcpy(text, ip, len);
  text[len] = 0;
  uint16_t head[8], tail[8];
  int nh = 0, nt = 0, seen_gap = 0;
  const char *p = text;
  if (p[0] == ':' && p[1] == ':') seen_gap = 1, p += 2;
  while (*p) {
    // A dotted IPv4 tail ("::ffff:127.0.0.1", "::127.0.0.1") is the last two groups.
    if (strchr(p, '.') && !strchr(p, ':')) {
      uint8_t q[4];
      if (parse_v4(p, q) ||
          push_group(head, &nh, tail, &nt, seen_gap, (uint16_t)(q[0] << 8 | q[1])) ||
          push_group(head, &nh, tail, &nt, seen_gap, (uint16_t)(q[2] << 8 | q[3])))
        return 1;
      break;
    }
    int v = 0, digits = 0;
    while (hexval(*p) >= 0 && digits < 4) v = v * 16 + hexval(*p++), digits++;
    if (!digits || push_group(head, &nh, tail, &nt, seen_gap, (uint16_t)v)) return 1;
    if (*p == 0) break;
    if (*p != ':') return 1;
    p++;
    if (*p == ':') {
      if (seen_gap) return 1;
      seen_gap = 1, p++;
    }
  }
  if (nh + nt > 8 || (!seen_gap && nh != 8)) return 1;
  for (int i = 0; i < nh; i++) out->v6[i] = head[i];
  for (int i = 0; i < nt; i++) out->v6[8 - nt + i] = tail[i];
  return 0;
}

char *ws_format_ip(const ws_addr *a, char *buf, size_t len) {
  if (!a->is_v6) {
    snprintf(buf, len, "%u.%u.%u.%u", a->v4[0], a->v4[1], a->v4[2], a->v4[3]);
    return buf;
  }
  // RFC 5952: the longest run (>= 2) of zero segments becomes "::".
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && a->v6[j] == 0) j++;
    if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
    i = j > i ? j : i + 1;
  }
  size_t n = 0;
  buf[0] = 0;
  for (int i = 0; i < 8 && n < len; i++) {
    if (i == best) {
      n += (size_t)snprintf(buf + n, len - n, "::");
      i += best_len - 1;
      continue;
    }
    n += (size_t)snprintf(buf + n, len - n, "%s%x", (i && i != best + best_len) ? ":" : "",
                          a->v6[i]);
  }
  return buf;
}

// The 12 flat slots of an ip-socket-address.
static void flatten(const ws_addr *a, int32_t s[12]) {
  memset(s, 0, 12 * sizeof s[0]);
  s[0] = a->is_v6;
  s[1] = a->port;
  if (!a->is_v6) {
    for (int i = 0; i < 4; i++) s[2 + i] = a->v4[i];
  } else {
    s[2] = (int32_t)a->flow_info;
    for (int i = 0; i < 8; i++) s[3 + i] = a->v6[i];
    s[11] = (int32_t)a->scope_id;
  }
}
#define SLOTS(s) s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11]

// ip-socket-address in memory: tag @0, payload @4 (32 bytes, align 4).
typedef struct {
  uint8_t tag;
  uint8_t pad[3];
  union {
    struct {
      uint16_t port;
      uint8_t addr[4];
    } v4;
    struct {
      uint16_t port;
      uint16_t pad;
      uint32_t flow;
      uint16_t seg[8];
      uint32_t scope;
    } v6;
  } u;
} mem_sockaddr;
_Static_assert(sizeof(mem_sockaddr) == 32, "mem_sockaddr");

static void store_sockaddr(const ws_addr *a, mem_sockaddr *m) {
  memset(m, 0, sizeof *m);
  m->tag = (uint8_t)a->is_v6;
  if (!a->is_v6) {
    m->u.v4.port = a->port;
    memcpy(m->u.v4.addr, a->v4, 4);
  } else {
    m->u.v6.port = a->port;
    m->u.v6.flow = a->flow_info;
    memcpy(m->u.v6.seg, a->v6, 16);
    m->u.v6.scope = a->scope_id;
  }
}

static void load_sockaddr(const mem_sockaddr *m, ws_addr *a) {
  memset(a, 0, sizeof *a);
  a->is_v6 = m->tag;
  if (!m->tag) {
    a->port = m->u.v4.port;
    memcpy(a->v4, m->u.v4.addr, 4);
  } else {
    a->port = m->u.v6.port;
    a->flow_info = m->u.v6.flow;
    memcpy(a->v6, m->u.v6.seg, 16);
    a->scope_id = m->u.v6.scope;
  }
}

// ---- network ----------------------------------------------------------------------------------
int32_t ws_network(void) {
  static int32_t net;
  if (!net) net = w_instance_network();
  return net;
}

// ---- TCP --------------------------------------------------------------------------------------
int ws_tcp_create(int is_v6, int32_t *sock) {
  r_h_ec r;
  w_create_tcp_socket(is_v6, P(&r));
  if (r.tag) return ec(r.u.code);
  *sock = (int32_t)r.u.h[0];
  return 0;
}

int ws_tcp_start_connect(int32_t sock, const ws_addr *to) {
  int32_t s[12];
  flatten(to, s);
  r_unit_ec r;
  w_tcp_start_connect(sock, ws_network(), SLOTS(s), P(&r));
  return r.tag ? ec(r.code) : 0;
}

int ws_tcp_finish_connect(int32_t sock, int32_t *in, int32_t *out) {
  r_h_ec r;
  w_tcp_finish_connect(sock, P(&r));
  if (r.tag) return ec(r.u.code);
  *in = (int32_t)r.u.h[0];
  *out = (int32_t)r.u.h[1];
  return 0;
}

int32_t ws_tcp_subscribe(int32_t sock) { return w_tcp_subscribe(sock); }

int ws_tcp_listen(const ws_addr *local, int32_t *sock) {
  int err = ws_tcp_create(local->is_v6, sock);
  if (err) return err;
  int32_t s[12];
  flatten(local, s);
  r_unit_ec r;
  w_tcp_start_bind(*sock, ws_network(), SLOTS(s), P(&r));
  if (!r.tag) w_tcp_finish_bind(*sock, P(&r));
  if (!r.tag) w_tcp_start_listen(*sock, P(&r));
  if (!r.tag) w_tcp_finish_listen(*sock, P(&r));
  if (r.tag) {
    w_tcp_drop(*sock);
    *sock = 0;
    return ec(r.code);
  }
  return 0;
}

int ws_tcp_accept(int32_t sock, ws_tcp *conn) {
  r_h3_ec r;
  w_tcp_accept(sock, P(&r));
  if (r.tag) return ec(r.u.code);
  conn->sock = (int32_t)r.u.h[0];
  conn->in = (int32_t)r.u.h[1];
  conn->out = (int32_t)r.u.h[2];
  return 0;
}

int ws_tcp_connect(const ws_addr *to, ws_tcp *conn, int *stage) {
  memset(conn, 0, sizeof *conn);
  int32_t sock;
  int err = ws_tcp_create(to->is_v6, &sock);
  if (err) {
    if (stage) *stage = 0;
    return err;
  }
  err = ws_tcp_start_connect(sock, to);
  if (err) {
    if (stage) *stage = 1;
    w_tcp_drop(sock);
    return err;
  }
  int32_t p = w_tcp_subscribe(sock);
  for (;;) {
    w_block(p);
    err = ws_tcp_finish_connect(sock, &conn->in, &conn->out);
    if (err != WS_ERR(WS_EC_WOULD_BLOCK)) break;
  }
  w_pollable_drop(p);
  if (err) {
    if (stage) *stage = 2;
    w_tcp_drop(sock);
    return err;
  }
  conn->sock = sock;
  return 0;
}

int ws_tcp_shutdown(int32_t sock, int how) {
  r_unit_ec r;
  w_tcp_shutdown(sock, how, P(&r));
  return r.tag ? ec(r.code) : 0;
}

void ws_tcp_socket_drop(int32_t sock) { w_tcp_drop(sock); }

void ws_tcp_close(ws_tcp *c) {
  if (c->in) w_in_drop(c->in);
  if (c->out) w_out_drop(c->out);
  if (c->sock) w_tcp_drop(c->sock);
  memset(c, 0, sizeof *c);
}

// ---- output-stream ----------------------------------------------------------------------------
int ws_check_write(int32_t out, uint64_t *n) {
  r_u64_se r;
  w_check_write(out, P(&r));
  if (r.tag) return se(&r.u.e);
  *n = r.u.v;
  return 0;
}

int ws_write(int32_t out, const void *data, size_t len) {
  r_se r;
  w_write(out, P(data), (int32_t)len, P(&r));
  return r.tag ? se(&r.u.e) : 0;
}

int ws_blocking_write_and_flush(int32_t out, const void *data, size_t len) {
  r_se r;
  w_blocking_write_and_flush(out, P(data), (int32_t)len, P(&r));
  return r.tag ? se(&r.u.e) : 0;
}

int ws_flush(int32_t out) {
  r_se r;
  w_flush(out, P(&r));
  return r.tag ? se(&r.u.e) : 0;
}

int ws_blocking_flush(int32_t out) {
  r_se r;
  w_blocking_flush(out, P(&r));
  return r.tag ? se(&r.u.e) : 0;
}

int ws_write_zeroes(int32_t out, uint64_t len) {
  r_se r;
  w_write_zeroes(out, (int64_t)len, P(&r));
  return r.tag ? se(&r.u.e) : 0;
}

int ws_blocking_write_zeroes_and_flush(int32_t out, uint64_t len) {
  r_se r;
  w_blocking_write_zeroes_and_flush(out, (int64_t)len, P(&r));
  return r.tag ? se(&r.u.e) : 0;
}

int ws_splice(int32_t out, int32_t src, uint64_t len, uint64_t *done) {
  r_u64_se r;
  w_splice(out, src, (int64_t)len, P(&r));
  if (r.tag) return se(&r.u.e);
  *done = r.u.v;
  return 0;
}

int ws_blocking_splice(int32_t out, int32_t src, uint64_t len, uint64_t *done) {
  r_u64_se r;
  w_blocking_splice(out, src, (int64_t)len, P(&r));
  if (r.tag) return se(&r.u.e);
  *done = r.u.v;
  return 0;
}

int32_t ws_output_subscribe(int32_t out) { return w_out_subscribe(out); }
void ws_output_drop(int32_t out) { w_out_drop(out); }

static void block_once(int32_t p) {
  w_block(p);
  w_pollable_drop(p);
}

// check-write, waiting (subscribe + block) while the permit is 0.
static int wait_permit(int32_t out, uint64_t *permit) {
  for (;;) {
    int err = ws_check_write(out, permit);
    if (err || *permit) return err;
    block_once(w_out_subscribe(out));
  }
}

// flush, then wait until the flush completed (check-write answers again with a permit).
static int flush_and_wait(int32_t out) {
  int err = ws_flush(out);
  if (err) return err;
  uint64_t permit;
  return wait_permit(out, &permit);
}

static char pattern[65536];
static const char *pattern_data(void) {
  if (!pattern[1])
    for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (char)('a' + i % 26);
  return pattern;
}

static const char *const kPaths[] = {"write",        "blocking-write-and-flush",
                                     "write-zeroes", "blocking-write-zeroes-and-flush",
                                     "splice",       "blocking-splice"};

int ws_is_write_path(const char *path) {
  for (size_t i = 0; i < sizeof kPaths / sizeof kPaths[0]; i++)
    if (strcmp(path, kPaths[i]) == 0) return 1;
  return 0;
}

int ws_send_all(int32_t out, const char *path, const void *data, uint64_t len, int32_t src,
                uint64_t *sent_out) {
  uint64_t sent = 0;
  int err = 0;
  const char *bytes = data;
  int repeat = 0;
  if (!bytes) bytes = pattern_data(), repeat = 1;
#define SRC (repeat ? bytes + (sent % 26) : bytes + sent)
#define MAXCHUNK(cap) (repeat ? (cap)-26 : (cap))
  if (strcmp(path, "write") == 0 || strcmp(path, "write-zeroes") == 0) {
    int zeroes = path[5] == '-';
    while (sent < len && !err) {
      uint64_t permit;
      if ((err = wait_permit(out, &permit))) break;
      uint64_t n = len - sent;
      if (n > permit) n = permit;
      if (n > MAXCHUNK(sizeof pattern)) n = MAXCHUNK(sizeof pattern);
      err = zeroes ? ws_write_zeroes(out, n) : ws_write(out, SRC, (size_t)n);
      if (!err) sent += n;
    }
    if (!err) err = flush_and_wait(out);
  } else if (strcmp(path, "blocking-write-and-flush") == 0 ||
             strcmp(path, "blocking-write-zeroes-and-flush") == 0) {
    int zeroes = path[14] == 'z';
    while (sent < len && !err) {
      uint64_t n = len - sent;
      if (n > 4096) n = 4096;  // the most these calls may be given
      err = zeroes ? ws_blocking_write_zeroes_and_flush(out, n)
                   : ws_blocking_write_and_flush(out, SRC, (size_t)n);
      if (!err) sent += n;
    }
  } else if (strcmp(path, "splice") == 0) {
    while (sent < len && !err) {
      uint64_t permit, done = 0;
      if ((err = wait_permit(out, &permit))) break;
      uint64_t n = len - sent;
      if (n > permit) n = permit;
      if ((err = ws_splice(out, src, n, &done))) break;
      sent += done;
      if (done == 0) block_once(w_in_subscribe(src));  // nothing to read yet
    }
    if (!err) err = flush_and_wait(out);
  } else if (strcmp(path, "blocking-splice") == 0) {
    while (sent < len && !err) {
      uint64_t done = 0;
      if ((err = ws_blocking_splice(out, src, len - sent, &done))) break;
      sent += done;
    }
    if (!err) err = ws_blocking_flush(out);
  } else {
    err = -1;
  }
#undef SRC
#undef MAXCHUNK
  if (sent_out) *sent_out = sent;
  return err;
}

// ---- input-stream -----------------------------------------------------------------------------
static int take_list(const r_se *r, void *buf, size_t cap, size_t *got) {
  if (r->tag) return se(&r->u.e);
  size_t n = r->u.l.len < cap ? r->u.l.len : cap;
  memcpy(buf, (void *)(uintptr_t)r->u.l.ptr, n);
  if (r->u.l.len) free((void *)(uintptr_t)r->u.l.ptr);
  *got = n;
  return 0;
}

int ws_read(int32_t in, void *buf, size_t cap, size_t *got) {
  r_se r;
  w_read(in, (int64_t)cap, P(&r));
  return take_list(&r, buf, cap, got);
}

int ws_blocking_read(int32_t in, void *buf, size_t cap, size_t *got) {
  r_se r;
  w_blocking_read(in, (int64_t)cap, P(&r));
  return take_list(&r, buf, cap, got);
}

int ws_read_line(int32_t in, char *buf, size_t cap, size_t *got) {
  size_t n = 0;
  int err = 0;
  while (n + 1 < cap) {
    size_t k = 0;
    if ((err = ws_blocking_read(in, buf + n, 1, &k))) break;
    n += k;
    if (k && buf[n - 1] == '\n') break;
  }
  buf[n] = 0;
  *got = n;
  return n ? 0 : err;
}

int32_t ws_input_subscribe(int32_t in) { return w_in_subscribe(in); }
void ws_input_drop(int32_t in) { w_in_drop(in); }
int32_t ws_get_stdin(void) { return w_get_stdin(); }

// ---- poll / clocks ----------------------------------------------------------------------------
void ws_block(int32_t p) { w_block(p); }
int ws_ready(int32_t p) { return w_ready(p) != 0; }
void ws_pollable_drop(int32_t p) { w_pollable_drop(p); }
int32_t ws_subscribe_duration(uint64_t ns) { return w_subscribe_duration((int64_t)ns); }
uint64_t ws_now_ns(void) { return (uint64_t)w_now(); }

size_t ws_poll(const int32_t *pollables, size_t n, uint32_t *ready, size_t cap) {
  struct {
    uint32_t ptr, len;
  } r = {0, 0};
  w_poll(P(pollables), (int32_t)n, P(&r));
  const uint32_t *idx = (const uint32_t *)(uintptr_t)r.ptr;
  for (size_t i = 0; i < r.len && i < cap; i++) ready[i] = idx[i];
  if (r.len) free((void *)(uintptr_t)r.ptr);
  return r.len;
}

// ---- UDP ----------------------------------------------------------------------------------------
int ws_udp_create(int is_v6, int32_t *sock) {
  r_h_ec r;
  w_create_udp_socket(is_v6, P(&r));
  if (r.tag) return ec(r.u.code);
  *sock = (int32_t)r.u.h[0];
  return 0;
}

int ws_udp_bind(int32_t sock, const ws_addr *local) {
  int32_t s[12];
  flatten(local, s);
  r_unit_ec r;
  w_udp_start_bind(sock, ws_network(), SLOTS(s), P(&r));
  if (r.tag) return ec(r.code);
  int32_t p = w_udp_subscribe(sock);
  for (;;) {
    w_udp_finish_bind(sock, P(&r));
    if (!r.tag || r.code != WS_EC_WOULD_BLOCK) break;
    w_block(p);
  }
  w_pollable_drop(p);
  return r.tag ? ec(r.code) : 0;
}

int ws_udp_stream(int32_t sock, const ws_addr *remote, int32_t *in, int32_t *out) {
  int32_t s[12] = {0};
  if (remote) flatten(remote, s);
  r_h_ec r;
  w_udp_stream(sock, remote != NULL, SLOTS(s), P(&r));
  if (r.tag) return ec(r.u.code);
  *in = (int32_t)r.u.h[0];
  *out = (int32_t)r.u.h[1];
  return 0;
}

int ws_udp_open(const ws_addr *remote, int connected, ws_udp *u) {
  memset(u, 0, sizeof *u);
  int err = ws_udp_create(remote->is_v6, &u->sock);
  if (err) return err;
  ws_addr any;
  memset(&any, 0, sizeof any);
  any.is_v6 = remote->is_v6;
  if ((err = ws_udp_bind(u->sock, &any)) ||
      (err = ws_udp_stream(u->sock, connected ? remote : NULL, &u->in, &u->out))) {
    w_udp_drop(u->sock);
    u->sock = 0;
  }
  return err;
}

int ws_udp_check_send(int32_t out, uint64_t *permit) {
  r_u64_ec r;
  w_udp_check_send(out, P(&r));
  if (r.tag) return ec(r.u.code);
  *permit = r.u.v;
  return 0;
}

// outgoing-datagram: data list @0, option<ip-socket-address> @8 (tag @8, address @12); 44 bytes.
typedef struct {
  uint32_t ptr, len;
  uint8_t has_remote;
  uint8_t pad[3];
  mem_sockaddr remote;
} mem_outgoing;
_Static_assert(sizeof(mem_outgoing) == 44, "mem_outgoing");

int ws_udp_send(int32_t out, const void *data, size_t len, const ws_addr *to, uint64_t *accepted) {
  mem_outgoing d;
  memset(&d, 0, sizeof d);
  d.ptr = (uint32_t)P(data);
  d.len = (uint32_t)len;
  if (to) d.has_remote = 1, store_sockaddr(to, &d.remote);
  r_u64_ec r;
  w_udp_send(out, P(&d), 1, P(&r));
  if (r.tag) return ec(r.u.code);
  *accepted = r.u.v;
  return 0;
}

// incoming-datagram: data list @0, ip-socket-address @8; 40 bytes.
typedef struct {
  uint32_t ptr, len;
  mem_sockaddr remote;
} mem_incoming;
_Static_assert(sizeof(mem_incoming) == 40, "mem_incoming");

int ws_udp_receive(int32_t in, void *buf, size_t cap, size_t *len, ws_addr *from, int *got) {
  r_list_ec r;
  w_udp_receive(in, 1, P(&r));
  if (r.tag) return ec(r.u.code);
  *got = (int)r.u.l.len;
  mem_incoming *d = (mem_incoming *)(uintptr_t)r.u.l.ptr;
  for (uint32_t i = 0; i < r.u.l.len; i++) {
    if (i == 0) {
      size_t n = d[i].len < cap ? d[i].len : cap;
      memcpy(buf, (void *)(uintptr_t)d[i].ptr, n);
      *len = d[i].len;
      if (from) load_sockaddr(&d[i].remote, from);
    }
    if (d[i].len) free((void *)(uintptr_t)d[i].ptr);
  }
  if (r.u.l.len) free(d);
  return 0;
}

int32_t ws_udp_socket_subscribe(int32_t sock) { return w_udp_subscribe(sock); }
int32_t ws_udp_in_subscribe(int32_t in) { return w_udp_in_subscribe(in); }
int32_t ws_udp_out_subscribe(int32_t out) { return w_udp_out_subscribe(out); }

void ws_udp_close(ws_udp *u) {
  if (u->in) w_udp_in_drop(u->in);
  if (u->out) w_udp_out_drop(u->out);
  if (u->sock) w_udp_drop(u->sock);
  memset(u, 0, sizeof *u);
}

// ---- ip-name-lookup ---------------------------------------------------------------------------
int ws_resolve_addresses(const char *name, int32_t *stream) {
  r_h_ec r;
  w_resolve_addresses(ws_network(), P(name), (int32_t)strlen(name), P(&r));
  if (r.tag) return ec(r.u.code);
  *stream = (int32_t)r.u.h[0];
  return 0;
}

// result<option<ip-address>, error-code>: tag @0, payload @2: option tag @2, ip-address @4
// (tag @4, payload @6: 4 bytes or 8 u16). 22 bytes, align 2.
typedef struct {
  uint8_t tag, pad0;
  union {
    uint8_t code;
    struct {
      uint8_t some, pad1;
      uint8_t family, pad2;
      union {
        uint8_t v4[4];
        uint16_t v6[8];
      } a;
    } o;
  } u;
} r_next_addr;
_Static_assert(sizeof(r_next_addr) == 22, "r_next_addr");

int ws_resolve_next_address(int32_t stream, ws_addr *addr, int *done) {
  r_next_addr r;
  for (;;) {
    w_resolve_next_address(stream, P(&r));
    if (!r.tag || r.u.code != WS_EC_WOULD_BLOCK) break;
    block_once(w_resolve_subscribe(stream));
  }
  if (r.tag) return ec(r.u.code);
  *done = !r.u.o.some;
  if (r.u.o.some) {
    memset(addr, 0, sizeof *addr);
    addr->is_v6 = r.u.o.family;
    if (!addr->is_v6)
      memcpy(addr->v4, r.u.o.a.v4, 4);
    else
      memcpy(addr->v6, r.u.o.a.v6, 16);
  }
  return 0;
}

void ws_resolve_drop(int32_t stream) { w_resolve_drop(stream); }
