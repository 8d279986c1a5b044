// End-to-end: the sluice executable runs real components built from tests/guests, exactly as a
// user would run them, and every outcome (output, exit status, error message) is checked.
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/cli/sluice_process.h"

namespace fs = std::filesystem;
using sluice::testing::ProcessOutput;
using sluice::testing::run_process;
using sluice::testing::guest;
using sluice::testing::TempDir;

namespace {

const bool kIgnoreSigpipe = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

// Every test shares one artifact cache inside the build tree, so a guest compiles once.
std::vector<std::string> cache_env() {
  return {"XDG_CACHE_HOME=" + std::string(SLUICE_TEST_CACHE_DIR)};
}

ProcessOutput sluice(std::vector<std::string> args, const std::string& stdin_data = "") {
  args.insert(args.begin(), SLUICE_BIN);
  return run_process(args, stdin_data, cache_env());
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(RunCommand, HelloPrintsArgumentsAndEnvironment) {
  ProcessOutput r = sluice({"run", "--env", "GREETING=hi", guest("hello"), "--", "a", "b c"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out,
            "hello from sluice\nargc=3\nargv[0]=hello.wasm\nargv[1]=a\nargv[2]=b c\nGREETING=hi\n");
}

TEST(RunCommand, PlainJcoComponentRuns) {
  ProcessOutput r = sluice({"run", guest("hello_plain")});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from sluice\nargc=1\nargv[0]=hello_plain.wasm\n");
}

TEST(RunCommand, ExitStatusFollowsWasiExit) {
  ProcessOutput ok = sluice({"run", guest("exit_code"), "--", "0"});
  EXPECT_EQ(ok.exit_status, 0) << ok.err;
  EXPECT_EQ(ok.out, "exit_code: exiting with 0\n");
  // wasi:cli/exit carries ok/err only: any non-zero status is reported as 1.
  ProcessOutput err = sluice({"run", guest("exit_code"), "--", "3"});
  EXPECT_EQ(err.exit_status, 1) << err.err;
  EXPECT_EQ(err.out, "exit_code: exiting with 3\n");
}

TEST(RunCommand, StdinIsReadToTheEnd) {
  std::string data;
  for (int i = 0; i < 200000; ++i) data += static_cast<char>('a' + i % 26);
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) hash = (hash ^ c) * 0x100000001b3ULL;
  char expected[64];
  snprintf(expected, sizeof expected, "bytes=%zu fnv1a64=%016llx\n", data.size(),
           static_cast<unsigned long long>(hash));
  ProcessOutput r = sluice({"run", guest("stdin_echo"), "--", "--count"}, data);
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, expected);
}

TEST(RunCommand, FilesStayInsideThePreopen) {
  TempDir root;
  fs::create_directory(root.path() / "box");
  write_file(root.path() / "outside.txt", "secret outside");
  fs::create_symlink("../outside.txt", root.path() / "box" / "escape_file");
  fs::create_symlink("..", root.path() / "box" / "escape_dir");
  fs::create_symlink("/etc/passwd", root.path() / "box" / "escape_abs");
  ProcessOutput r = sluice({"run", "--dir", (root.path() / "box").string() + "::/sandbox",
                            guest("files"), "--", "/sandbox"});
  EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("escape!"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("UNEXPECTED"), std::string::npos) << r.out;
  std::ifstream outside(root.path() / "outside.txt");
  std::string content((std::istreambuf_iterator<char>(outside)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "secret outside");
}

// What a change to `path` would show in: its kind, modification time, and contents or target.
std::string describe(const fs::path& path) {
  if (fs::is_symlink(path)) return "link -> " + fs::read_symlink(path).string();
  std::string mtime = std::to_string(fs::last_write_time(path).time_since_epoch().count());
  if (fs::is_directory(path)) return "dir " + mtime;
  std::ifstream in(path, std::ios::binary);
  return "file " + mtime + " " + std::string(std::istreambuf_iterator<char>(in), {});
}

// `dir` and every entry below it, described.
std::map<std::string, std::string> tree_of(const fs::path& dir) {
  std::map<std::string, std::string> tree{{".", describe(dir)}};
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    tree[fs::relative(entry.path(), dir).string()] = describe(entry.path());
  }
  return tree;
}

TEST(RunCommand, ReadOnlyDirectoryIsReadButNeverChanged) {
  TempDir root;
  fs::path box = root.path() / "box", scratch = root.path() / "scratch";
  fs::create_directories(box / "empty");
  fs::create_directory(scratch);
  write_file(box / "data.txt", "original contents");
  const std::map<std::string, std::string> before = tree_of(box);

  // A read-write grant beside it: the two flags combine, each directory keeps its own access.
  ProcessOutput r = sluice({"run", "--dir", scratch.string() + "::/rw", "--dir-readonly",
                            box.string() + "::/ro", guest("readonly_probe"), "--", "/ro"});
  EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("UNEXPECTED"), std::string::npos) << r.out;
  for (const char* line : {"read data.txt: ok 17 [original contents]\n",
                           "stat empty: dir", "create new.txt: EPERM\n",
                           "create-exclusive new.txt: EPERM\n", "open-write data.txt: EPERM\n",
                           "open-append data.txt: EPERM\n", "open-truncate data.txt: EPERM\n",
                           "truncate data.txt: EPERM\n", "write-read-fd data.txt: EBADF\n",
                           "ftruncate-read-fd data.txt: EPERM\n",
                           "mkdir made: EPERM\n", "rename data.txt moved.txt: EPERM\n",
                           "unlink data.txt: EPERM\n", "rmdir empty: EPERM\n",
                           "symlink link -> data.txt: EPERM\n", "link data.txt hard.txt: EPERM\n",
                           "utimens data.txt: EPERM\n", "readonly_probe: done\n"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << "missing: " << line << "\n" << r.out;
  }
  EXPECT_EQ(tree_of(box), before) << "the read-only directory changed";
  EXPECT_TRUE(fs::is_empty(scratch));

  // Without ::GUEST the guest sees the host path, as with --dir.
  ProcessOutput same_path = sluice({"run", "--dir-readonly", box.string(),
                                    guest("readonly_probe"), "--", box.string()});
  EXPECT_EQ(same_path.exit_status, 0) << same_path.out << same_path.err;
  EXPECT_EQ(tree_of(box), before);
}

TEST(RunCommand, MissingReadOnlyDirectoryIsAnIoError) {
  TempDir root;
  std::string missing = (root.path() / "nope").string();
  ProcessOutput r = sluice({"run", "--dir-readonly", missing + "::/ro", guest("hello")});
  EXPECT_EQ(r.exit_status, 74) << r.err;
  EXPECT_NE(r.err.find("--dir-readonly " + missing), std::string::npos) << r.err;
}

TEST(RunCommand, ClocksAndRandomBehave) {
  ProcessOutput r = sluice({"run", guest("clocks_random")});
  EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("fail"), std::string::npos) << r.out;
}

