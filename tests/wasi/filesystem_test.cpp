// wasi:filesystem under a temporary preopen: files and directories round trip, and nothing
// outside the preopen is reachable.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "engine/runtime/sluice_rt.h"
#include "tests/wasi/guest_harness.h"
#include "wasi/filesystem/error_code.h"

namespace sluice::wasi::testing {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTypes = "wasi:filesystem/types@0.2.12";
constexpr std::string_view kStreams = "wasi:io/streams@0.2.12";

// Flag bits (see wasi/filesystem/filesystem_types.h).
constexpr uint64_t kRead = 1, kWrite = 2, kMutateDirectory = 32;
constexpr uint64_t kCreate = 1, kDirectoryFlag = 2, kExclusive = 4, kTruncate = 8;
constexpr uint64_t kFollow = 1, kNoFollow = 0;

constexpr uint8_t code(ErrorCode c) { return static_cast<uint8_t>(c); }

// A result<T, error-code> as the guest sees it: ok, and either the payload or the error code.
struct Outcome {
  bool ok = false;
  uint64_t value = 0;  // handle, size... (ok) or error-code (error)
};

class WasiFilesystem : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sluice-wasi-fs-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "root";
    fs::create_directory(root_);
    std::ofstream(base_ / "outside") << "secret";
    fs::create_symlink("/etc/passwd", root_ / "absolute-link");
    fs::create_symlink("../outside", root_ / "up-link");
    fs::create_directory(root_ / "sub");
    fs::create_symlink("../..", root_ / "sub" / "escape-dir");
    grant_preopens();
    guest_ = std::make_unique<FakeGuest>(wasi_);
    dir_ = preopen(0);
  }
  // Preopen 0 is the directory the tests work in (dir_): root_, read-write, unless overridden.
  virtual void grant_preopens() { wasi_.preopen_directory(root_.string(), "/sandbox"); }
  void TearDown() override {
    guest_.reset();
    fs::remove_all(base_);
  }

  FakeGuest& guest() { return *guest_; }

  // The handle of preopen `index` (wasi:filesystem/preopens.get-directories).
  uint32_t preopen(size_t index) {
    uint32_t ret = guest().alloc(8, 4);
    EXPECT_EQ(guest().call("wasi:filesystem/preopens@0.2.6", "get-directories", {ret}).trap, 0);
    EXPECT_GT(guest().u32(ret + 4), index);
    return guest().u32(guest().u32(ret) + static_cast<uint32_t>(index) * 12);
  }

  Outcome open_at(uint32_t dir, std::string_view path, uint64_t open_flags, uint64_t flags,
                  uint64_t path_flags = kNoFollow) {
    uint32_t p = guest().put(path);
    uint32_t ret = guest().alloc(8, 4);
    CallOutcome out = guest().call(kTypes, "[method]descriptor.open-at",
                                   {dir, path_flags, p, path.size(), open_flags, flags, ret});
    EXPECT_EQ(out.trap, 0) << out.message;
    bool ok = guest().u8(ret) == 0;
    return {ok, ok ? guest().u32(ret + 4) : guest().u8(ret + 4)};
  }

  // A descriptor method taking (self, path) and returning result<_, error-code>.
  Outcome path_op(std::string_view method, uint32_t dir, std::string_view path) {
    uint32_t p = guest().put(path);
    uint32_t ret = guest().alloc(2, 1);
    CallOutcome out = guest().call(kTypes, std::string("[method]descriptor.") + std::string(method),
                                   {dir, p, path.size(), ret});
    EXPECT_EQ(out.trap, 0) << out.message;
    return {guest().u8(ret) == 0, guest().u8(ret + 1)};
  }

  // descriptor.stat-at: ok with the size, or the error code. `type` receives the type.
  Outcome stat_at(uint32_t dir, std::string_view path, uint64_t path_flags,
                  uint8_t* type = nullptr) {
    uint32_t p = guest().put(path);
    uint32_t ret = guest().alloc(104, 8);
    CallOutcome out =
        guest().call(kTypes, "[method]descriptor.stat-at", {dir, path_flags, p, path.size(), ret});
    EXPECT_EQ(out.trap, 0) << out.message;
    if (guest().u8(ret) != 0) return {false, guest().u8(ret + 8)};
    if (type) *type = guest().u8(ret + 8);
    return {true, guest().u64(ret + 24)};
  }

  // descriptor.readlink-at: ok (value unused, see link_text) or the error code.
  Outcome readlink_at(uint32_t dir, std::string_view path, std::string* link_text = nullptr) {
    uint32_t p = guest().put(path);
    uint32_t ret = guest().alloc(12, 4);
    CallOutcome out =
        guest().call(kTypes, "[method]descriptor.readlink-at", {dir, p, path.size(), ret});
    EXPECT_EQ(out.trap, 0) << out.message;
    if (guest().u8(ret) != 0) return {false, guest().u8(ret + 4)};
    if (link_text) *link_text = guest().bytes_at(ret + 4);
    return {true, 0};
  }

  Outcome write(uint32_t file, std::string_view data, uint64_t offset) {
    uint32_t p = guest().put(data);
    uint32_t ret = guest().alloc(16, 8);
    EXPECT_EQ(
        guest().call(kTypes, "[method]descriptor.write", {file, p, data.size(), offset, ret}).trap,
        0);
    bool ok = guest().u8(ret) == 0;
    return {ok, ok ? guest().u64(ret + 8) : guest().u8(ret + 8)};
  }

  // descriptor.read: the bytes, and whether the end was reached.
  std::pair<std::string, bool> read(uint32_t file, uint64_t len, uint64_t offset) {
    uint32_t ret = guest().alloc(16, 4);
    EXPECT_EQ(guest().call(kTypes, "[method]descriptor.read", {file, len, offset, ret}).trap, 0);
    EXPECT_EQ(guest().u8(ret), 0) << "error " << int(guest().u8(ret + 4));
    return {guest().bytes_at(ret + 4), guest().u8(ret + 12) != 0};
  }

  fs::path base_, root_;
  WasiCtx wasi_;
  std::unique_ptr<FakeGuest> guest_;
  uint32_t dir_ = 0;
};

