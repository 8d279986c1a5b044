// Translation of rewritten core modules to C with wasm2c 1.0.32, and the injection of interrupt
// checks into the generated C.
//
// The interrupt transform is pinned to wasm2c 1.0.32's output format (and refuses other wasm2c
// versions): at every loop label line ("  w2c_L<n>: ", emitted for each `loop` with a non-empty,
// reachable body) and after every "  FUNC_PROLOGUE;" line (one per defined function) it appends
//     if (UNLIKELY(sluice_rt_interrupt_flag)) sluice_rt_interrupted();
// and it puts a prelude declaring those two symbols (defined by engine/runtime) at the top of the
// file. Every loop back edge in wasm is a branch to a loop label and every call enters a
// prologue, so a set flag stops any guest within one loop iteration or call. The transform
// verifies its patterns (one FUNC_PROLOGUE per defined function, loop labels only in the expected
// form and never more than the module's loops, every `goto w2c_L<n>` in a function targeting an
// instrumented label of that function) and throws ToolError if the output does not match.
#ifndef SLUICE_ENGINE_WASM2C_TRANSLATOR_H_
#define SLUICE_ENGINE_WASM2C_TRANSLATOR_H_

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "engine/core_module.h"

namespace sluice::engine {

inline constexpr const char kRequiredWasm2cVersion[] = "1.0.32";
inline constexpr const char kInterruptCheck[] =
    "if (UNLIKELY(sluice_rt_interrupt_flag)) sluice_rt_interrupted();";

struct TranslateOptions {
  // wasm2c executable; empty: $SLUICE_WASM2C if set, else "wasm2c" on PATH.
  std::string wasm2c;
  // Inject interrupt checks (off only to measure their cost: the runtime's deadlines cannot stop
  // a guest compiled without them).
  bool interrupt_checks = true;
};

struct InterruptStats {
  uint64_t function_checks = 0;
  uint64_t loop_checks = 0;
};

struct TranslatedModule {
  std::filesystem::path c_file;  // <dir>/m<k>.c
  std::filesystem::path h_file;  // <dir>/m<k>.h
  InterruptStats interrupts;
};

std::string resolve_wasm2c(const TranslateOptions& options);

// The version wasm2c reports ("1.0.32"). Memoized per executable path. Throws ToolError if it
// cannot be run.
std::string wasm2c_version(const std::string& wasm2c);

// Throws ToolError unless `wasm2c` is version kRequiredWasm2cVersion.
void check_wasm2c_version(const std::string& wasm2c);

// The wasm2c command line that translates <dir>/m<k>.wasm into <dir>/m<k>.c and m<k>.h.
std::vector<std::string> wasm2c_command(const std::string& wasm2c, uint32_t k,
                                        const std::filesystem::path& dir);

// Writes the rewritten module to <dir>/m<k>.wasm and runs wasm2c on it (then the interrupt
// transform if enabled). `module` is the parsed original module (its counts verify the
// transform).
TranslatedModule translate_module(std::span<const uint8_t> rewritten, const CoreModule& module,
                                  uint32_t k, const std::filesystem::path& dir,
                                  const TranslateOptions& options);

// The interrupt transform on one generated file, in place (streams; fine for 165 MB files).
InterruptStats inject_interrupt_checks(const std::filesystem::path& c_file,
                                       const CoreModule& module);

// The same on a string (for tests).
InterruptStats inject_interrupt_checks_in(std::string& c_source, const CoreModule& module);

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_WASM2C_TRANSLATOR_H_
