#include "engine/artifact_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "engine/engine_error.h"

namespace sluice::engine {
namespace {

std::string errno_text() { return std::strerror(errno); }

// A temporary directory removed on destruction unless kept.
class WorkDir {
 public:
  WorkDir(const std::filesystem::path& parent, const std::string& stem) {
    std::string templ = (parent / (stem + "-XXXXXX")).string();
    if (!mkdtemp(templ.data()))
      throw EngineError("cannot create a work directory in " + parent.string() + ": " + errno_text());
    path_ = templ;
  }
  ~WorkDir() {
    if (!keep_) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

// An exclusive flock on a file, held until destruction.
class FileLock {
 public:
  FileLock(const std::filesystem::path& path, const ProgressCallback& progress) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw EngineError("cannot open lock file " + path.string() + ": " + errno_text());
    if (flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    if (errno != EWOULDBLOCK) fail(path);
    if (progress)
      progress(Progress{Progress::Stage::kWaiting, 0, 0,
                        "waiting for another sluice process compiling the same component"});
    while (flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) fail(path);
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  [[noreturn]] void fail(const std::filesystem::path& path) {
    std::string msg = "cannot lock " + path.string() + ": " + errno_text();
    ::close(fd_);
    fd_ = -1;
    throw EngineError(msg);
  }
  int fd_ = -1;
};

bool keep_requested(const EngineOptions& options) {
  if (options.keep_intermediates) return true;
  const char* env = std::getenv("SLUICE_KEEP_INTERMEDIATES");
  return env && *env && std::strcmp(env, "0") != 0;
}

void build_into(std::span<const ModuleBytes> modules, const EngineOptions& options,
                const std::string& key, const std::filesystem::path& work_parent,
                const std::filesystem::path& final_path, const ProgressCallback& progress) {
  std::vector<CoreModule> parsed = parse_modules(modules);
  WorkDir work(work_parent, "sluice-" + key.substr(0, 16));
  bool keep = keep_requested(options);
  if (keep) {
    work.keep();
    if (progress)
      progress(Progress{Progress::Stage::kNote, 0, 0,
                        "keeping intermediate files in " + work.path().string()});
  }
  std::filesystem::path staged = work.path() / "artifact.so";
  build_artifact(modules, parsed, options, key, work.path(), staged, progress);
  // The cache's work directory is inside the cache: a plain rename is atomic. Elsewhere (compile_to
  // with the work directory in $TMPDIR) copy next to the output first, then rename.
  std::filesystem::permissions(staged, std::filesystem::perms(0755));
  std::error_code ec;
  std::filesystem::rename(staged, final_path, ec);
  if (ec) {
    std::filesystem::path tmp = final_path;
    tmp += ".tmp-" + std::to_string(::getpid());
    std::filesystem::copy_file(staged, tmp, std::filesystem::copy_options::overwrite_existing, ec);
    if (!ec) std::filesystem::rename(tmp, final_path, ec);
    if (ec) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw EngineError("cannot move the artifact to " + final_path.string() + ": " + ec.message());
    }
  }
  if (progress)
    progress(Progress{Progress::Stage::kDone, 1, 1, "wrote " + final_path.string()});
}

}  // namespace

std::filesystem::path default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/')
    return std::filesystem::path(xdg) / "sluice";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "sluice";
  throw EngineError("no cache directory: neither XDG_CACHE_HOME nor HOME is set");
}

ArtifactCache::ArtifactCache(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  bool created = std::filesystem::create_directories(dir_, ec);
  if (ec) throw EngineError("cannot create cache directory " + dir_.string() + ": " + ec.message());
  if (created) std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
  struct stat st;
  if (::stat(dir_.c_str(), &st) != 0)
    throw EngineError("cannot stat cache directory " + dir_.string() + ": " + errno_text());
  if (!S_ISDIR(st.st_mode)) throw EngineError(dir_.string() + " is not a directory");
  if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
    throw EngineError("refusing to use cache directory " + dir_.string() +
                      ": it is owned by another user or writable by group/others");
  std::filesystem::create_directories(dir_ / "tmp", ec);
  if (ec) throw EngineError("cannot create " + (dir_ / "tmp").string() + ": " + ec.message());
}

std::filesystem::path ArtifactCache::path_for_key(const std::string& key) const {
  return dir_ / (key + ".so");
}

std::filesystem::path ArtifactCache::ensure_compiled(std::span<const ModuleBytes> modules,
                                                     const EngineOptions& options,
                                                     const ProgressCallback& progress) {
  const std::string key = artifact_key(modules, options);
  const std::filesystem::path path = path_for_key(key);
  auto hit = [&] {
    if (progress)
      progress(Progress{Progress::Stage::kCacheHit, 1, 1, "using cached artifact " + path.string()});
    return path;
  };
  if (std::filesystem::exists(path)) return hit();
  FileLock lock(dir_ / (key + ".lock"), progress);
  if (std::filesystem::exists(path)) return hit();  // another process finished it meanwhile
  build_into(modules, options, key, dir_ / "tmp", path, progress);
  return path;
}

void ArtifactCache::evict(const std::string& key) {
  std::error_code ec;
  std::filesystem::remove(path_for_key(key), ec);
}

void compile_to(std::span<const ModuleBytes> modules, const EngineOptions& options,
                const std::filesystem::path& output, const ProgressCallback& progress) {
  const std::string key = artifact_key(modules, options);
  std::filesystem::path out = std::filesystem::absolute(output);
  build_into(modules, options, key, std::filesystem::temp_directory_path(), out, progress);
}

}  // namespace sluice::engine
