// files DIR: exercises wasi:filesystem inside the preopened directory DIR (a guest path such as
// "/sandbox") and probes the sandbox walls. Every line is "<operation> <path>: <result>" where
// result is "ok ..." or an errno name (see errno_name.h); paths are shown relative to DIR.
// The run must start with DIR empty, except for what the test may create beforehand
// (escape_file -> ../outside.txt, escape_dir -> .., escape_abs -> /etc/passwd, all symlinks).
// An escape that succeeds prints "OPENED (sandbox escape!) [first bytes]".
// Exits 0 when every step matched what a correct sandbox does, 1 otherwise (the output names
// the step). The full expected output is in README.md.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

static void expect(int cond, const char *what) {
  if (!cond) {
    failures++;
    printf("UNEXPECTED: %s\n", what);
  }
}

static int write_file(const char *rel, const char *mode, const char *text) {
  FILE *f = fopen(in_dir(rel), mode);
  if (!f) return -errno;
  size_t n = fwrite(text, 1, strlen(text), f);
  if (fclose(f) != 0) return -errno;
  return (int)n;
}

// Reads up to cap-1 bytes; returns the count or -errno.
static int read_file(const char *path, char *out, size_t cap) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -errno;
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, out + got, cap - 1 - got);
    if (n < 0) {
      int e = errno;
      close(fd);
      return -e;
    }
    if (n == 0 || got + (size_t)n == cap - 1) {
      got += (size_t)n;
      break;
    }
    got += (size_t)n;
  }
  out[got] = 0;
  close(fd);
  return (int)got;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list(void) {
  DIR *d = opendir(dir);
  if (!d) {
    printf("list: %s\n", errno_name(errno));
    failures++;
    return;
  }
  char *names[256];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 256) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    const char *suffix = e->d_type == DT_DIR ? "/" : e->d_type == DT_LNK ? "@" : "";
    size_t len = strlen(e->d_name) + 2;
    names[n] = malloc(len);
    snprintf(names[n], len, "%s%s", e->d_name, suffix);
    n++;
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], cmp);
  printf("list:");
  for (int i = 0; i < n; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

static void stat_line(const char *rel) {
  struct stat st;
  if (lstat(in_dir(rel), &st) != 0) {
    printf("stat %s: %s\n", rel, errno_name(errno));
  } else if (S_ISREG(st.st_mode)) {
    printf("stat %s: file size=%lld\n", rel, (long long)st.st_size);
  } else if (S_ISDIR(st.st_mode)) {
    printf("stat %s: dir\n", rel);
  } else if (S_ISLNK(st.st_mode)) {
    printf("stat %s: symlink\n", rel);
  } else {
    printf("stat %s: other\n", rel);
  }
}

static int result(const char *op, const char *rel, int rc) {
  if (rc == 0)
    printf("%s %s: ok\n", op, rel);
  else
    printf("%s %s: %s\n", op, rel, errno_name(errno));
  return rc == 0 ? 0 : errno;
}

// Opening `path` must fail; print how.
static void escape(const char *label, const char *path) {
  char buf[64];
  int n = read_file(path, buf, 17);
  if (n >= 0) {
    for (int i = 0; i < n; i++)
      if (buf[i] == '\n') buf[i] = ' ';
    printf("open %s: OPENED (sandbox escape!) [%s]\n", label, buf);
    failures++;
  } else {
    printf("open %s: %s\n", label, errno_name(-n));
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: files DIR\n");
    return 2;
  }
  dir = argv[1];
  printf("files: dir=%s\n", dir);
  char buf[256];
  int n;

  n = write_file("a.txt", "w", "hello, sluice files");
  if (n >= 0) printf("write a.txt: ok %d\n", n); else printf("write a.txt: %s\n", errno_name(-n));
  expect(n == 19, "write a.txt");

  n = read_file(in_dir("a.txt"), buf, sizeof buf);
  if (n >= 0) printf("read a.txt: ok %d [%s]\n", n, buf); else printf("read a.txt: %s\n", errno_name(-n));
  expect(n == 19 && strcmp(buf, "hello, sluice files") == 0, "read a.txt");

  n = write_file("a.txt", "a", "!");
  if (n >= 0) printf("append a.txt: ok %d\n", n); else printf("append a.txt: %s\n", errno_name(-n));
  stat_line("a.txt");

  expect(result("mkdir", "sub", mkdir(in_dir("sub"), 0755)) == 0, "mkdir sub");
  expect(result("mkdir", "sub", mkdir(in_dir("sub"), 0755)) == EEXIST, "mkdir sub again");
  n = write_file("sub/b.txt", "w", "bee");
  if (n >= 0) printf("write sub/b.txt: ok %d\n", n); else printf("write sub/b.txt: %s\n", errno_name(-n));
  expect(n == 3, "write sub/b.txt");

  expect(result("rename", "a.txt c.txt", rename(in_dir("a.txt"), in_dir("c.txt"))) == 0, "rename");
  stat_line("a.txt");
  stat_line("c.txt");
  stat_line("sub");

  expect(result("symlink", "link_in -> c.txt", symlink("c.txt", in_dir("link_in"))) == 0,
         "symlink link_in");
  stat_line("link_in");
  n = read_file(in_dir("link_in"), buf, sizeof buf);
  if (n >= 0) printf("read link_in: ok %d [%s]\n", n, buf); else printf("read link_in: %s\n", errno_name(-n));
  expect(n == 20, "read through link_in");

  list();
  expect(result("rmdir", "sub", rmdir(in_dir("sub"))) == ENOTEMPTY, "rmdir non-empty sub");

  // The sandbox walls: each of these must fail.
  escape("../outside.txt", in_dir("../outside.txt"));
  escape("/etc/passwd", "/etc/passwd");
  escape("escape_file", in_dir("escape_file"));
  escape("escape_dir/outside.txt", in_dir("escape_dir/outside.txt"));
  escape("escape_abs", in_dir("escape_abs"));
  // Creating a symlink whose target leaves the sandbox may be refused or allowed; following
  // it must fail.
  result("symlink", "link_out -> ../outside.txt", symlink("../outside.txt", in_dir("link_out")));
  escape("link_out", in_dir("link_out"));

  expect(result("unlink", "sub/b.txt", unlink(in_dir("sub/b.txt"))) == 0, "unlink sub/b.txt");
  expect(result("rmdir", "sub", rmdir(in_dir("sub"))) == 0, "rmdir sub");
  expect(result("unlink", "link_in", unlink(in_dir("link_in"))) == 0, "unlink link_in");
  unlink(in_dir("link_out"));
  expect(result("unlink", "c.txt", unlink(in_dir("c.txt"))) == 0, "unlink c.txt");
  list();
  printf("files: %s\n", failures ? "FAILED" : "done");
  return failures ? 1 : 0;
}
