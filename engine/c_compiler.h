// Compiles the generated C of an artifact (one file per core module plus the glue) into one
// shared object: translation units in parallel, then one link.
#ifndef SLUICE_ENGINE_C_COMPILER_H_
#define SLUICE_ENGINE_C_COMPILER_H_

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace sluice::engine {

struct CCompilerOptions {
  // The compiler command; empty: $CC split on whitespace if set, else {"cc"}.
  std::vector<std::string> cc;
  int opt_level = 2;  // 0..3
  // Parallel compile jobs; 0: number of cores. Jobs are also held back while the memory they
  // are estimated to need (about 48 bytes per byte of C at -O2) exceeds what is available.
  unsigned jobs = 0;
  // Appended to every compile command (part of the cache key).
  std::vector<std::string> extra_cflags;
};

std::vector<std::string> resolve_cc(const CCompilerOptions& options);

// `<cc> --version` output, memoized per command: identifies the compiler in the cache key.
std::string compiler_identity(const std::vector<std::string>& cc);

// The flags every generated translation unit is compiled with (without -c/-o and the file).
std::vector<std::string> generated_code_cflags(const CCompilerOptions& options);

// Compiles `sources` (each into <file>.o next to it) with `include_dirs` on the include path and
// links them into `output`. on_compiled(done, total) is reported after each translation unit
// (the link starts after the last one, done == total). Throws ToolError on failure.
void build_shared_object(const std::vector<std::filesystem::path>& sources,
                         const std::vector<std::filesystem::path>& include_dirs,
                         const std::filesystem::path& output, const CCompilerOptions& options,
                         const std::function<void(size_t done, size_t total)>& on_compiled = {});

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_C_COMPILER_H_
