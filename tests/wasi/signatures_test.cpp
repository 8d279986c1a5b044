// The flattened core signature of every host function must be what guests import. The
// expectations for the functions the preview1 adapter imports are its own import types
// (jco's lib/wasi_snapshot_preview1.command.wasm); the others follow the canonical ABI.
#include <gtest/gtest.h>

#include "tests/wasi/guest_harness.h"

namespace sluice::wasi::testing {
namespace {

struct Expected {
  const char* interface;
  const char* name;
  const char* signature;
};

constexpr Expected kAdapterImports[] = {
    {"wasi:filesystem/types@0.2.12", "filesystem-error-code", "ii:"},
    {"wasi:io/streams@0.2.12", "[method]output-stream.check-write", "ii:"},
    {"wasi:io/streams@0.2.12", "[method]output-stream.write", "iiii:"},
    {"wasi:io/streams@0.2.12", "[method]output-stream.blocking-flush", "ii:"},
    {"wasi:io/streams@0.2.12", "[method]output-stream.blocking-write-and-flush", "iiii:"},
    {"wasi:io/streams@0.2.12", "[method]output-stream.subscribe", "i:i"},
    {"wasi:io/streams@0.2.12", "[method]input-stream.read", "iIi:"},
    {"wasi:io/streams@0.2.12", "[method]input-stream.blocking-read", "iIi:"},
    {"wasi:io/streams@0.2.12", "[method]input-stream.subscribe", "i:i"},
    {"wasi:io/poll@0.2.12", "poll", "iii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.metadata-hash", "ii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.metadata-hash-at", "iiiii:"},
    {"wasi:filesystem/types@0.2.12", "[method]directory-entry-stream.read-directory-entry", "ii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.advise", "iIIii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.sync-data", "ii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.get-flags", "ii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.get-type", "ii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.set-size", "iIi:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.set-times", "iiIiiIii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.read", "iIIi:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.write", "iiiIi:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.append-via-stream", "ii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.read-via-stream", "iIi:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.write-via-stream", "iIi:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.read-directory", "ii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.sync", "ii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.create-directory-at", "iiii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.stat", "ii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.stat-at", "iiiii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.set-times-at", "iiiiiIiiIii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.link-at", "iiiiiiii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.open-at", "iiiiiii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.readlink-at", "iiii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.remove-directory-at", "iiii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.rename-at", "iiiiiii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.symlink-at", "iiiiii:"},
    {"wasi:filesystem/types@0.2.12", "[method]descriptor.unlink-file-at", "iiii:"},
    {"wasi:filesystem/preopens@0.2.6", "get-directories", "i:"},
    {"wasi:cli/environment@0.2.12", "get-arguments", "i:"},
    {"wasi:cli/environment@0.2.12", "get-environment", "i:"},
    {"wasi:cli/exit@0.2.12", "exit", "i:"},
    {"wasi:cli/stdin@0.2.12", "get-stdin", ":i"},
    {"wasi:cli/stdout@0.2.12", "get-stdout", ":i"},
    {"wasi:cli/stderr@0.2.12", "get-stderr", ":i"},
    {"wasi:cli/terminal-stdin@0.2.12", "get-terminal-stdin", "i:"},
    {"wasi:cli/terminal-stdout@0.2.12", "get-terminal-stdout", "i:"},
    {"wasi:cli/terminal-stderr@0.2.12", "get-terminal-stderr", "i:"},
    {"wasi:clocks/monotonic-clock@0.2.12", "now", ":I"},
    {"wasi:clocks/monotonic-clock@0.2.12", "resolution", ":I"},
    {"wasi:clocks/monotonic-clock@0.2.12", "subscribe-duration", "I:i"},
    {"wasi:clocks/monotonic-clock@0.2.12", "subscribe-instant", "I:i"},
    {"wasi:clocks/wall-clock@0.2.12", "now", "i:"},
    {"wasi:clocks/wall-clock@0.2.12", "resolution", "i:"},
    {"wasi:random/random@0.2.12", "get-random-bytes", "Ii:"},
};

constexpr Expected kOtherFunctions[] = {
    {"wasi:cli/environment@0.2.0", "initial-cwd", "i:"},
    {"wasi:cli/exit@0.2.0", "exit-with-code", "i:"},
    {"wasi:io/error@0.2.0", "[method]error.to-debug-string", "ii:"},
    {"wasi:io/poll@0.2.0", "[method]pollable.ready", "i:i"},
    {"wasi:io/poll@0.2.0", "[method]pollable.block", "i:"},
    {"wasi:io/streams@0.2.0", "[method]input-stream.skip", "iIi:"},
    {"wasi:io/streams@0.2.0", "[method]input-stream.blocking-skip", "iIi:"},
    {"wasi:io/streams@0.2.0", "[method]output-stream.flush", "ii:"},
    {"wasi:io/streams@0.2.0", "[method]output-stream.write-zeroes", "iIi:"},
    {"wasi:io/streams@0.2.0", "[method]output-stream.blocking-write-zeroes-and-flush", "iIi:"},
    {"wasi:io/streams@0.2.0", "[method]output-stream.splice", "iiIi:"},
    {"wasi:io/streams@0.2.0", "[method]output-stream.blocking-splice", "iiIi:"},
    {"wasi:random/random@0.2.0", "get-random-u64", ":I"},
    {"wasi:random/insecure@0.2.0", "get-insecure-random-bytes", "Ii:"},
    {"wasi:random/insecure@0.2.0", "get-insecure-random-u64", ":I"},
    {"wasi:random/insecure-seed@0.2.0", "insecure-seed", "i:"},
    {"wasi:filesystem/types@0.2.0", "[method]descriptor.is-same-object", "ii:i"},
    // wasi:sockets: an ip-socket-address flattens to 12 i32s (discriminant + the ipv6 case).
    {"wasi:sockets/instance-network@0.2.0", "instance-network", ":i"},
    {"wasi:sockets/network@0.2.0", "network-error-code", "ii:"},
    {"wasi:sockets/tcp-create-socket@0.2.0", "create-tcp-socket", "ii:"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.start-bind", "iiiiiiiiiiiiiii:"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.start-connect", "iiiiiiiiiiiiiii:"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.finish-connect", "ii:"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.accept", "ii:"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.is-listening", "i:i"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.address-family", "i:i"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.set-listen-backlog-size", "iIi:"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.set-keep-alive-enabled", "iii:"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.set-keep-alive-idle-time", "iIi:"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.keep-alive-idle-time", "ii:"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.subscribe", "i:i"},
    {"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.shutdown", "iii:"},
    {"wasi:sockets/udp-create-socket@0.2.0", "create-udp-socket", "ii:"},
    {"wasi:sockets/udp@0.2.0", "[method]udp-socket.stream", "iiiiiiiiiiiiiii:"},
    {"wasi:sockets/udp@0.2.0", "[method]incoming-datagram-stream.receive", "iIi:"},
    {"wasi:sockets/udp@0.2.0", "[method]outgoing-datagram-stream.check-send", "ii:"},
    {"wasi:sockets/udp@0.2.0", "[method]outgoing-datagram-stream.send", "iiii:"},
    {"wasi:sockets/ip-name-lookup@0.2.0", "resolve-addresses", "iiii:"},
    {"wasi:sockets/ip-name-lookup@0.2.0", "[method]resolve-address-stream.resolve-next-address",
     "ii:"},
    {"wasi:sockets/ip-name-lookup@0.2.0", "[method]resolve-address-stream.subscribe", "i:i"},
};

TEST(WasiSignatures, MatchThePreview1AdapterImports) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  for (const Expected& e : kAdapterImports) {
    EXPECT_EQ(guest.signature(e.interface, e.name), e.signature) << e.interface << " " << e.name;
  }
}

TEST(WasiSignatures, FollowTheCanonicalAbi) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  for (const Expected& e : kOtherFunctions) {
    EXPECT_EQ(guest.signature(e.interface, e.name), e.signature) << e.interface << " " << e.name;
  }
}

TEST(WasiSignatures, ResourcesTheAdapterDropsAreDefined) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  const std::pair<const char*, const char*> resources[] = {
      {"wasi:io/error@0.2.12", "error"},
      {"wasi:io/poll@0.2.12", "pollable"},
      {"wasi:io/streams@0.2.12", "input-stream"},
      {"wasi:io/streams@0.2.12", "output-stream"},
      {"wasi:filesystem/types@0.2.12", "descriptor"},
      {"wasi:filesystem/types@0.2.12", "directory-entry-stream"},
      {"wasi:cli/terminal-input@0.2.12", "terminal-input"},
      {"wasi:cli/terminal-output@0.2.12", "terminal-output"},
      {"wasi:sockets/network@0.2.12", "network"},
      {"wasi:sockets/tcp@0.2.12", "tcp-socket"},
      {"wasi:sockets/udp@0.2.12", "udp-socket"},
      {"wasi:sockets/udp@0.2.12", "incoming-datagram-stream"},
      {"wasi:sockets/udp@0.2.12", "outgoing-datagram-stream"},
      {"wasi:sockets/ip-name-lookup@0.2.12", "resolve-address-stream"},
  };
  for (const auto& [interface, name] : resources) {
    const component::HostResourceType* type = guest.host().find_resource(interface, name);
    ASSERT_NE(type, nullptr) << interface << " " << name;
    EXPECT_EQ(type->name, name);
  }
}

}  // namespace
}  // namespace sluice::wasi::testing