TEST_F(WasiFilesystem, PreopensAreListedWithTheirGuestPath) {
  uint32_t ret = guest().alloc(8, 4);
  ASSERT_EQ(guest().call("wasi:filesystem/preopens@0.2.12", "get-directories", {ret}).trap, 0);
  ASSERT_EQ(guest().u32(ret + 4), 1u);
  EXPECT_EQ(guest().bytes_at(guest().u32(ret) + 4), "/sandbox");
  uint32_t flags = guest().alloc(2, 1);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.get-flags", {dir_, flags}).trap, 0);
  EXPECT_EQ(guest().u8(flags + 1), kRead | kMutateDirectory);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.get-type", {dir_, flags}).trap, 0);
  EXPECT_EQ(guest().u8(flags + 1), static_cast<uint8_t>(DescriptorType::kDirectory));
}

TEST_F(WasiFilesystem, CreateWriteReadStat) {
  Outcome file = open_at(dir_, "hello.txt", kCreate | kExclusive, kRead | kWrite);
  ASSERT_TRUE(file.ok) << int(file.value);
  uint32_t fd = static_cast<uint32_t>(file.value);
  Outcome written = write(fd, "hello, file", 0);
  ASSERT_TRUE(written.ok);
  EXPECT_EQ(written.value, 11u);

  EXPECT_EQ(read(fd, 100, 0), std::make_pair(std::string("hello, file"), false));
  EXPECT_EQ(read(fd, 4, 7), std::make_pair(std::string("file"), false));
  EXPECT_EQ(read(fd, 100, 11), std::make_pair(std::string(), true));

  uint8_t type = 0;
  Outcome stat = stat_at(dir_, "hello.txt", kNoFollow, &type);
  ASSERT_TRUE(stat.ok);
  EXPECT_EQ(stat.value, 11u);
  EXPECT_EQ(type, static_cast<uint8_t>(DescriptorType::kRegularFile));

  uint32_t ret = guest().alloc(104, 8);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.stat", {fd, ret}).trap, 0);
  ASSERT_EQ(guest().u8(ret), 0);
  EXPECT_EQ(guest().u64(ret + 16), 1u) << "link count";
  EXPECT_EQ(guest().u64(ret + 24), 11u) << "size";
  EXPECT_EQ(guest().u8(ret + 56), 1) << "modification time present";
  EXPECT_NEAR(double(guest().u64(ret + 64)), double(time(nullptr)), 5.0);

  std::ifstream in(root_ / "hello.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "hello, file");

  EXPECT_EQ(open_at(dir_, "hello.txt", kCreate | kExclusive, kWrite).value,
            code(ErrorCode::kExist));
}

TEST_F(WasiFilesystem, StreamsOverAFile) {
  uint32_t fd = static_cast<uint32_t>(open_at(dir_, "log", kCreate, kRead | kWrite).value);
  uint32_t ret = guest().alloc(16, 8);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.write-via-stream", {fd, 0, ret}).trap, 0);
  ASSERT_EQ(guest().u8(ret), 0);
  uint32_t out = guest().u32(ret + 4);
  uint32_t text = guest().put("first ");
  ASSERT_EQ(
      guest()
          .call(kStreams, "[method]output-stream.blocking-write-and-flush", {out, text, 6, ret})
          .trap,
      0);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.append-via-stream", {fd, ret}).trap, 0);
  uint32_t append = guest().u32(ret + 4);
  uint32_t more = guest().put("second");
  ASSERT_EQ(
      guest()
          .call(kStreams, "[method]output-stream.blocking-write-and-flush", {append, more, 6, ret})
          .trap,
      0);

  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.read-via-stream", {fd, 6, ret}).trap, 0);
  uint32_t in = guest().u32(ret + 4);
  ASSERT_EQ(guest().call(kStreams, "[method]input-stream.blocking-read", {in, 100, ret}).trap, 0);
  ASSERT_EQ(guest().u8(ret), 0);
  EXPECT_EQ(guest().bytes_at(ret + 4), "second");
  ASSERT_EQ(guest().call(kStreams, "[method]input-stream.read", {in, 100, ret}).trap, 0);
  EXPECT_EQ(guest().u8(ret), 1);
  EXPECT_EQ(guest().u8(ret + 4), 1) << "closed at end of file";

  // A descriptor opened read-only has no write stream.
  uint32_t ro = static_cast<uint32_t>(open_at(dir_, "log", 0, kRead).value);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.write-via-stream", {ro, 0, ret}).trap, 0);
  EXPECT_EQ(guest().u8(ret), 1);
  EXPECT_EQ(guest().u8(ret + 4), code(ErrorCode::kBadDescriptor));
}

TEST_F(WasiFilesystem, ListDirectory) {
  ASSERT_TRUE(path_op("create-directory-at", dir_, "made").ok);
  ASSERT_TRUE(open_at(dir_, "made/a.txt", kCreate, kWrite).ok);
  ASSERT_TRUE(open_at(dir_, "made/b.txt", kCreate, kWrite).ok);
  ASSERT_TRUE(path_op("create-directory-at", dir_, "made/c").ok);
  Outcome made = open_at(dir_, "made", kDirectoryFlag, kRead);
  ASSERT_TRUE(made.ok);

  uint32_t ret = guest().alloc(20, 4);
  ASSERT_EQ(
      guest().call(kTypes, "[method]descriptor.read-directory", {uint32_t(made.value), ret}).trap,
      0);
  ASSERT_EQ(guest().u8(ret), 0);
  uint32_t entries = guest().u32(ret + 4);
  std::set<std::pair<std::string, uint8_t>> seen;
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(
        guest()
            .call(kTypes, "[method]directory-entry-stream.read-directory-entry", {entries, ret})
            .trap,
        0);
    ASSERT_EQ(guest().u8(ret), 0);
    if (guest().u8(ret + 4) == 0) break;
    seen.emplace(guest().bytes_at(ret + 12), guest().u8(ret + 8));
  }
  uint8_t file = static_cast<uint8_t>(DescriptorType::kRegularFile);
  uint8_t directory = static_cast<uint8_t>(DescriptorType::kDirectory);
  EXPECT_EQ(seen, (std::set<std::pair<std::string, uint8_t>>{
                      {"a.txt", file}, {"b.txt", file}, {"c", directory}}));
}

