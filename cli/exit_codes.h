// Exit statuses of the sluice command. A guest's own exit status passes through unchanged; the
// statuses sluice adds for its own outcomes follow the conventions operators already script
// against (timeout(1) for deadlines, wasmtime's SIGABRT-style 134 for traps, sysexits.h).
#pragma once

namespace sluice::cli {

inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitBadInput = 65;    // EX_DATAERR: malformed or unsupported component
inline constexpr int kExitHostError = 70;   // EX_SOFTWARE: sluice itself failed
inline constexpr int kExitIoError = 74;     // EX_IOERR: cannot read or write a file
inline constexpr int kExitConfig = 78;      // EX_CONFIG: the --policy file is wrong
inline constexpr int kExitTimeout = 124;    // --timeout expired
inline constexpr int kExitTrap = 134;       // the guest trapped
inline constexpr int kExitMemoryLimit = 137; // the guest was refused memory by --max-memory

}  // namespace sluice::cli