struct TrapCase {
  const char* guest;
  const char* message;
};

class Traps : public ::testing::TestWithParam<TrapCase> {};

TEST_P(Traps, EndTheGuestWithAClearMessage) {
  ProcessOutput r = sluice({"run", guest(GetParam().guest)});
  EXPECT_EQ(r.exit_status, 134) << r.err;
  EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(RunCommand, Traps,
                         ::testing::Values(TrapCase{"trap_unreachable", "unreachable"},
                                           TrapCase{"trap_oob", "out of bounds"},
                                           TrapCase{"trap_stack", "stack"}));

// A guest that calls WASI functions directly with bad pointers, lengths and handles: each case
// must trap with a message naming the problem, and the host must survive to report it.
class HostileGuest : public ::testing::TestWithParam<TrapCase> {};

TEST_P(HostileGuest, IsTrappedByTheCanonicalAbiChecks) {
  TempDir dir;
  ProcessOutput r = sluice({"run", "--dir", dir.path().string() + "::/d", guest("hostile"), "--",
                            GetParam().guest});
  EXPECT_EQ(r.exit_status, 134) << r.out << r.err;
  EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("returned (host did not trap)"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    RunCommand, HostileGuest,
    ::testing::Values(TrapCase{"write-oob", "out of bounds"}, TrapCase{"write-wrap", "out of bounds"},
                      TrapCase{"write-huge", "out of bounds"},
                      TrapCase{"write-ret-oob", "out of bounds"},
                      TrapCase{"write-bad-handle", "unknown handle"},
                      TrapCase{"use-after-drop", "unknown handle"},
                      TrapCase{"drop-twice", "unknown handle"},
                      TrapCase{"drop-bad-handle", "unknown handle"},
                      TrapCase{"args-ret-oob", "out of bounds"},
                      TrapCase{"args-ret-misaligned", "not aligned"},
                      TrapCase{"realloc-oob", "out of bounds"},
                      TrapCase{"realloc-misaligned", "not aligned"},
                      TrapCase{"open-bad-utf8", "not valid UTF-8"},
                      TrapCase{"open-path-oob", "out of bounds"}));

TEST(RunCommand, HostileGuestsValidCallsWork) {
  ProcessOutput r = sluice({"run", guest("hostile"), "--", "ok"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(r.out.find("direct write ok"), std::string::npos) << r.out;
}

TEST(RunCommand, TimeoutStopsARunawayGuest) {
  ProcessOutput r = sluice({"run", "--timeout", "1", guest("spin_forever")});
  EXPECT_EQ(r.exit_status, 124) << r.err;
  EXPECT_NE(r.err.find("time limit"), std::string::npos) << r.err;
}

TEST(RunCommand, MemoryCapStopsAHog) {
  // The guest sees memory.grow fail, reports it and exits with an error; sluice says why.
  ProcessOutput r = sluice({"run", "--max-memory", "32M", guest("memory_hog")});
  EXPECT_EQ(r.exit_status, 1) << r.out;
  EXPECT_NE(r.out.find("malloc failed after 3"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("refused memory by the memory limit (33554432 bytes"), std::string::npos) << r.err;
  // Under the limit the same guest completes.
  ProcessOutput ok = sluice({"run", "--max-memory", "32M", guest("memory_hog"), "--", "8"});
  EXPECT_EQ(ok.exit_status, 0) << ok.err;
  EXPECT_EQ(ok.err.find("memory limit"), std::string::npos) << ok.err;
}

TEST(RunCommand, MalformedInputIsRefusedClearly) {
  TempDir dir;
  std::vector<uint8_t> hello;
  {
    std::ifstream in(guest("hello"), std::ios::binary);
    hello.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  write_file(dir.path() / "empty.wasm", "");
  write_file(dir.path() / "garbage.wasm", "this is not wasm at all, just text");
  write_file(dir.path() / "truncated.wasm", std::string(hello.begin(), hello.begin() + hello.size() / 2));
  std::string bad_version(hello.begin(), hello.end());
  bad_version[4] = 0x0c;
  write_file(dir.path() / "version.wasm", bad_version);
  for (const char* name : {"empty.wasm", "garbage.wasm", "truncated.wasm", "version.wasm"}) {
    ProcessOutput r = sluice({"run", (dir.path() / name).string()});
    EXPECT_EQ(r.exit_status, 65) << name << ": " << r.err;
    EXPECT_NE(r.err.find("sluice:"), std::string::npos) << name << ": " << r.err;
  }
  ProcessOutput core = sluice({"run", std::string(SLUICE_GUEST_DIR) + "/hello.core.wasm"});
  EXPECT_EQ(core.exit_status, 65) << core.err;
  EXPECT_NE(core.err.find("jco new"), std::string::npos) << core.err;
  ProcessOutput missing = sluice({"run", (dir.path() / "nope.wasm").string()});
  EXPECT_EQ(missing.exit_status, 74) << missing.err;
  ProcessOutput directory = sluice({"run", dir.path().string()});
  EXPECT_EQ(directory.exit_status, 74) << directory.err;
  EXPECT_NE(directory.err.find("is a directory"), std::string::npos) << directory.err;
}

TEST(CompileCommand, ArtifactRunsWithoutTheWasm) {
  TempDir dir;
  fs::path artifact = dir.path() / "hello.sluice";
  ProcessOutput c = sluice({"compile", guest("hello"), "-o", artifact.string()});
  ASSERT_EQ(c.exit_status, 0) << c.err;
  ASSERT_TRUE(fs::exists(artifact));
  ProcessOutput r = sluice({"run", artifact.string(), "--", "x"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from sluice\nargc=2\nargv[0]=hello.sluice\nargv[1]=x\n");
  // A corrupted artifact is refused, not loaded.
  {
    std::fstream f(artifact, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x55');
  }
  ProcessOutput bad = sluice({"run", artifact.string()});
  EXPECT_EQ(bad.exit_status, 65) << bad.err;
  EXPECT_NE(bad.err.find("corrupted"), std::string::npos) << bad.err;
}

}  // namespace
