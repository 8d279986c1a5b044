// wasi:filesystem/types and wasi:filesystem/preopens: adapters from the guest's handles to
// Descriptor and DirectoryEntryStream (wasi/filesystem).
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "wasi/filesystem/descriptor.h"
#include "wasi/filesystem/directory_entry_stream.h"
#include "wasi/host/host_interfaces.h"
#include "wasi/io/io_error.h"
#include "wasi/wasi_ctx.h"

namespace sluice::wasi {
namespace {

using component::Borrow;
using component::CallContext;
using component::GuestBytes;
using component::Own;

// ---- wasi:filesystem/preopens ----

std::vector<std::tuple<Own<Descriptor>, std::string>> get_directories(CallContext& cx) {
  std::vector<std::tuple<Own<Descriptor>, std::string>> out;
  for (const Preopen& preopen : cx.embedder<WasiCtx>().preopens()) {
    bool may_mutate = preopen.access == DirectoryAccess::kReadWrite;
    out.emplace_back(
        Own<Descriptor>(Descriptor::preopened_directory(preopen.directory, may_mutate)),
        preopen.guest_path);
  }
  return out;
}

// ---- wasi:filesystem/types: descriptor ----

FsResult<Own<InputStream>> descriptor_read_via_stream(CallContext&, Borrow<Descriptor> self,
                                                      uint64_t offset) {
  return self->read_via_stream(offset);
}

FsResult<Own<OutputStream>> descriptor_write_via_stream(CallContext&, Borrow<Descriptor> self,
                                                        uint64_t offset) {
  return self->write_via_stream(offset);
}

FsResult<Own<OutputStream>> descriptor_append_via_stream(CallContext&, Borrow<Descriptor> self) {
  return self->append_via_stream();
}

FsResult<Unit> descriptor_advise(CallContext&, Borrow<Descriptor> self, uint64_t offset,
                                 uint64_t length, Advice advice) {
  return self->advise(offset, length, advice);
}

FsResult<Unit> descriptor_sync_data(CallContext&, Borrow<Descriptor> self) {
  return self->sync_data();
}

FsResult<DescriptorFlags> descriptor_get_flags(CallContext&, Borrow<Descriptor> self) {
  return self->get_flags();
}

FsResult<DescriptorType> descriptor_get_type(CallContext&, Borrow<Descriptor> self) {
  return self->get_type();
}

FsResult<Unit> descriptor_set_size(CallContext&, Borrow<Descriptor> self, uint64_t size) {
  return self->set_size(size);
}

FsResult<Unit> descriptor_set_times(CallContext&, Borrow<Descriptor> self, NewTimestamp access,
                                    NewTimestamp modification) {
  return self->set_times(access, modification);
}

FsResult<std::tuple<std::vector<uint8_t>, bool>> descriptor_read(CallContext&,
                                                                 Borrow<Descriptor> self,
                                                                 uint64_t length, uint64_t offset) {
  return self->read(length, offset);
}

FsResult<uint64_t> descriptor_write(CallContext&, Borrow<Descriptor> self, GuestBytes buffer,
                                    uint64_t offset) {
  return self->write(buffer, offset);
}

FsResult<Own<DirectoryEntryStream>> descriptor_read_directory(CallContext&,
                                                              Borrow<Descriptor> self) {
  return self->read_directory();
}

FsResult<Unit> descriptor_sync(CallContext&, Borrow<Descriptor> self) { return self->sync(); }

FsResult<Unit> descriptor_create_directory_at(CallContext&, Borrow<Descriptor> self,
                                              std::string path) {
  return self->create_directory_at(path);
}

FsResult<DescriptorStat> descriptor_stat(CallContext&, Borrow<Descriptor> self) {
  return self->stat();
}

FsResult<DescriptorStat> descriptor_stat_at(CallContext&, Borrow<Descriptor> self, PathFlags flags,
                                            std::string path) {
  return self->stat_at(flags, path);
}

FsResult<Unit> descriptor_set_times_at(CallContext&, Borrow<Descriptor> self, PathFlags flags,
                                       std::string path, NewTimestamp access,
                                       NewTimestamp modification) {
  return self->set_times_at(flags, path, access, modification);
}

FsResult<Unit> descriptor_link_at(CallContext&, Borrow<Descriptor> self, PathFlags old_flags,
                                  std::string old_path, Borrow<Descriptor> new_dir,
                                  std::string new_path) {
  return self->link_at(old_flags, old_path, *new_dir, new_path);
}

FsResult<Own<Descriptor>> descriptor_open_at(CallContext&, Borrow<Descriptor> self,
                                             PathFlags path_flags, std::string path,
                                             OpenFlags open_flags, DescriptorFlags flags) {
  return self->open_at(path_flags, path, open_flags, flags);
}

FsResult<std::string> descriptor_readlink_at(CallContext&, Borrow<Descriptor> self,
                                             std::string path) {
  return self->readlink_at(path);
}

FsResult<Unit> descriptor_remove_directory_at(CallContext&, Borrow<Descriptor> self,
                                              std::string path) {
  return self->remove_directory_at(path);
}

FsResult<Unit> descriptor_rename_at(CallContext&, Borrow<Descriptor> self, std::string old_path,
                                    Borrow<Descriptor> new_dir, std::string new_path) {
  return self->rename_at(old_path, *new_dir, new_path);
}

FsResult<Unit> descriptor_symlink_at(CallContext&, Borrow<Descriptor> self, std::string old_path,
                                     std::string new_path) {
  return self->symlink_at(old_path, new_path);
}

FsResult<Unit> descriptor_unlink_file_at(CallContext&, Borrow<Descriptor> self, std::string path) {
  return self->unlink_file_at(path);
}

bool descriptor_is_same_object(CallContext&, Borrow<Descriptor> self, Borrow<Descriptor> other) {
  return self->is_same_object(*other);
}

FsResult<MetadataHashValue> descriptor_metadata_hash(CallContext& cx, Borrow<Descriptor> self) {
  return self->metadata_hash(cx.embedder<WasiCtx>().metadata_hash_key());
}

FsResult<MetadataHashValue> descriptor_metadata_hash_at(CallContext& cx, Borrow<Descriptor> self,
                                                        PathFlags flags, std::string path) {
  return self->metadata_hash_at(flags, path, cx.embedder<WasiCtx>().metadata_hash_key());
}

// ---- wasi:filesystem/types: directory-entry-stream, errors ----

FsResult<std::optional<DirectoryEntry>> read_directory_entry(CallContext&,
                                                             Borrow<DirectoryEntryStream> self) {
  return self->read_directory_entry();
}

// The filesystem meaning of a stream error, when it has one (an OS error).
std::optional<ErrorCode> filesystem_error_code(CallContext&, Borrow<IoError> err) {
  if (err->error_number() == 0) return std::nullopt;
  return error_code_from_errno(err->error_number());
}

}  // namespace

void add_filesystem_to(component::HostInterfaces& host) {
  host.define<&get_directories>("wasi:filesystem/preopens@0.2", "get-directories");

  constexpr std::string_view kTypes = "wasi:filesystem/types@0.2";
  host.define_resource<Descriptor>(kTypes, "descriptor");
  host.define_resource<DirectoryEntryStream>(kTypes, "directory-entry-stream");
  host.define<&descriptor_read_via_stream>(kTypes, "[method]descriptor.read-via-stream");
  host.define<&descriptor_write_via_stream>(kTypes, "[method]descriptor.write-via-stream");
  host.define<&descriptor_append_via_stream>(kTypes, "[method]descriptor.append-via-stream");
  host.define<&descriptor_advise>(kTypes, "[method]descriptor.advise");
  host.define<&descriptor_sync_data>(kTypes, "[method]descriptor.sync-data");
  host.define<&descriptor_get_flags>(kTypes, "[method]descriptor.get-flags");
  host.define<&descriptor_get_type>(kTypes, "[method]descriptor.get-type");
  host.define<&descriptor_set_size>(kTypes, "[method]descriptor.set-size");
  host.define<&descriptor_set_times>(kTypes, "[method]descriptor.set-times");
  host.define<&descriptor_read>(kTypes, "[method]descriptor.read");
  host.define<&descriptor_write>(kTypes, "[method]descriptor.write");
  host.define<&descriptor_read_directory>(kTypes, "[method]descriptor.read-directory");
  host.define<&descriptor_sync>(kTypes, "[method]descriptor.sync");
  host.define<&descriptor_create_directory_at>(kTypes, "[method]descriptor.create-directory-at");
  host.define<&descriptor_stat>(kTypes, "[method]descriptor.stat");
  host.define<&descriptor_stat_at>(kTypes, "[method]descriptor.stat-at");
  host.define<&descriptor_set_times_at>(kTypes, "[method]descriptor.set-times-at");
  host.define<&descriptor_link_at>(kTypes, "[method]descriptor.link-at");
  host.define<&descriptor_open_at>(kTypes, "[method]descriptor.open-at");
  host.define<&descriptor_readlink_at>(kTypes, "[method]descriptor.readlink-at");
  host.define<&descriptor_remove_directory_at>(kTypes, "[method]descriptor.remove-directory-at");
  host.define<&descriptor_rename_at>(kTypes, "[method]descriptor.rename-at");
  host.define<&descriptor_symlink_at>(kTypes, "[method]descriptor.symlink-at");
  host.define<&descriptor_unlink_file_at>(kTypes, "[method]descriptor.unlink-file-at");
  host.define<&descriptor_is_same_object>(kTypes, "[method]descriptor.is-same-object");
  host.define<&descriptor_metadata_hash>(kTypes, "[method]descriptor.metadata-hash");
  host.define<&descriptor_metadata_hash_at>(kTypes, "[method]descriptor.metadata-hash-at");
  host.define<&read_directory_entry>(kTypes, "[method]directory-entry-stream.read-directory-entry");
  host.define<&filesystem_error_code>(kTypes, "filesystem-error-code");
}

}  // namespace sluice::wasi
