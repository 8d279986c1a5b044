#include "wasi/filesystem/descriptor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "component/utf8.h"
#include "wasi/filesystem/file_streams.h"
#include "wasi/filesystem/path_resolution.h"

namespace sluice::wasi {
namespace {

using component::Err;
using component::Ok;

constexpr uint64_t kMaxOffset = INT64_MAX;  // off_t

// The error-code for the errno a failed syscall just left.
Err<ErrorCode> last_error() { return Err(error_code_from_errno(errno)); }

FsResult<Unit> from_syscall(int rc) {
  if (rc != 0) return last_error();
  return Ok();
}

FsResult<timespec> timespec_from(const NewTimestamp& when) {
  switch (when.index()) {
    case new_timestamp::kNoChange: return Ok(timespec{0, UTIME_OMIT});
    case new_timestamp::kNow: return Ok(timespec{0, UTIME_NOW});
    default: {
      const Datetime& at = std::get<new_timestamp::kTimestamp>(when);
      if (at.seconds > uint64_t(INT64_MAX) || at.nanoseconds >= 1'000'000'000u) {
        return Err(ErrorCode::kInvalid);
      }
      return Ok(timespec{static_cast<time_t>(at.seconds), static_cast<long>(at.nanoseconds)});
    }
  }
}

int posix_advice(Advice advice) {
  switch (advice) {
    case Advice::kNormal: return POSIX_FADV_NORMAL;
    case Advice::kSequential: return POSIX_FADV_SEQUENTIAL;
    case Advice::kRandom: return POSIX_FADV_RANDOM;
    case Advice::kWillNeed: return POSIX_FADV_WILLNEED;
    case Advice::kDontNeed: return POSIX_FADV_DONTNEED;
    case Advice::kNoReuse: return POSIX_FADV_NOREUSE;
  }
  return POSIX_FADV_NORMAL;
}

// Whether open-at with these flags may change the tree or a file in it, which a read-only
// directory refuses. `exclusive` means something only together with `create`, but asking for it
// states the intent to create: it is refused on its own too rather than passed to the kernel.
bool open_may_change_files(OpenFlags open_flags, DescriptorFlags flags) {
  return flags.has(descriptor_flag::kWrite) || open_flags.has(open_flag::kCreate) ||
         open_flags.has(open_flag::kTruncate) || open_flags.has(open_flag::kExclusive);
}

FsResult<struct stat> stat_fd(int fd) {
  struct stat st;
  // AT_EMPTY_PATH also works on O_PATH fds, including ones that name a symlink itself.
  if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return last_error();
  return Ok(st);
}

}  // namespace

std::unique_ptr<Descriptor> Descriptor::preopened_directory(std::shared_ptr<HostFd> dir,
                                                            bool may_mutate) {
  DescriptorFlags flags;
  flags.set(descriptor_flag::kRead);
  flags.set(descriptor_flag::kMutateDirectory, may_mutate);
  return std::unique_ptr<Descriptor>(
      new Descriptor(std::move(dir), Kind::kDirectory, flags, may_mutate));
}

FsResult<Unit> Descriptor::check_directory(bool mutates) const {
  if (!is_directory()) return Err(ErrorCode::kNotDirectory);
  if (mutates && !may_mutate_) return Err(ErrorCode::kNotPermitted);
  return Ok();
}

FsResult<std::shared_ptr<HostFd>> Descriptor::open_path(PathFlags flags,
                                                        std::string_view path) const {
  int open_flags = O_PATH;
  if (!flags.has(path_flag::kSymlinkFollow)) open_flags |= O_NOFOLLOW;
  return open_beneath(fd_->get(), path, open_flags);
}

// ---- files ----------------------------------------------------------------------------------

FsResult<Own<InputStream>> Descriptor::read_via_stream(uint64_t offset) {
  if (is_directory() || !readable()) return Err(ErrorCode::kBadDescriptor);
  return Ok(Own<InputStream>(std::make_unique<FileInputStream>(fd_, offset)));
}

FsResult<Own<OutputStream>> Descriptor::write_via_stream(uint64_t offset) {
  if (is_directory() || !writable()) return Err(ErrorCode::kBadDescriptor);
  return Ok(Own<OutputStream>(FileOutputStream::at(fd_, offset)));
}

FsResult<Own<OutputStream>> Descriptor::append_via_stream() {
  if (is_directory() || !writable()) return Err(ErrorCode::kBadDescriptor);
  return Ok(Own<OutputStream>(FileOutputStream::appending(fd_)));
}

FsResult<Unit> Descriptor::advise(uint64_t offset, uint64_t length, Advice advice) {
  if (is_directory()) return Err(ErrorCode::kBadDescriptor);
  if (offset > kMaxOffset || length > kMaxOffset) return Err(ErrorCode::kInvalid);
  int rc = posix_fadvise(fd_->get(), static_cast<off_t>(offset), static_cast<off_t>(length),
                         posix_advice(advice));
  if (rc != 0) return Err(error_code_from_errno(rc));  // returns the error, not -1/errno
  return Ok();
}

FsResult<Unit> Descriptor::sync_data() { return from_syscall(fdatasync(fd_->get())); }
FsResult<Unit> Descriptor::sync() { return from_syscall(fsync(fd_->get())); }

FsResult<DescriptorFlags> Descriptor::get_flags() { return Ok(flags_); }

FsResult<DescriptorType> Descriptor::get_type() {
  FsResult<struct stat> st = stat_fd(fd_->get());
  if (!st.is_ok()) return Err(st.err_value());
  return Ok(descriptor_type_from_mode(st.ok_value().st_mode));
}

FsResult<Unit> Descriptor::set_size(uint64_t size) {
  if (is_directory()) return Err(ErrorCode::kIsDirectory);
  if (!writable()) return Err(ErrorCode::kNotPermitted);  // as wasmtime
  if (size > kMaxOffset) return Err(ErrorCode::kFileTooLarge);
  return from_syscall(ftruncate(fd_->get(), static_cast<off_t>(size)));
}

FsResult<Unit> Descriptor::set_times(const NewTimestamp& access, const NewTimestamp& modification) {
  if (is_directory() ? !may_mutate_ : !writable()) return Err(ErrorCode::kNotPermitted);
  FsResult<timespec> atime = timespec_from(access);
  FsResult<timespec> mtime = timespec_from(modification);
  if (!atime.is_ok()) return Err(atime.err_value());
  if (!mtime.is_ok()) return Err(mtime.err_value());
  timespec times[2] = {atime.ok_value(), mtime.ok_value()};
  return from_syscall(futimens(fd_->get(), times));
}

FsResult<std::tuple<std::vector<uint8_t>, bool>> Descriptor::read(uint64_t length,
                                                                  uint64_t offset) {
  if (is_directory()) return Err(ErrorCode::kIsDirectory);
  if (!readable()) return Err(ErrorCode::kBadDescriptor);
  if (offset > kMaxOffset) return Err(ErrorCode::kInvalid);
  std::vector<uint8_t> buffer(static_cast<size_t>(std::min(length, kMaxReadChunk)));
  ssize_t n;
  do {
    n = pread(fd_->get(), buffer.data(), buffer.size(), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return last_error();
  buffer.resize(static_cast<size_t>(n));
  bool end_of_file = n == 0 && length > 0;
  return Ok(std::tuple<std::vector<uint8_t>, bool>{std::move(buffer), end_of_file});
}

FsResult<uint64_t> Descriptor::write(std::span<const uint8_t> buffer, uint64_t offset) {
  if (is_directory()) return Err(ErrorCode::kIsDirectory);
  if (!writable()) return Err(ErrorCode::kNotPermitted);  // as wasmtime
  if (offset > kMaxOffset) return Err(ErrorCode::kInvalid);
  ssize_t n;
  do {
    n = pwrite(fd_->get(), buffer.data(), buffer.size(), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return last_error();
  return Ok(static_cast<uint64_t>(n));
}

FsResult<DescriptorStat> Descriptor::stat() {
  FsResult<struct stat> st = stat_fd(fd_->get());
  if (!st.is_ok()) return Err(st.err_value());
  return Ok(descriptor_stat_from(st.ok_value()));
}

bool Descriptor::is_same_object(Descriptor& other) {
  FsResult<struct stat> a = stat_fd(fd_->get());
  FsResult<struct stat> b = stat_fd(other.fd_->get());
  return a.is_ok() && b.is_ok() && a.ok_value().st_dev == b.ok_value().st_dev &&
         a.ok_value().st_ino == b.ok_value().st_ino;
}

FsResult<MetadataHashValue> Descriptor::metadata_hash(const MetadataHashKey& key) {
  FsResult<struct stat> st = stat_fd(fd_->get());
  if (!st.is_ok()) return Err(st.err_value());
  return Ok(metadata_hash_from(st.ok_value(), key));
}

// ---- directories ----------------------------------------------------------------------------

FsResult<Own<DirectoryEntryStream>> Descriptor::read_directory() {
  FsResult<Unit> ok = check_directory(false);
  if (!ok.is_ok()) return Err(ok.err_value());
  // A fresh open of "." gives the stream its own position, independent of other listings.
  int fd = openat(fd_->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error();
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    int error = errno;
    close(fd);
    return Err(error_code_from_errno(error));
  }
  return Ok(Own<DirectoryEntryStream>(std::make_unique<DirectoryEntryStream>(dir)));
}

FsResult<Own<Descriptor>> Descriptor::open_at(PathFlags path_flags, std::string_view path,
                                              OpenFlags open_flags, DescriptorFlags flags) {
  FsResult<Unit> ok = check_directory(false);
  if (!ok.is_ok()) return Err(ok.err_value());
  if (!may_mutate_ && open_may_change_files(open_flags, flags)) {
    return Err(ErrorCode::kNotPermitted);
  }

  // O_NONBLOCK keeps opening a FIFO from waiting for its other end; it is cleared again below
  // for anything that is not a regular file or directory.
  int os_flags = O_NOCTTY | O_NONBLOCK;
  bool read = flags.has(descriptor_flag::kRead), write = flags.has(descriptor_flag::kWrite);
  os_flags |= read && write ? O_RDWR : write ? O_WRONLY : O_RDONLY;
  if (open_flags.has(open_flag::kCreate)) os_flags |= O_CREAT;
  if (open_flags.has(open_flag::kDirectory)) os_flags |= O_DIRECTORY;
  if (open_flags.has(open_flag::kExclusive)) os_flags |= O_EXCL;
  if (open_flags.has(open_flag::kTruncate)) os_flags |= O_TRUNC;
  if (!path_flags.has(path_flag::kSymlinkFollow)) os_flags |= O_NOFOLLOW;
  if (flags.has(descriptor_flag::kFileIntegritySync)) os_flags |= O_SYNC;
  if (flags.has(descriptor_flag::kDataIntegritySync)) os_flags |= O_DSYNC;
  if (flags.has(descriptor_flag::kRequestedWriteSync)) os_flags |= O_RSYNC;

  FsResult<std::shared_ptr<HostFd>> opened = open_beneath(fd_->get(), path, os_flags, 0666);
  if (!opened.is_ok()) return Err(opened.err_value());
  std::shared_ptr<HostFd> fd = opened.ok_value();
  FsResult<struct stat> st = stat_fd(fd->get());
  if (!st.is_ok()) return Err(st.err_value());

  mode_t type = st.ok_value().st_mode & S_IFMT;
  if (type == S_IFDIR) {
    DescriptorFlags dir_flags;
    dir_flags.set(descriptor_flag::kRead, read);
    dir_flags.set(descriptor_flag::kMutateDirectory,
                  may_mutate_ && flags.has(descriptor_flag::kMutateDirectory));
    return Ok(Own<Descriptor>(std::unique_ptr<Descriptor>(
        new Descriptor(std::move(fd), Kind::kDirectory, dir_flags, may_mutate_))));
  }
  if (type != S_IFREG) {
    int fl = fcntl(fd->get(), F_GETFL);
    if (fl >= 0) fcntl(fd->get(), F_SETFL, fl & ~O_NONBLOCK);
  }
  DescriptorFlags file_flags = flags;
  file_flags.set(descriptor_flag::kMutateDirectory, false);
  return Ok(Own<Descriptor>(
      std::unique_ptr<Descriptor>(new Descriptor(std::move(fd), Kind::kFile, file_flags, false))));
}

FsResult<Unit> Descriptor::create_directory_at(std::string_view path) {
  FsResult<Unit> ok = check_directory(true);
  if (!ok.is_ok()) return ok;
  FsResult<ParentAndName> target = open_parent_beneath(fd_->get(), path);
  if (!target.is_ok()) return Err(target.err_value());
  const ParentAndName& at = target.ok_value();
  return from_syscall(mkdirat(at.parent->get(), at.name.c_str(), 0777));
}

FsResult<DescriptorStat> Descriptor::stat_at(PathFlags flags, std::string_view path) {
  FsResult<Unit> ok = check_directory(false);
  if (!ok.is_ok()) return Err(ok.err_value());
  FsResult<std::shared_ptr<HostFd>> target = open_path(flags, path);
  if (!target.is_ok()) return Err(target.err_value());
  FsResult<struct stat> st = stat_fd(target.ok_value()->get());
  if (!st.is_ok()) return Err(st.err_value());
  return Ok(descriptor_stat_from(st.ok_value()));
}

FsResult<Unit> Descriptor::set_times_at(PathFlags flags, std::string_view path,
                                        const NewTimestamp& access,
                                        const NewTimestamp& modification) {
  FsResult<Unit> ok = check_directory(true);
  if (!ok.is_ok()) return ok;
  FsResult<timespec> atime = timespec_from(access);
  FsResult<timespec> mtime = timespec_from(modification);
  if (!atime.is_ok()) return Err(atime.err_value());
  if (!mtime.is_ok()) return Err(mtime.err_value());
  FsResult<std::shared_ptr<HostFd>> target = open_path(flags, path);
  if (!target.is_ok()) return Err(target.err_value());
  timespec times[2] = {atime.ok_value(), mtime.ok_value()};
  return from_syscall(
      utimensat(target.ok_value()->get(), "", times, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
}

FsResult<Unit> Descriptor::link_at(PathFlags old_flags, std::string_view old_path,
                                   Descriptor& new_dir, std::string_view new_path) {
  FsResult<Unit> ok = check_directory(true);
  if (!ok.is_ok()) return ok;
  ok = new_dir.check_directory(true);
  if (!ok.is_ok()) return ok;
  // Following a final symlink would let the link's target lie anywhere, as wasmtime also
  // refuses.
  if (old_flags.has(path_flag::kSymlinkFollow)) return Err(ErrorCode::kInvalid);
  FsResult<ParentAndName> from = open_parent_beneath(fd_->get(), old_path);
  if (!from.is_ok()) return Err(from.err_value());
  FsResult<ParentAndName> to = open_parent_beneath(new_dir.fd_->get(), new_path);
  if (!to.is_ok()) return Err(to.err_value());
  return from_syscall(linkat(from.ok_value().parent->get(), from.ok_value().name.c_str(),
                             to.ok_value().parent->get(), to.ok_value().name.c_str(), 0));
}

FsResult<std::string> Descriptor::readlink_at(std::string_view path) {
  FsResult<Unit> ok = check_directory(false);
  if (!ok.is_ok()) return Err(ok.err_value());
  FsResult<std::shared_ptr<HostFd>> link = open_path(PathFlags{}, path);
  if (!link.is_ok()) return Err(link.err_value());
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = readlinkat(link.ok_value()->get(), "", target.data(), target.size());
    if (n < 0) {
      // The empty-path form reports a non-symlink as ENOENT; POSIX readlink says EINVAL.
      return Err(errno == ENOENT ? ErrorCode::kInvalid : error_code_from_errno(errno));
    }
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      break;
    }
    target.resize(target.size() * 2);  // possibly truncated: retry with more room
  }
  if (!component::is_valid_utf8(target)) return Err(ErrorCode::kIllegalByteSequence);
  return Ok(std::move(target));
}

FsResult<Unit> Descriptor::remove_directory_at(std::string_view path) {
  FsResult<Unit> ok = check_directory(true);
  if (!ok.is_ok()) return ok;
  FsResult<ParentAndName> target = open_parent_beneath(fd_->get(), path);
  if (!target.is_ok()) return Err(target.err_value());
  const ParentAndName& at = target.ok_value();
  return from_syscall(unlinkat(at.parent->get(), at.name.c_str(), AT_REMOVEDIR));
}

FsResult<Unit> Descriptor::rename_at(std::string_view old_path, Descriptor& new_dir,
                                     std::string_view new_path) {
  FsResult<Unit> ok = check_directory(true);
  if (!ok.is_ok()) return ok;
  ok = new_dir.check_directory(true);
  if (!ok.is_ok()) return ok;
  FsResult<ParentAndName> from = open_parent_beneath(fd_->get(), old_path);
  if (!from.is_ok()) return Err(from.err_value());
  FsResult<ParentAndName> to = open_parent_beneath(new_dir.fd_->get(), new_path);
  if (!to.is_ok()) return Err(to.err_value());
  return from_syscall(renameat(from.ok_value().parent->get(), from.ok_value().name.c_str(),
                               to.ok_value().parent->get(), to.ok_value().name.c_str()));
}

FsResult<Unit> Descriptor::symlink_at(std::string_view target, std::string_view new_path) {
  FsResult<Unit> ok = check_directory(true);
  if (!ok.is_ok()) return ok;
  if (target.find('\0') != std::string_view::npos) return Err(ErrorCode::kInvalid);
  // Resolution never follows an absolute link out of the sandbox, but host tools looking at
  // the directory later would: do not let a guest plant one.
  if (!target.empty() && target.front() == '/') return Err(ErrorCode::kNotPermitted);
  FsResult<ParentAndName> at = open_parent_beneath(fd_->get(), new_path);
  if (!at.is_ok()) return Err(at.err_value());
  return from_syscall(symlinkat(std::string(target).c_str(), at.ok_value().parent->get(),
                                at.ok_value().name.c_str()));
}

FsResult<Unit> Descriptor::unlink_file_at(std::string_view path) {
  FsResult<Unit> ok = check_directory(true);
  if (!ok.is_ok()) return ok;
  FsResult<ParentAndName> target = open_parent_beneath(fd_->get(), path);
  if (!target.is_ok()) return Err(target.err_value());
  const ParentAndName& at = target.ok_value();
  return from_syscall(unlinkat(at.parent->get(), at.name.c_str(), 0));
}

FsResult<MetadataHashValue> Descriptor::metadata_hash_at(PathFlags flags, std::string_view path,
                                                         const MetadataHashKey& key) {
  FsResult<Unit> ok = check_directory(false);
  if (!ok.is_ok()) return Err(ok.err_value());
  FsResult<std::shared_ptr<HostFd>> target = open_path(flags, path);
  if (!target.is_ok()) return Err(target.err_value());
  FsResult<struct stat> st = stat_fd(target.ok_value()->get());
  if (!st.is_ok()) return Err(st.err_value());
  return Ok(metadata_hash_from(st.ok_value(), key));
}

}  // namespace sluice::wasi