TEST_F(WasiFilesystem, RenameUnlinkRemove) {
  ASSERT_TRUE(open_at(dir_, "old", kCreate, kWrite).ok);
  uint32_t from = guest().put("old"), to = guest().put("sub/new");
  uint32_t ret = guest().alloc(2, 1);
  ASSERT_EQ(
      guest().call(kTypes, "[method]descriptor.rename-at", {dir_, from, 3, dir_, to, 7, ret}).trap,
      0);
  EXPECT_EQ(guest().u8(ret), 0);
  EXPECT_EQ(stat_at(dir_, "old", kNoFollow).value, code(ErrorCode::kNoEntry));
  EXPECT_TRUE(stat_at(dir_, "sub/new", kNoFollow).ok);

  EXPECT_EQ(path_op("remove-directory-at", dir_, "sub").value, code(ErrorCode::kNotEmpty));
  EXPECT_EQ(path_op("unlink-file-at", dir_, "sub").value, code(ErrorCode::kIsDirectory));
  EXPECT_TRUE(path_op("unlink-file-at", dir_, "sub/new").ok);
  EXPECT_TRUE(path_op("unlink-file-at", dir_, "sub/escape-dir").ok) << "removes the link itself";
  EXPECT_TRUE(path_op("remove-directory-at", dir_, "sub").ok);
  EXPECT_FALSE(fs::exists(root_ / "sub"));
  EXPECT_TRUE(fs::exists(base_ / "outside"));
}

