// Turning stat(2) results into wasi:filesystem metadata: types, stats, metadata hashes.
#pragma once

#include <sys/stat.h>

#include <cstdint>

#include "wasi/filesystem/filesystem_types.h"

namespace sluice::wasi {

DescriptorType descriptor_type_from_mode(mode_t mode);
DescriptorStat descriptor_stat_from(const struct stat& st);

// Key of the metadata hash, random per sandbox: the hash identifies a file to its guest (same
// file, same hash) without handing it the host's device and inode numbers.
struct MetadataHashKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
};
MetadataHashValue metadata_hash_from(const struct stat& st, const MetadataHashKey& key);

}  // namespace sluice::wasi
