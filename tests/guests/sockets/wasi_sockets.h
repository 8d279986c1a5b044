// wasi_sockets: hand-declared canonical-ABI imports of wasi:sockets@0.2.12 and wasi:io@0.2.12
// (plus wasi:cli/stdin, wasi:clocks/monotonic-clock) with small blocking/non-blocking wrappers,
// for the egress test guests in this directory. Build with
//   sluice_add_c_guest(NAME SOURCES x.c sockets/wasi_sockets.c WIT wit WORLD sockets-guest)
// so `jco new` sees the component type of the imported interfaces.
//
// Conventions: handles are int32_t (canonical-ABI resource handles, never 0 when valid).
// Functions returning `int` answer 0 on success, or a positive error:
//   WS_ERR(code)      a wasi:sockets error-code (enum index, 0..20) -> 1 + code
//   WS_STREAM_CLOSED  a stream-error.closed
//   WS_STREAM_FAILED  a stream-error.last-operation-failed (the error resource is dropped)
// ws_error_name() names any of them ("access-denied", "closed", ...).
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// wasi:sockets/network error-code (enum order).
enum ws_error_code {
  WS_EC_UNKNOWN = 0,
  WS_EC_ACCESS_DENIED = 1,
  WS_EC_NOT_SUPPORTED = 2,
  WS_EC_INVALID_ARGUMENT = 3,
  WS_EC_OUT_OF_MEMORY = 4,
  WS_EC_TIMEOUT = 5,
  WS_EC_CONCURRENCY_CONFLICT = 6,
  WS_EC_NOT_IN_PROGRESS = 7,
  WS_EC_WOULD_BLOCK = 8,
  WS_EC_INVALID_STATE = 9,
  WS_EC_NEW_SOCKET_LIMIT = 10,
  WS_EC_ADDRESS_NOT_BINDABLE = 11,
  WS_EC_ADDRESS_IN_USE = 12,
  WS_EC_REMOTE_UNREACHABLE = 13,
  WS_EC_CONNECTION_REFUSED = 14,
  WS_EC_CONNECTION_RESET = 15,
  WS_EC_CONNECTION_ABORTED = 16,
  WS_EC_DATAGRAM_TOO_LARGE = 17,
  WS_EC_NAME_UNRESOLVABLE = 18,
  WS_EC_TEMPORARY_RESOLVER_FAILURE = 19,
  WS_EC_PERMANENT_RESOLVER_FAILURE = 20,
};
#define WS_ERR(code) (1 + (code))
#define WS_STREAM_CLOSED 100
#define WS_STREAM_FAILED 101
const char *ws_error_name(int err);

// An IP socket address (wasi:sockets/network ip-socket-address).
typedef struct {
  int is_v6;
  uint16_t port;
  uint8_t v4[4];
  uint16_t v6[8];  // host-order segments
  uint32_t flow_info, scope_id;
} ws_addr;
// Parses "127.0.0.1" or "::1" (full or :: compressed IPv6, also with a dotted IPv4 tail as in
// "::ffff:127.0.0.1" and a numeric zone as in "fe80::1%1") into *out; 0 on success.
int ws_parse_addr(const char *ip, uint16_t port, ws_addr *out);
// Formats an address (without port) into buf; returns buf.
char *ws_format_ip(const ws_addr *a, char *buf, size_t len);

// ---- wasi:sockets/instance-network (cached) --------------------------------------------------
int32_t ws_network(void);

// ---- TCP --------------------------------------------------------------------------------------
typedef struct {
  int32_t sock, in, out;  // tcp-socket, input-stream, output-stream
} ws_tcp;
// create-tcp-socket + start-connect + subscribe/block + finish-connect. On failure the socket is
// dropped and *stage tells where it failed (0 create, 1 start-connect, 2 finish-connect) if
// stage is not NULL.
int ws_tcp_connect(const ws_addr *to, ws_tcp *conn, int *stage);
// Non-blocking halves, for many connections under one poll loop.
int ws_tcp_create(int is_v6, int32_t *sock);
int ws_tcp_start_connect(int32_t sock, const ws_addr *to);
// Answers WS_ERR(WS_EC_WOULD_BLOCK) while the connect is in progress.
int ws_tcp_finish_connect(int32_t sock, int32_t *in, int32_t *out);
int32_t ws_tcp_subscribe(int32_t sock);
// Listening: create-tcp-socket, start/finish-bind to `local`, start/finish-listen.
int ws_tcp_listen(const ws_addr *local, int32_t *sock);
// One pending connection; WS_ERR(WS_EC_WOULD_BLOCK) when none is (subscribe to wait).
int ws_tcp_accept(int32_t sock, ws_tcp *conn);
// shutdown-type: 0 receive, 1 send, 2 both.
int ws_tcp_shutdown(int32_t sock, int how);
// Drops the streams, then the socket (any handle 0 is skipped).
void ws_tcp_close(ws_tcp *conn);
void ws_tcp_socket_drop(int32_t sock);