TEST_F(WasiFilesystem, SymlinksInsideWork) {
  uint32_t target = guest().put("data.txt"), link = guest().put("link");
  uint32_t ret = guest().alloc(2, 1);
  ASSERT_TRUE(open_at(dir_, "data.txt", kCreate, kWrite).ok);
  ASSERT_EQ(
      guest().call(kTypes, "[method]descriptor.symlink-at", {dir_, target, 8, link, 4, ret}).trap,
      0);
  EXPECT_EQ(guest().u8(ret), 0);
  std::string text;
  EXPECT_TRUE(readlink_at(dir_, "link", &text).ok);
  EXPECT_EQ(text, "data.txt");
  EXPECT_TRUE(readlink_at(dir_, "absolute-link", &text).ok) << "reading a link is not following it";
  EXPECT_EQ(text, "/etc/passwd");
  uint8_t type = 0;
  EXPECT_TRUE(stat_at(dir_, "link", kNoFollow, &type).ok);
  EXPECT_EQ(type, static_cast<uint8_t>(DescriptorType::kSymbolicLink));
  EXPECT_TRUE(stat_at(dir_, "link", kFollow, &type).ok);
  EXPECT_EQ(type, static_cast<uint8_t>(DescriptorType::kRegularFile));
  EXPECT_TRUE(open_at(dir_, "link", 0, kRead, kFollow).ok);
  EXPECT_EQ(open_at(dir_, "link", 0, kRead, kNoFollow).value, code(ErrorCode::kLoop));
  EXPECT_EQ(readlink_at(dir_, "data.txt").value, code(ErrorCode::kInvalid));
}

TEST_F(WasiFilesystem, EscapesAreRefused) {
  const uint8_t refused = code(ErrorCode::kNotPermitted);
  EXPECT_EQ(open_at(dir_, "../x", 0, kRead).value, refused);
  EXPECT_EQ(open_at(dir_, "../outside", 0, kRead).value, refused);
  EXPECT_EQ(open_at(dir_, "/etc/passwd", 0, kRead).value, refused);
  EXPECT_EQ(open_at(dir_, "absolute-link", 0, kRead, kFollow).value, refused);
  EXPECT_EQ(open_at(dir_, "up-link", 0, kRead, kFollow).value, refused);
  EXPECT_EQ(open_at(dir_, "sub/../../x", 0, kRead).value, refused);
  EXPECT_EQ(open_at(dir_, "sub/escape-dir/outside", 0, kRead, kFollow).value, refused);
  EXPECT_EQ(open_at(dir_, "..", kDirectoryFlag, kRead).value, refused);
  EXPECT_EQ(open_at(dir_, "/proc/self/root/etc/passwd", 0, kRead).value, refused);
  EXPECT_TRUE(open_at(dir_, "sub/..", kDirectoryFlag, kRead).ok) << "still inside";

  EXPECT_EQ(stat_at(dir_, "absolute-link", kFollow).value, refused);
  EXPECT_EQ(stat_at(dir_, "../outside", kNoFollow).value, refused);
  EXPECT_TRUE(stat_at(dir_, "absolute-link", kNoFollow).ok) << "the link itself is inside";
  EXPECT_EQ(path_op("create-directory-at", dir_, "../made").value, refused);
  EXPECT_EQ(path_op("create-directory-at", dir_, "sub/escape-dir/made").value, refused);
  EXPECT_EQ(path_op("unlink-file-at", dir_, "../outside").value, refused);
  EXPECT_EQ(path_op("unlink-file-at", dir_, "/tmp/x").value, refused);
  EXPECT_EQ(path_op("remove-directory-at", dir_, "..").value, refused);
  EXPECT_EQ(readlink_at(dir_, "../root/up-link").value, refused);

  uint32_t from = guest().put("sub"), to = guest().put("../stolen");
  uint32_t ret = guest().alloc(2, 1);
  ASSERT_EQ(
      guest().call(kTypes, "[method]descriptor.rename-at", {dir_, from, 3, dir_, to, 9, ret}).trap,
      0);
  EXPECT_EQ(guest().u8(ret + 1), refused);
  uint32_t outside = guest().put("up-link"), link = guest().put("hard");
  ASSERT_EQ(guest()
                .call(kTypes, "[method]descriptor.link-at",
                      {dir_, kFollow, outside, 7, dir_, link, 4, ret})
                .trap,
            0);
  EXPECT_EQ(guest().u8(ret + 1), code(ErrorCode::kInvalid)) << "link-at never follows";
  uint32_t absolute = guest().put("/etc/passwd"), name = guest().put("planted");
  ASSERT_EQ(guest()
                .call(kTypes, "[method]descriptor.symlink-at", {dir_, absolute, 11, name, 7, ret})
                .trap,
            0);
  EXPECT_EQ(guest().u8(ret + 1), refused);

  EXPECT_TRUE(fs::exists(base_ / "outside"));
  EXPECT_FALSE(fs::exists(base_ / "made"));
  EXPECT_FALSE(fs::exists(base_ / "stolen"));
}

