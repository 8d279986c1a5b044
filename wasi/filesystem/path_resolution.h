// Resolving guest paths so that nothing outside a preopened directory is reachable.
//
// Every path is resolved by the kernel with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS):
// absolute paths, `..` above the starting directory and symlinks leading out of it (absolute or
// relative) all fail with EXDEV, reported as `not-permitted`; /proc magic links are refused too.
// Operations that have no openat2 form (mkdirat, unlinkat, renameat, symlinkat, linkat) first
// open the *parent* directory that way, then act on a single final name relative to that fd,
// which never follows a symlink: there is no path string left for the kernel to walk out of the
// sandbox, and no window between a check and a use.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "wasi/filesystem/error_code.h"
#include "wasi/io/host_fd.h"

namespace sluice::wasi {

// Rejects paths no resolution can accept: empty (no-entry), absolute (not-permitted), containing
// NUL (invalid, since the OS would silently cut the path there).
FsResult<component::Unit> check_guest_path(std::string_view path);

// openat2(dir, path, flags | O_CLOEXEC, mode) confined beneath `dir`.
FsResult<std::shared_ptr<HostFd>> open_beneath(int dir, std::string_view path, int flags,
                                               mode_t mode = 0);

// The directory holding the last component of `path` (opened O_PATH beneath `dir`), and that
// component. Trailing slashes stay on the name so the kernel still requires a directory there.
// A last component of `.` or `..` becomes the directory it names, with name ".".
struct ParentAndName {
  std::shared_ptr<HostFd> parent;
  std::string name;
};
FsResult<ParentAndName> open_parent_beneath(int dir, std::string_view path);

}  // namespace sluice::wasi
