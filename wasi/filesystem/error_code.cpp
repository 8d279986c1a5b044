#include "wasi/filesystem/error_code.h"

#include <cerrno>

namespace sluice::wasi {

ErrorCode error_code_from_errno(int error_number) {
  switch (error_number) {
    case EACCES: return ErrorCode::kAccess;
    case EAGAIN: return ErrorCode::kWouldBlock;  // == EWOULDBLOCK
    case EALREADY: return ErrorCode::kAlready;
    case EBADF: return ErrorCode::kBadDescriptor;
    case EBUSY: return ErrorCode::kBusy;
    case EDEADLK: return ErrorCode::kDeadlock;
    case EDQUOT: return ErrorCode::kQuota;
    case EEXIST: return ErrorCode::kExist;
    case EFBIG: return ErrorCode::kFileTooLarge;
    case EILSEQ: return ErrorCode::kIllegalByteSequence;
    case EINPROGRESS: return ErrorCode::kInProgress;
    case EINTR: return ErrorCode::kInterrupted;
    case EINVAL: return ErrorCode::kInvalid;
    case EIO: return ErrorCode::kIo;
    case EISDIR: return ErrorCode::kIsDirectory;
    case ELOOP: return ErrorCode::kLoop;
    case EMLINK: return ErrorCode::kTooManyLinks;
    case EMSGSIZE: return ErrorCode::kMessageSize;
    case ENAMETOOLONG: return ErrorCode::kNameTooLong;
    case ENODEV: return ErrorCode::kNoDevice;
    case ENOENT: return ErrorCode::kNoEntry;
    case ENOLCK: return ErrorCode::kNoLock;
    case ENOMEM: return ErrorCode::kInsufficientMemory;
    // Out of file descriptors: the closest error-code is running out of a resource.
    case EMFILE:
    case ENFILE: return ErrorCode::kInsufficientMemory;
    case ENOSPC: return ErrorCode::kInsufficientSpace;
    case ENOTDIR: return ErrorCode::kNotDirectory;
    case ENOTEMPTY: return ErrorCode::kNotEmpty;
    case ENOTRECOVERABLE: return ErrorCode::kNotRecoverable;
    case EOPNOTSUPP: return ErrorCode::kUnsupported;  // == ENOTSUP on Linux
    case ENOSYS: return ErrorCode::kUnsupported;
    case ENOTTY: return ErrorCode::kNoTty;
    case ENXIO: return ErrorCode::kNoSuchDevice;
    case EOVERFLOW: return ErrorCode::kOverflow;
    case EPERM: return ErrorCode::kNotPermitted;
    case EPIPE: return ErrorCode::kPipe;
    case EROFS: return ErrorCode::kReadOnly;
    case ESPIPE: return ErrorCode::kInvalidSeek;
    case ETXTBSY: return ErrorCode::kTextFileBusy;
    case EXDEV: return ErrorCode::kCrossDevice;
    default: return ErrorCode::kIo;
  }
}

}  // namespace sluice::wasi