TEST_F(WasiFilesystem, MalformedPaths) {
  EXPECT_EQ(open_at(dir_, "", 0, kRead).value, code(ErrorCode::kNoEntry));
  EXPECT_EQ(open_at(dir_, std::string_view("a\0b", 3), kCreate, kWrite).value,
            code(ErrorCode::kInvalid));
  EXPECT_EQ(path_op("create-directory-at", dir_, ".").value, code(ErrorCode::kExist));
  EXPECT_TRUE(path_op("create-directory-at", dir_, "trailing/").ok);
  EXPECT_TRUE(fs::is_directory(root_ / "trailing"));
}

TEST_F(WasiFilesystem, IdentityAndMetadataHash) {
  ASSERT_TRUE(open_at(dir_, "f", kCreate, kWrite).ok);
  uint32_t a = static_cast<uint32_t>(open_at(dir_, "f", 0, kRead).value);
  uint32_t b = static_cast<uint32_t>(open_at(dir_, "f", 0, kRead).value);
  uint32_t other = static_cast<uint32_t>(open_at(dir_, "sub", 0, kRead).value);
  EXPECT_EQ(guest().call(kTypes, "[method]descriptor.is-same-object", {a, b}).i32(), 1u);
  EXPECT_EQ(guest().call(kTypes, "[method]descriptor.is-same-object", {a, other}).i32(), 0u);

  uint32_t ha = guest().alloc(24, 8), hb = guest().alloc(24, 8), hp = guest().alloc(24, 8);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.metadata-hash", {a, ha}).trap, 0);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.metadata-hash", {other, hb}).trap, 0);
  uint32_t path = guest().put("f");
  ASSERT_EQ(
      guest().call(kTypes, "[method]descriptor.metadata-hash-at", {dir_, 0, path, 1, hp}).trap, 0);
  EXPECT_EQ(guest().u64(ha + 8), guest().u64(hp + 8));
  EXPECT_EQ(guest().u64(ha + 16), guest().u64(hp + 16));
  EXPECT_NE(guest().u64(ha + 8), guest().u64(hb + 8));
  struct stat st;
  ASSERT_EQ(stat((root_ / "f").c_str(), &st), 0);
  EXPECT_NE(guest().u64(ha + 8), st.st_ino) << "no raw inode numbers for the guest";
}

