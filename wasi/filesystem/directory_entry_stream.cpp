#include "wasi/filesystem/directory_entry_stream.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "component/utf8.h"
#include "wasi/filesystem/file_metadata.h"

namespace sluice::wasi {
namespace {

using component::Err;
using component::Ok;

DescriptorType type_from_dirent(unsigned char d_type) {
  switch (d_type) {
    case DT_BLK: return DescriptorType::kBlockDevice;
    case DT_CHR: return DescriptorType::kCharacterDevice;
    case DT_DIR: return DescriptorType::kDirectory;
    case DT_FIFO: return DescriptorType::kFifo;
    case DT_LNK: return DescriptorType::kSymbolicLink;
    case DT_REG: return DescriptorType::kRegularFile;
    case DT_SOCK: return DescriptorType::kSocket;
    default: return DescriptorType::kUnknown;
  }
}

}  // namespace

DirectoryEntryStream::~DirectoryEntryStream() { closedir(dir_); }

FsResult<std::optional<DirectoryEntry>> DirectoryEntryStream::read_directory_entry() {
  for (;;) {
    errno = 0;
    dirent* entry = readdir(dir_);
    if (entry == nullptr) {
      if (errno != 0) return Err(error_code_from_errno(errno));
      return Ok(std::optional<DirectoryEntry>{});
    }
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (!component::is_valid_utf8(name)) return Err(ErrorCode::kIllegalByteSequence);

    DescriptorType type = type_from_dirent(entry->d_type);
    if (entry->d_type == DT_UNKNOWN) {
      // Some filesystems do not fill d_type: ask for the entry itself (never following it).
      struct stat st;
      if (fstatat(dirfd(dir_), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        type = descriptor_type_from_mode(st.st_mode);
      }
    }
    return Ok(std::optional<DirectoryEntry>{DirectoryEntry{type, std::string(name)}});
  }
}

}  // namespace sluice::wasi
