// wasi:filesystem's directory-entry-stream: the entries of one directory, read lazily, without
// "." and "..".
#pragma once

#include <dirent.h>

#include <optional>
#include <string_view>

#include "component/resource_table.h"
#include "wasi/filesystem/error_code.h"
#include "wasi/filesystem/filesystem_types.h"

namespace sluice::wasi {

class DirectoryEntryStream : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "directory-entry-stream";

  // Takes ownership of `dir`, a fresh handle (its position is this stream's own).
  explicit DirectoryEntryStream(DIR* dir) : dir_(dir) {}
  DirectoryEntryStream(const DirectoryEntryStream&) = delete;
  DirectoryEntryStream& operator=(const DirectoryEntryStream&) = delete;
  ~DirectoryEntryStream() override;

  // The next entry, or nullopt at the end. Names that are not UTF-8 cannot be handed to the
  // guest as a WIT string: they fail with illegal-byte-sequence.
  FsResult<std::optional<DirectoryEntry>> read_directory_entry();

 private:
  DIR* dir_;
};

}  // namespace sluice::wasi