TEST_F(WasiFilesystem, SetSizeAndTimes) {
  uint32_t fd = static_cast<uint32_t>(open_at(dir_, "t", kCreate, kRead | kWrite).value);
  uint32_t ret = guest().alloc(104, 8);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.set-size", {fd, 1000, ret}).trap, 0);
  EXPECT_EQ(guest().u8(ret), 0);
  // access: timestamp(1_000_000_000 s, 5 ns); modification: no-change
  ASSERT_EQ(
      guest()
          .call(kTypes, "[method]descriptor.set-times", {fd, 2, 1'000'000'000, 5, 0, 0, 0, ret})
          .trap,
      0);
  EXPECT_EQ(guest().u8(ret), 0);
  ASSERT_EQ(guest().call(kTypes, "[method]descriptor.stat", {fd, ret}).trap, 0);
  EXPECT_EQ(guest().u64(ret + 24), 1000u);
  EXPECT_EQ(guest().u64(ret + 40), 1'000'000'000u) << "access seconds";
  EXPECT_EQ(guest().u32(ret + 48), 5u) << "access nanoseconds";

  uint32_t path = guest().put("t");
  ASSERT_EQ(guest()
                .call(kTypes, "[method]descriptor.set-times-at",
                      {dir_, 0, path, 1, 0, 0, 0, 2, 1'200'000'000, 0, ret})
                .trap,
            0);
  EXPECT_EQ(guest().u8(ret), 0);
  struct stat st;
  ASSERT_EQ(stat((root_ / "t").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1'200'000'000);
  ASSERT_EQ(
      guest()
          .call(kTypes, "[method]descriptor.set-times", {fd, 2, 0, 1'000'000'000, 0, 0, 0, ret})
          .trap,
      0);
  EXPECT_EQ(guest().u8(ret + 1), code(ErrorCode::kInvalid)) << "nanoseconds out of range";
}

TEST_F(WasiFilesystem, WrongHandleTypeTraps) {
  uint32_t out = guest().call("wasi:cli/stdout@0.2.12", "get-stdout", {}).i32();
  uint32_t ret = guest().alloc(104, 8);
  CallOutcome call = guest().call(kTypes, "[method]descriptor.stat", {out, ret});
  EXPECT_EQ(call.trap, SLUICE_TRAP_HOST);
  EXPECT_NE(call.message.find("descriptor"), std::string::npos) << call.message;
  uint32_t path = guest().put("x");
  EXPECT_EQ(
      guest().call(kTypes, "[method]descriptor.rename-at", {dir_, path, 1, out, path, 1, ret}).trap,
      SLUICE_TRAP_HOST)
      << "second descriptor of the wrong type";
  EXPECT_EQ(guest()
                .call(kTypes, "[method]descriptor.create-directory-at",
                      {dir_, FakeGuest::kMemorySize - 1, 2, ret})
                .trap,
            SLUICE_TRAP_HOST)
      << "path out of bounds";
  uint32_t bad_utf8 = guest().put("\xff");
  EXPECT_EQ(
      guest().call(kTypes, "[method]descriptor.create-directory-at", {dir_, bad_utf8, 1, ret}).trap,
      SLUICE_TRAP_HOST)
      << "path not UTF-8";
}

// ---- read-only preopens ----------------------------------------------------------------------

// What a change to `path` could show in: its type, modification time (not the access time,
// which reading may move) and symlink target or file contents.
std::string describe(const fs::path& path) {
  struct stat st;
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  std::string what = std::to_string(st.st_mode) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
                     std::to_string(st.st_mtim.tv_nsec) + " ";
  if (S_ISLNK(st.st_mode)) return what + fs::read_symlink(path).string();
  if (S_ISREG(st.st_mode)) {
    std::ifstream in(path, std::ios::binary);
    what += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return what;
}

// `dir` and everything below it, described.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> tree{{".", describe(dir)}};
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    tree[fs::relative(entry.path(), dir).string()] = describe(entry.path());
  }
  return tree;
}

// Preopen 0 (dir_, "/ro") is root_ granted read-only, filled beforehand; preopen 1 ("/rw") is a
// read-write directory beside it, to move and link things across the boundary. Every test ends
// by checking that nothing in the read-only tree changed.
class WasiReadOnlyFilesystem : public WasiFilesystem {
 protected:
  void grant_preopens() override {
    std::ofstream(root_ / "data.txt") << "read me";
    std::ofstream(root_ / "sub" / "inner.txt") << "inner";
    fs::create_directory(root_ / "empty");
    fs::create_directory(root_ / "sub" / "empty");
    fs::create_symlink("data.txt", root_ / "link");
    fs::create_directory(base_ / "scratch");
    std::ofstream(base_ / "scratch" / "mine.txt") << "mine";
    wasi_.preopen_directory(root_.string(), "/ro", DirectoryAccess::kReadOnly);
    wasi_.preopen_directory((base_ / "scratch").string(), "/rw");
    before_ = snapshot(root_);
  }
  void SetUp() override {
    WasiFilesystem::SetUp();
    ret_ = guest().alloc(32, 8);  // room for the largest result used here
  }
  void TearDown() override {
    EXPECT_EQ(snapshot(root_), before_) << "the read-only tree changed";
    WasiFilesystem::TearDown();
  }

  uint32_t open_ok(uint32_t dir, std::string_view path, uint64_t open_flags, uint64_t flags) {
    Outcome opened = open_at(dir, path, open_flags, flags);
    EXPECT_TRUE(opened.ok) << path << ": error " << opened.value;
    return static_cast<uint32_t>(opened.value);
  }

  // Calls a descriptor method returning result<_, error-code>; `args` end with ret_.
  Outcome unit_call(std::string_view method, std::initializer_list<uint64_t> args) {
    CallOutcome out =
        guest().call(kTypes, std::string("[method]descriptor.") + std::string(method), args);
    EXPECT_EQ(out.trap, 0) << method << ": " << out.message;
    return {guest().u8(ret_) == 0, guest().u8(ret_ + 1)};
  }

  // Calls a descriptor method returning result<own<stream>, error-code>; `args` end with ret_.
  Outcome stream_call(std::string_view method, std::initializer_list<uint64_t> args) {
    CallOutcome out =
        guest().call(kTypes, std::string("[method]descriptor.") + std::string(method), args);
    EXPECT_EQ(out.trap, 0) << method << ": " << out.message;
    return {guest().u8(ret_) == 0, guest().u32(ret_ + 4)};
  }

  uint8_t flags_of(uint32_t fd) {
    EXPECT_TRUE(unit_call("get-flags", {fd, ret_}).ok);
    return guest().u8(ret_ + 1);
  }

  std::string read_stream_to_end(uint32_t file) {
    Outcome in = stream_call("read-via-stream", {file, 0, ret_});
    EXPECT_TRUE(in.ok);
    std::string text;
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(guest().call(kStreams, "[method]input-stream.blocking-read", {in.value, 100, ret_})
                    .trap,
                0);
      if (guest().u8(ret_) != 0) break;  // closed: the end of the file
      text += guest().bytes_at(ret_ + 4);
    }
    return text;
  }

  uint32_t ret_ = 0;  // the return area of unit_call and stream_call
  std::map<std::string, std::string> before_;
  static constexpr uint8_t kRefused = code(ErrorCode::kNotPermitted);
};

TEST_F(WasiReadOnlyFilesystem, ReadingListingAndStatStillWork) {
  uint32_t data = open_ok(dir_, "data.txt", 0, kRead);
  EXPECT_EQ(read(data, 100, 0), std::make_pair(std::string("read me"), false));
  EXPECT_EQ(read_stream_to_end(data), "read me");
  EXPECT_TRUE(unit_call("sync", {data, ret_}).ok) << "syncing changes nothing";
  EXPECT_TRUE(unit_call("sync-data", {data, ret_}).ok);
  EXPECT_TRUE(unit_call("advise", {data, 0, 7, 1, ret_}).ok);

  uint32_t sub = open_ok(dir_, "sub", kDirectoryFlag, kRead);
  uint32_t inner = open_ok(sub, "inner.txt", 0, kRead);
  EXPECT_EQ(read(inner, 100, 0), std::make_pair(std::string("inner"), false));
  EXPECT_TRUE(unit_call("sync", {sub, ret_}).ok);

  uint8_t type = 0;
  Outcome st = stat_at(dir_, "link", kFollow, &type);
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.value, 7u);
  EXPECT_EQ(type, static_cast<uint8_t>(DescriptorType::kRegularFile));
  std::string target;
  EXPECT_TRUE(readlink_at(dir_, "link", &target).ok);
  EXPECT_EQ(target, "data.txt");
  EXPECT_TRUE(open_at(dir_, "link", 0, kRead, kFollow).ok);
  uint32_t path = guest().put("data.txt");
  EXPECT_EQ(
      guest().call(kTypes, "[method]descriptor.metadata-hash-at", {dir_, 0, path, 8, ret_}).trap,
      0);
  EXPECT_EQ(guest().u8(ret_), 0);

  ASSERT_TRUE(stream_call("read-directory", {dir_, ret_}).ok);
  uint32_t entries = guest().u32(ret_ + 4);
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(
        guest()
            .call(kTypes, "[method]directory-entry-stream.read-directory-entry", {entries, ret_})
            .trap,
        0);
    ASSERT_EQ(guest().u8(ret_), 0);
    if (guest().u8(ret_ + 4) == 0) break;
    names.insert(guest().bytes_at(ret_ + 12));
  }
  EXPECT_TRUE(names.count("data.txt") && names.count("sub") && names.count("empty") &&
              names.count("link"));
}

TEST_F(WasiReadOnlyFilesystem, FlagsShowNeitherWriteNorMutate) {
  EXPECT_EQ(flags_of(dir_), kRead);
  EXPECT_EQ(flags_of(open_ok(dir_, "sub", kDirectoryFlag, kRead | kMutateDirectory)), kRead)
      << "asking for mutate-directory below a read-only preopen does not grant it";
  EXPECT_EQ(flags_of(open_ok(dir_, "sub/..", kDirectoryFlag, kRead | kMutateDirectory)), kRead);
  EXPECT_EQ(flags_of(open_ok(dir_, "data.txt", 0, kRead)), kRead);
  EXPECT_EQ(flags_of(preopen(1)), kRead | kMutateDirectory) << "the read-write preopen";
}

TEST_F(WasiReadOnlyFilesystem, OpeningToChangeAFileIsRefused) {
  struct Attempt {
    uint64_t open_flags, flags;
  };
  const Attempt attempts[] = {{0, kWrite},           {0, kRead | kWrite},
                              {kCreate, kRead},      {kCreate | kExclusive, kRead | kWrite},
                              {kExclusive, kRead},   {kTruncate, kRead},
                              {kCreate | kDirectoryFlag, kRead}};
  // The preopen and directories derived from it, however reached, refuse alike.
  const uint32_t dirs[] = {dir_, open_ok(dir_, "sub", kDirectoryFlag, kRead | kMutateDirectory),
                           open_ok(dir_, "sub/..", kDirectoryFlag, kRead),
                           open_ok(dir_, ".", kDirectoryFlag, kRead)};
  for (uint32_t dir : dirs) {
    for (const Attempt& a : attempts) {
      for (std::string_view path : {"data.txt", "sub/inner.txt", "new.txt"}) {
        Outcome opened = open_at(dir, path, a.open_flags, a.flags);
        EXPECT_FALSE(opened.ok) << path << " open-flags " << a.open_flags << " flags " << a.flags;
        EXPECT_EQ(opened.value, kRefused) << path;
      }
    }
  }
  EXPECT_FALSE(fs::exists(root_ / "new.txt"));
  EXPECT_FALSE(fs::exists(root_ / "sub" / "new.txt"));
}

TEST_F(WasiReadOnlyFilesystem, AFileOpenedForReadingCannotBeChanged) {
  uint32_t data = open_ok(dir_, "data.txt", 0, kRead);
  Outcome written = write(data, "overwritten", 0);
  EXPECT_FALSE(written.ok);
  EXPECT_EQ(written.value, kRefused);
  EXPECT_EQ(stream_call("write-via-stream", {data, 0, ret_}).value,
            code(ErrorCode::kBadDescriptor));
  EXPECT_EQ(stream_call("append-via-stream", {data, ret_}).value, code(ErrorCode::kBadDescriptor));
  EXPECT_EQ(unit_call("set-size", {data, 0, ret_}).value, kRefused);
  // set-times(now, now)
  EXPECT_EQ(unit_call("set-times", {data, 1, 0, 0, 1, 0, 0, ret_}).value, kRefused);
}

TEST_F(WasiReadOnlyFilesystem, ChangingTheTreeIsRefused) {
  struct Below {
    uint32_t dir;
    std::string_view file, empty_dir;
  };
  const Below dirs[] = {
      {dir_, "data.txt", "empty"},
      {open_ok(dir_, "sub", kDirectoryFlag, kRead | kMutateDirectory), "inner.txt", "empty"},
      {open_ok(dir_, "sub/..", kDirectoryFlag, kRead), "data.txt", "empty"}};
  for (const Below& below : dirs) {
    const uint32_t d = below.dir;
    EXPECT_EQ(path_op("create-directory-at", d, "made").value, kRefused);
    EXPECT_EQ(path_op("unlink-file-at", d, below.file).value, kRefused);
    EXPECT_EQ(path_op("remove-directory-at", d, below.empty_dir).value, kRefused);
    EXPECT_EQ(path_op("unlink-file-at", d, "missing").value, kRefused) << "refused before lookup";

    uint32_t file = guest().put(below.file), name = guest().put("made");
    uint32_t file_len = static_cast<uint32_t>(below.file.size());
    EXPECT_EQ(unit_call("symlink-at", {d, file, file_len, name, 4, ret_}).value, kRefused);
    EXPECT_EQ(unit_call("rename-at", {d, file, file_len, d, name, 4, ret_}).value, kRefused);
    EXPECT_EQ(unit_call("link-at", {d, kNoFollow, file, file_len, d, name, 4, ret_}).value,
              kRefused);
    // set-times-at(file, now, no-change); set-times on the directory itself (now, now)
    EXPECT_EQ(unit_call("set-times-at", {d, 0, file, file_len, 1, 0, 0, 0, 0, 0, ret_}).value,
              kRefused);
    EXPECT_EQ(unit_call("set-times", {d, 1, 0, 0, 1, 0, 0, ret_}).value, kRefused);
  }
}

TEST_F(WasiReadOnlyFilesystem, NothingMovesOrLinksAcrossTheBoundary) {
  uint32_t rw = preopen(1);
  uint32_t data = guest().put("data.txt"), mine = guest().put("mine.txt");
  uint32_t stolen = guest().put("stolen.txt"), planted = guest().put("planted.txt");
  EXPECT_EQ(unit_call("rename-at", {dir_, data, 8, rw, stolen, 10, ret_}).value, kRefused)
      << "out of the read-only tree";
  EXPECT_EQ(unit_call("rename-at", {rw, mine, 8, dir_, planted, 11, ret_}).value, kRefused)
      << "into the read-only tree";
  EXPECT_EQ(unit_call("link-at", {dir_, kNoFollow, data, 8, rw, stolen, 10, ret_}).value,
            kRefused);
  EXPECT_EQ(unit_call("link-at", {rw, kNoFollow, mine, 8, dir_, planted, 11, ret_}).value,
            kRefused);
  EXPECT_FALSE(fs::exists(base_ / "scratch" / "stolen.txt"));
  EXPECT_TRUE(fs::exists(base_ / "scratch" / "mine.txt"));

  // The read-write preopen beside it keeps working: the refusals are per directory.
  EXPECT_TRUE(open_at(rw, "new.txt", kCreate | kExclusive, kWrite).ok);
  EXPECT_TRUE(unit_call("rename-at", {rw, mine, 8, rw, stolen, 10, ret_}).ok);
  EXPECT_TRUE(fs::exists(base_ / "scratch" / "new.txt"));
}

}  // namespace
}  // namespace sluice::wasi::testing
