// Randomness from the kernel (getrandom(2)): the source of wasi:random and of the per-sandbox
// secrets (insecure seed, metadata hash key).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::wasi {

// Fills `out` with `len` cryptographically secure random bytes. Throws std::system_error if
// the kernel refuses (it does not once its pool is initialised).
void fill_random(void* out, size_t len);

uint64_t random_u64();

}  // namespace sluice::wasi
