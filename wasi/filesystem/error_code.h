// wasi:filesystem/types.error-code, and how OS errors map onto it.
#pragma once

#include <cstdint>

#include "component/abi_values.h"

namespace sluice::wasi {

enum class ErrorCode : uint8_t {
  kAccess,
  kWouldBlock,
  kAlready,
  kBadDescriptor,
  kBusy,
  kDeadlock,
  kQuota,
  kExist,
  kFileTooLarge,
  kIllegalByteSequence,
  kInProgress,
  kInterrupted,
  kInvalid,
  kIo,
  kIsDirectory,
  kLoop,
  kTooManyLinks,
  kMessageSize,
  kNameTooLong,
  kNoDevice,
  kNoEntry,
  kNoLock,
  kInsufficientMemory,
  kInsufficientSpace,
  kNotDirectory,
  kNotEmpty,
  kNotRecoverable,
  kUnsupported,
  kNoTty,
  kNoSuchDevice,
  kOverflow,
  kNotPermitted,
  kPipe,
  kReadOnly,
  kInvalidSeek,
  kTextFileBusy,
  kCrossDevice,
};

// The error-code for an errno value. Errors without a counterpart become kIo.
ErrorCode error_code_from_errno(int error_number);

template <typename T>
using FsResult = component::Result<T, ErrorCode>;

}  // namespace sluice::wasi

SLUICE_WIT_ENUM(sluice::wasi::ErrorCode, 37);
