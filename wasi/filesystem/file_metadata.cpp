#include "wasi/filesystem/file_metadata.h"

namespace sluice::wasi {
namespace {

// splitmix64's finaliser: a cheap bijective mixer, so distinct inputs keep distinct outputs.
uint64_t mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

DescriptorType descriptor_type_from_mode(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFBLK: return DescriptorType::kBlockDevice;
    case S_IFCHR: return DescriptorType::kCharacterDevice;
    case S_IFDIR: return DescriptorType::kDirectory;
    case S_IFIFO: return DescriptorType::kFifo;
    case S_IFLNK: return DescriptorType::kSymbolicLink;
    case S_IFREG: return DescriptorType::kRegularFile;
    case S_IFSOCK: return DescriptorType::kSocket;
    default: return DescriptorType::kUnknown;
  }
}

DescriptorStat descriptor_stat_from(const struct stat& st) {
  DescriptorStat out;
  out.type = descriptor_type_from_mode(st.st_mode);
  out.link_count = st.st_nlink;
  out.size = static_cast<uint64_t>(st.st_size);
  out.data_access_timestamp = datetime_from(st.st_atim);
  out.data_modification_timestamp = datetime_from(st.st_mtim);
  out.status_change_timestamp = datetime_from(st.st_ctim);
  return out;
}

MetadataHashValue metadata_hash_from(const struct stat& st, const MetadataHashKey& key) {
  uint64_t dev = st.st_dev;
  uint64_t ino = st.st_ino;
  return MetadataHashValue{mix(mix(dev ^ key.k0) ^ ino), mix(mix(ino ^ key.k1) ^ dev)};
}

}  // namespace sluice::wasi
