// errno_name(e): the symbolic name of an errno value ("ENOENT"), for output tests can match.
#pragma once
#include <errno.h>
#include <stdio.h>

static inline const char *errno_name(int e) {
  switch (e) {
#define N(x) case x: return #x;
    N(EPERM) N(ENOENT) N(EIO) N(EBADF) N(EAGAIN) N(ENOMEM) N(EACCES) N(EFAULT) N(EBUSY)
    N(EEXIST) N(EXDEV) N(ENOTDIR) N(EISDIR) N(EINVAL) N(EMFILE) N(ENFILE) N(EFBIG) N(ENOSPC)
    N(ESPIPE) N(EROFS) N(EMLINK) N(EPIPE) N(ERANGE) N(ENAMETOOLONG) N(ENOSYS) N(ENOTEMPTY)
    N(ELOOP) N(EOVERFLOW) N(EILSEQ) N(ENOTSUP) N(ECONNREFUSED) N(ECONNRESET) N(ETIMEDOUT)
    N(EINTR) N(ENXIO) N(ENOTTY) N(ETXTBSY) N(EDQUOT) N(EALREADY) N(EINPROGRESS)
#ifdef ENOTCAPABLE
    N(ENOTCAPABLE)
#endif
#undef N
    default: {
      static char buf[24];
      snprintf(buf, sizeof buf, "errno%d", e);
      return buf;
    }
  }
}
