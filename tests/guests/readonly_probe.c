// readonly_probe DIR: tries every kind of change inside DIR, a directory granted read-only, and
// reads what was there before. DIR must hold `data.txt` (any contents) and an empty directory
// `empty`. Every line is "<operation> <path>: <result>" where result is "ok ..." or an errno name
// (see errno_name.h); paths are relative to DIR. Reads must succeed and every change must fail:
// a step that does otherwise prints "UNEXPECTED: ..." and makes the exit status 1.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errno_name.h"

static const char *dir;
static int failures;

static const char *in_dir(const char *rel) {
  static char buf[4][1024];
  static int slot;
  char *b = buf[slot++ & 3];
  snprintf(b, sizeof buf[0], "%s/%s", dir, rel);
  return b;
}

// Prints the outcome of a change (rc < 0 with errno set means refused); a change that
// succeeded is a failure of the sandbox.
static void refused(const char *op, const char *rel, int rc) {
  if (rc >= 0) {
    printf("%s %s: ok\n", op, rel);
    printf("UNEXPECTED: %s %s succeeded\n", op, rel);
    failures++;
  } else {
    printf("%s %s: %s\n", op, rel, errno_name(errno));
  }
}

// open(2) as a change: the descriptor, if any, is closed again.
static int open_for_change(const char *rel, int flags) {
  int fd = open(in_dir(rel), flags, 0644);
  if (fd >= 0) close(fd);
  return fd;
}

// Opens `rel` for reading (which must work) and tries to write through that descriptor.
static void write_through_read_only_fd(const char *rel) {
  int fd = open(in_dir(rel), O_RDONLY);
  if (fd < 0) {
    printf("open-read %s: %s\nUNEXPECTED: open-read %s\n", rel, errno_name(errno), rel);
    failures++;
    return;
  }
  refused("write-read-fd", rel, (int)write(fd, "x", 1));
  refused("ftruncate-read-fd", rel, ftruncate(fd, 0));
  close(fd);
}

static void read_line(const char *rel) {
  char buf[256];
  int fd = open(in_dir(rel), O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (n < 0) {
    printf("read %s: %s\nUNEXPECTED: read %s\n", rel, errno_name(errno), rel);
    failures++;
  } else {
    buf[n] = 0;
    printf("read %s: ok %d [%s]\n", rel, (int)n, buf);
  }
  if (fd >= 0) close(fd);
}

static void stat_line(const char *rel) {
  struct stat st;
  if (lstat(in_dir(rel), &st) != 0) {
    printf("stat %s: %s\nUNEXPECTED: stat %s\n", rel, errno_name(errno), rel);
    failures++;
  } else {
    printf("stat %s: %s size=%lld\n", rel, S_ISDIR(st.st_mode) ? "dir" : "file",
           (long long)st.st_size);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: readonly_probe DIR\n");
    return 2;
  }
  dir = argv[1];
  printf("readonly_probe: dir=%s\n", dir);
  read_line("data.txt");
  stat_line("data.txt");
  stat_line("empty");

  refused("create", "new.txt", open_for_change("new.txt", O_WRONLY | O_CREAT));
  refused("create-exclusive", "new.txt", open_for_change("new.txt", O_RDWR | O_CREAT | O_EXCL));
  refused("open-write", "data.txt", open_for_change("data.txt", O_WRONLY));
  refused("open-append", "data.txt", open_for_change("data.txt", O_WRONLY | O_APPEND));
  refused("open-truncate", "data.txt", open_for_change("data.txt", O_RDONLY | O_TRUNC));
  refused("truncate", "data.txt", truncate(in_dir("data.txt"), 0));
  write_through_read_only_fd("data.txt");
  refused("mkdir", "made", mkdir(in_dir("made"), 0755));
  refused("rename", "data.txt moved.txt", rename(in_dir("data.txt"), in_dir("moved.txt")));
  refused("unlink", "data.txt", unlink(in_dir("data.txt")));
  refused("rmdir", "empty", rmdir(in_dir("empty")));
  refused("symlink", "link -> data.txt", symlink("data.txt", in_dir("link")));
  refused("link", "data.txt hard.txt", link(in_dir("data.txt"), in_dir("hard.txt")));
  refused("utimens", "data.txt", utimensat(AT_FDCWD, in_dir("data.txt"), NULL, 0));

  read_line("data.txt");  // still there, still the same
  printf("readonly_probe: %s\n", failures ? "FAILED" : "done");
  return failures ? 1 : 0;
}
