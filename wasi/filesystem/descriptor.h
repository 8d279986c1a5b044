// wasi:filesystem's descriptor: an open file or directory, and everything a guest can do with
// it. Paths given to the *-at operations are resolved beneath this directory only (see
// path_resolution.h): nothing outside a preopen is reachable.
//
// Permissions follow wasmtime's wasi crate: a preopen is read-write or read-only (may_mutate),
// and every directory opened below it inherits that, so read-only-ness reaches every descriptor
// derived from a read-only preopen. Below a read-only directory these are refused with
// `not-permitted` (wasmtime's code for a permission the grant lacks; `read-only` stays what the
// kernel's EROFS means): open-at asking for write, create, exclusive or truncate;
// create-directory-at, remove-directory-at, unlink-file-at, symlink-at, set-times(-at) and
// link-at / rename-at when either directory is read-only. get-flags then reports neither
// `write` nor `mutate-directory`. A file opened without the write flag (the only kind a
// read-only tree hands out) refuses write, set-size and set-times with `not-permitted`, and
// write-via-stream / append-via-stream with `bad-descriptor`, as wasmtime does; reading it
// needs the read flag, else `bad-descriptor`. Such files are also opened O_RDONLY, so the
// kernel itself refuses to write through them should a check here ever be missed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "component/abi_values.h"
#include "component/resource_table.h"
#include "wasi/filesystem/directory_entry_stream.h"
#include "wasi/filesystem/error_code.h"
#include "wasi/filesystem/file_metadata.h"
#include "wasi/filesystem/filesystem_types.h"
#include "wasi/io/host_fd.h"
#include "wasi/io/streams.h"

namespace sluice::wasi {

using component::Own;
using component::Unit;

class Descriptor : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "descriptor";

  // A directory the host opened (O_RDONLY | O_DIRECTORY), handed to the guest as a preopen.
  static std::unique_ptr<Descriptor> preopened_directory(std::shared_ptr<HostFd> dir,
                                                         bool may_mutate);

  FsResult<Own<InputStream>> read_via_stream(uint64_t offset);
  FsResult<Own<OutputStream>> write_via_stream(uint64_t offset);
  FsResult<Own<OutputStream>> append_via_stream();
  FsResult<Unit> advise(uint64_t offset, uint64_t length, Advice advice);
  FsResult<Unit> sync_data();
  FsResult<DescriptorFlags> get_flags();
  FsResult<DescriptorType> get_type();
  FsResult<Unit> set_size(uint64_t size);
  FsResult<Unit> set_times(const NewTimestamp& access, const NewTimestamp& modification);
  // Up to `length` bytes at `offset`, and whether the end of the file was reached.
  FsResult<std::tuple<std::vector<uint8_t>, bool>> read(uint64_t length, uint64_t offset);
  FsResult<uint64_t> write(std::span<const uint8_t> buffer, uint64_t offset);
  FsResult<Own<DirectoryEntryStream>> read_directory();
  FsResult<Unit> sync();
  FsResult<Unit> create_directory_at(std::string_view path);
  FsResult<DescriptorStat> stat();
  FsResult<DescriptorStat> stat_at(PathFlags flags, std::string_view path);
  FsResult<Unit> set_times_at(PathFlags flags, std::string_view path, const NewTimestamp& access,
                              const NewTimestamp& modification);
  FsResult<Unit> link_at(PathFlags old_flags, std::string_view old_path, Descriptor& new_dir,
                         std::string_view new_path);
  FsResult<Own<Descriptor>> open_at(PathFlags path_flags, std::string_view path,
                                    OpenFlags open_flags, DescriptorFlags flags);
  FsResult<std::string> readlink_at(std::string_view path);
  FsResult<Unit> remove_directory_at(std::string_view path);
  FsResult<Unit> rename_at(std::string_view old_path, Descriptor& new_dir,
                           std::string_view new_path);
  FsResult<Unit> symlink_at(std::string_view target, std::string_view new_path);
  FsResult<Unit> unlink_file_at(std::string_view path);
  bool is_same_object(Descriptor& other);
  FsResult<MetadataHashValue> metadata_hash(const MetadataHashKey& key);
  FsResult<MetadataHashValue> metadata_hash_at(PathFlags flags, std::string_view path,
                                               const MetadataHashKey& key);

 private:
  enum class Kind { kFile, kDirectory };
  Descriptor(std::shared_ptr<HostFd> fd, Kind kind, DescriptorFlags flags, bool may_mutate)
      : fd_(std::move(fd)), kind_(kind), flags_(flags), may_mutate_(may_mutate) {}

  bool is_directory() const { return kind_ == Kind::kDirectory; }
  bool readable() const { return flags_.has(descriptor_flag::kRead); }
  bool writable() const { return flags_.has(descriptor_flag::kWrite); }
  // Checks for the directory operations: this is a directory, and (when `mutates`) the guest
  // may change the tree below it.
  FsResult<Unit> check_directory(bool mutates) const;
  // What `path` names (not following a final symlink unless `flags` says so), opened O_PATH.
  FsResult<std::shared_ptr<HostFd>> open_path(PathFlags flags, std::string_view path) const;

  std::shared_ptr<HostFd> fd_;
  Kind kind_;
  DescriptorFlags flags_;  // as opened: what get-flags reports
  bool may_mutate_;        // directories: may the guest change the tree below?
};

}  // namespace sluice::wasi