// ---- wasi:io/streams: output-stream ----------------------------------------------------------
int ws_check_write(int32_t out, uint64_t *n);
int ws_write(int32_t out, const void *data, size_t len);  // one `write` call (len <= permit)
int ws_blocking_write_and_flush(int32_t out, const void *data, size_t len);  // len <= 4096
int ws_flush(int32_t out);
int ws_blocking_flush(int32_t out);
int ws_write_zeroes(int32_t out, uint64_t len);                     // len <= permit
int ws_blocking_write_zeroes_and_flush(int32_t out, uint64_t len);  // len <= 4096
int ws_splice(int32_t out, int32_t src, uint64_t len, uint64_t *done);
int ws_blocking_splice(int32_t out, int32_t src, uint64_t len, uint64_t *done);
int32_t ws_output_subscribe(int32_t out);
void ws_output_drop(int32_t out);

// Sends exactly `len` bytes through one write path, looping and blocking as the path needs:
//   "write"                            check-write (+ subscribe/block when 0), write, then a
//                                      final flush + wait
//   "blocking-write-and-flush"         chunks of <= 4096
//   "write-zeroes"                     like write, zeroes
//   "blocking-write-zeroes-and-flush"  chunks of <= 4096, zeroes
//   "splice" / "blocking-splice"       from `src` (an input-stream), waiting on both streams
// `data` may be NULL (a repeating pattern is sent) and is ignored by the zeroes/splice paths.
// *sent (if not NULL) gets the bytes the host accepted, also on failure. Returns 0 or an error;
// -1 for an unknown path.
int ws_send_all(int32_t out, const char *path, const void *data, uint64_t len, int32_t src,
                uint64_t *sent);
int ws_is_write_path(const char *path);

// ---- wasi:io/streams: input-stream -----------------------------------------------------------
// One read / blocking-read of at most `cap` bytes; *got = bytes copied into buf.
int ws_read(int32_t in, void *buf, size_t cap, size_t *got);
int ws_blocking_read(int32_t in, void *buf, size_t cap, size_t *got);
// Blocking reads until a '\n' (included), cap-1 bytes or end of stream; NUL-terminates.
int ws_read_line(int32_t in, char *buf, size_t cap, size_t *got);
int32_t ws_input_subscribe(int32_t in);
void ws_input_drop(int32_t in);

// ---- wasi:cli/stdin ----------------------------------------------------------------------------
int32_t ws_get_stdin(void);

// ---- wasi:io/poll + wasi:clocks/monotonic-clock ---------------------------------------------
void ws_block(int32_t pollable);
int ws_ready(int32_t pollable);
// poll(list<borrow<pollable>>): writes the ready indexes into ready[] (at most cap) and returns
// how many there were.
size_t ws_poll(const int32_t *pollables, size_t n, uint32_t *ready, size_t cap);
void ws_pollable_drop(int32_t pollable);
int32_t ws_subscribe_duration(uint64_t nanoseconds);
uint64_t ws_now_ns(void);

// ---- UDP ----------------------------------------------------------------------------------------
typedef struct {
  int32_t sock, in, out;  // udp-socket, incoming-datagram-stream, outgoing-datagram-stream
} ws_udp;
int ws_udp_create(int is_v6, int32_t *sock);
int ws_udp_bind(int32_t sock, const ws_addr *local);  // start-bind + finish-bind
// %stream(remote): remote may be NULL (unconnected).
int ws_udp_stream(int32_t sock, const ws_addr *remote, int32_t *in, int32_t *out);
// create + bind to the unspecified address of the family, port 0 + stream(remote).
int ws_udp_open(const ws_addr *remote, int connected, ws_udp *u);
int ws_udp_check_send(int32_t out, uint64_t *permit);
// send(list of one datagram); `to` NULL for a connected stream. *accepted = datagrams taken.
int ws_udp_send(int32_t out, const void *data, size_t len, const ws_addr *to, uint64_t *accepted);
// receive(max 1): *got = 1 and the data copied into buf (truncated to cap, *len = full size),
// or *got = 0 when none is ready.
int ws_udp_receive(int32_t in, void *buf, size_t cap, size_t *len, ws_addr *from, int *got);
int32_t ws_udp_socket_subscribe(int32_t sock);
int32_t ws_udp_in_subscribe(int32_t in);
int32_t ws_udp_out_subscribe(int32_t out);
void ws_udp_close(ws_udp *u);

// ---- wasi:sockets/ip-name-lookup -------------------------------------------------------------
int ws_resolve_addresses(const char *name, int32_t *stream);
// *done = 1 at the end of the stream; blocks (subscribe + block) on would-block.
int ws_resolve_next_address(int32_t stream, ws_addr *addr, int *done);
void ws_resolve_drop(int32_t stream);

#ifdef __cplusplus
}
#endif
