// The records, enums and flags of wasi:filesystem/types, in the C++ spelling of abi_values.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <variant>

#include "component/abi_values.h"
#include "wasi/clocks/clocks.h"

namespace sluice::wasi {

enum class DescriptorType : uint8_t {
  kUnknown,
  kBlockDevice,
  kCharacterDevice,
  kDirectory,
  kFifo,
  kSymbolicLink,
  kRegularFile,
  kSocket,
};

enum class Advice : uint8_t { kNormal, kSequential, kRandom, kWillNeed, kDontNeed, kNoReuse };

// flags descriptor-flags { read, write, file-integrity-sync, data-integrity-sync,
//                          requested-write-sync, mutate-directory }
using DescriptorFlags = component::Flags<6>;
namespace descriptor_flag {
inline constexpr uint32_t kRead = 0;
inline constexpr uint32_t kWrite = 1;
inline constexpr uint32_t kFileIntegritySync = 2;
inline constexpr uint32_t kDataIntegritySync = 3;
inline constexpr uint32_t kRequestedWriteSync = 4;
inline constexpr uint32_t kMutateDirectory = 5;
}  // namespace descriptor_flag

// flags path-flags { symlink-follow }
using PathFlags = component::Flags<1>;
namespace path_flag {
inline constexpr uint32_t kSymlinkFollow = 0;
}

// flags open-flags { create, directory, exclusive, truncate }
using OpenFlags = component::Flags<4>;
namespace open_flag {
inline constexpr uint32_t kCreate = 0;
inline constexpr uint32_t kDirectory = 1;
inline constexpr uint32_t kExclusive = 2;
inline constexpr uint32_t kTruncate = 3;
}  // namespace open_flag

struct DescriptorStat {
  DescriptorType type = DescriptorType::kUnknown;
  uint64_t link_count = 0;
  uint64_t size = 0;
  std::optional<Datetime> data_access_timestamp;
  std::optional<Datetime> data_modification_timestamp;
  std::optional<Datetime> status_change_timestamp;
  static constexpr auto wit_fields = std::tuple{&DescriptorStat::type,
                                                &DescriptorStat::link_count,
                                                &DescriptorStat::size,
                                                &DescriptorStat::data_access_timestamp,
                                                &DescriptorStat::data_modification_timestamp,
                                                &DescriptorStat::status_change_timestamp};
};

// variant new-timestamp { no-change, now, timestamp(datetime) }
using NewTimestamp = std::variant<component::Unit, component::Unit, Datetime>;
namespace new_timestamp {
inline constexpr size_t kNoChange = 0;
inline constexpr size_t kNow = 1;
inline constexpr size_t kTimestamp = 2;
}  // namespace new_timestamp

struct DirectoryEntry {
  DescriptorType type = DescriptorType::kUnknown;
  std::string name;
  static constexpr auto wit_fields = std::tuple{&DirectoryEntry::type, &DirectoryEntry::name};
};

struct MetadataHashValue {
  uint64_t lower = 0;
  uint64_t upper = 0;
  static constexpr auto wit_fields =
      std::tuple{&MetadataHashValue::lower, &MetadataHashValue::upper};
};

}  // namespace sluice::wasi

SLUICE_WIT_ENUM(sluice::wasi::DescriptorType, 8);
SLUICE_WIT_ENUM(sluice::wasi::Advice, 6);
