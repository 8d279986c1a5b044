#include "wasi/wasi_ctx.h"

#include <fcntl.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "component/utf8.h"
#include "wasi/io/pollable.h"
#include "wasi/random/random_source.h"

namespace sluice::wasi {
namespace {

void require_utf8(const std::string& text, const char* what) {
  if (!component::is_valid_utf8(text)) {
    throw std::invalid_argument(std::string(what) + " is not valid UTF-8: " + text);
  }
}

}  // namespace

WasiCtx::WasiCtx()
    : stdin_(HostFd::borrow(0)),
      stdout_(HostFd::borrow(1)),
      stderr_(HostFd::borrow(2)),
      monotonic_origin_ns_(monotonic_now_ns()),
      insecure_seed_{random_u64(), random_u64()},
      metadata_hash_key_{random_u64(), random_u64()} {}

void WasiCtx::set_arguments(std::vector<std::string> arguments) {
  for (const std::string& arg : arguments) require_utf8(arg, "argument");
  arguments_ = std::move(arguments);
}

void WasiCtx::set_environment(std::vector<std::pair<std::string, std::string>> variables) {
  for (const auto& [name, value] : variables) {
    require_utf8(name, "environment variable name");
    require_utf8(value, "environment variable value");
  }
  environment_ = std::move(variables);
}

void WasiCtx::set_initial_cwd(std::optional<std::string> cwd) {
  if (cwd) require_utf8(*cwd, "initial working directory");
  initial_cwd_ = std::move(cwd);
}

void WasiCtx::preopen_directory(const std::string& host_path, std::string guest_path,
                                DirectoryAccess access) {
  require_utf8(guest_path, "guest path of a preopen");
  int fd = open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot open directory " + host_path);
  }
  preopens_.push_back(Preopen{HostFd::adopt(fd), std::move(guest_path), access});
}

}  // namespace sluice::wasi
