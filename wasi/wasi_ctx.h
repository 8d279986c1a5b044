// The WASI state of one sandbox: what its guest sees as arguments, environment, preopened
// directories and stdio. Host functions reach it as cx.embedder<WasiCtx>() (the embedder
// pointer of every canon-lowered WASI import must point to the sandbox's WasiCtx).
//
//   WasiCtx wasi;                                   // inherits the host's fds 0, 1, 2
//   wasi.set_arguments({"agent.wasm", "--flag"});
//   wasi.set_environment({{"HOME", "/"}});
//   wasi.preopen_directory("/srv/data", "/data", DirectoryAccess::kReadOnly);
//   wasi.set_stdin(HostFd::adopt(open("/dev/null", O_RDONLY)));
//
// The embedder must ignore SIGPIPE (see io/fd_streams.h). Not thread-safe: one sandbox, one
// thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wasi/filesystem/file_metadata.h"
#include "wasi/io/host_fd.h"

namespace sluice::egress {
class Egress;
}

namespace sluice::wasi {

// What the guest may do below a preopened directory. kReadOnly: read, list and stat only; every
// change is refused with `not-permitted` (see wasi/filesystem/descriptor.h). The host fd is
// O_RDONLY either way: Linux cannot open a directory for writing, and mkdirat, unlinkat and the
// like do not consult an fd's access mode, so the refusal is Descriptor's to make; files below a
// read-only preopen are opened O_RDONLY, so writes to them also meet the kernel's refusal.
enum class DirectoryAccess { kReadWrite, kReadOnly };

struct Preopen {
  std::shared_ptr<HostFd> directory;  // O_RDONLY | O_DIRECTORY
  std::string guest_path;             // e.g. "/data" or "."
  DirectoryAccess access;
};

class WasiCtx {
 public:
  WasiCtx();

  // Strings reach the guest as WIT strings, so they must be UTF-8: these throw
  // std::invalid_argument otherwise.
  void set_arguments(std::vector<std::string> arguments);
  void set_environment(std::vector<std::pair<std::string, std::string>> variables);
  void set_initial_cwd(std::optional<std::string> cwd);

  // Opens `host_path` now (so a missing directory is reported before the guest runs; throws
  // std::system_error) and offers it to the guest as `guest_path`.
  void preopen_directory(const std::string& host_path, std::string guest_path,
                         DirectoryAccess access = DirectoryAccess::kReadWrite);

  void set_stdin(std::shared_ptr<HostFd> fd) { stdin_ = std::move(fd); }
  void set_stdout(std::shared_ptr<HostFd> fd) { stdout_ = std::move(fd); }
  void set_stderr(std::shared_ptr<HostFd> fd) { stderr_ = std::move(fd); }

  // The sandbox's egress points (wasi:sockets asks it before anything leaves and reports to it
  // what did). Not owned; must outlive the guest. Null, the default, denies all network access.
  void set_egress(egress::Egress* egress) { egress_ = egress; }
  egress::Egress* egress() const { return egress_; }

  const std::vector<std::string>& arguments() const { return arguments_; }
  const std::vector<std::pair<std::string, std::string>>& environment() const {
    return environment_;
  }
  const std::optional<std::string>& initial_cwd() const { return initial_cwd_; }
  const std::vector<Preopen>& preopens() const { return preopens_; }
  const std::shared_ptr<HostFd>& stdin_fd() const { return stdin_; }
  const std::shared_ptr<HostFd>& stdout_fd() const { return stdout_; }
  const std::shared_ptr<HostFd>& stderr_fd() const { return stderr_; }

  // wasi:clocks/monotonic-clock counts from this instant (CLOCK_MONOTONIC ns), so guests see
  // time since their sandbox started rather than the host's uptime.
  uint64_t monotonic_origin_ns() const { return monotonic_origin_ns_; }
  // wasi:random/insecure-seed: fixed per sandbox, as the interface intends.
  std::pair<uint64_t, uint64_t> insecure_seed() const { return insecure_seed_; }
  const MetadataHashKey& metadata_hash_key() const { return metadata_hash_key_; }

 private:
  std::vector<std::string> arguments_;
  std::vector<std::pair<std::string, std::string>> environment_;
  std::optional<std::string> initial_cwd_;
  std::vector<Preopen> preopens_;
  std::shared_ptr<HostFd> stdin_;
  std::shared_ptr<HostFd> stdout_;
  std::shared_ptr<HostFd> stderr_;
  uint64_t monotonic_origin_ns_;
  std::pair<uint64_t, uint64_t> insecure_seed_;
  MetadataHashKey metadata_hash_key_;
  egress::Egress* egress_ = nullptr;
};

}  // namespace sluice::wasi
