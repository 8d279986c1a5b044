#include "wasi/filesystem/path_resolution.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace sluice::wasi {
namespace {

using component::Err;
using component::Ok;
using component::Unit;

// openat2 fails with EAGAIN when a rename or mount raced with a RESOLVE_BENEATH lookup; the
// kernel's advice is to retry.
constexpr int kRaceRetries = 16;

}  // namespace

FsResult<Unit> check_guest_path(std::string_view path) {
  if (path.empty()) return Err(ErrorCode::kNoEntry);
  if (path.find('\0') != std::string_view::npos) return Err(ErrorCode::kInvalid);
  if (path.front() == '/') return Err(ErrorCode::kNotPermitted);
  return Ok();
}

FsResult<std::shared_ptr<HostFd>> open_beneath(int dir, std::string_view path, int flags,
                                               mode_t mode) {
  FsResult<Unit> valid = check_guest_path(path);
  if (!valid.is_ok()) return Err(valid.err_value());
  std::string c_path(path);
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // The kernel rejects a nonzero mode without O_CREAT.
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    long fd = syscall(SYS_openat2, dir, c_path.c_str(), &how, sizeof how);
    if (fd >= 0) return Ok(HostFd::adopt(static_cast<int>(fd)));
    if (errno == EINTR || (errno == EAGAIN && attempt < kRaceRetries)) continue;
    // EXDEV here means "would leave the directory", not a cross-device link.
    if (errno == EXDEV) return Err(ErrorCode::kNotPermitted);
    return Err(error_code_from_errno(errno));
  }
}

FsResult<ParentAndName> open_parent_beneath(int dir, std::string_view path) {
  FsResult<Unit> valid = check_guest_path(path);
  if (!valid.is_ok()) return Err(valid.err_value());

  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;
  std::string_view without_slashes = path.substr(0, end);
  size_t slash = without_slashes.rfind('/');
  size_t last_start = slash == std::string_view::npos ? 0 : slash + 1;
  std::string_view last = without_slashes.substr(last_start);

  // A last component of "." or ".." makes the operation apply to that directory itself, which
  // the kernel resolves (and confines) like any other directory; the name "." then keeps
  // mkdir/rmdir/unlink/rename on it failing with the usual errors.
  bool names_a_directory = last == "." || last == "..";
  std::string_view parent = names_a_directory                 ? without_slashes
                            : slash == std::string_view::npos ? std::string_view(".")
                                                              : path.substr(0, last_start);
  std::string_view name = names_a_directory ? std::string_view(".") : path.substr(last_start);
  FsResult<std::shared_ptr<HostFd>> opened = open_beneath(dir, parent, O_PATH | O_DIRECTORY);
  if (!opened.is_ok()) return Err(opened.err_value());
  return Ok(ParentAndName{opened.ok_value(), std::string(name)});
}

}  // namespace sluice::wasi
