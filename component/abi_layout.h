// Canonical ABI layout of component types (CanonicalABI.md): how values are
// flattened into core parameters/results and how they are laid out in linear
// memory (size and alignment).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "component/types.h"

namespace sluice::component::abi {

inline constexpr size_t kMaxFlatParams = 16;
inline constexpr size_t kMaxFlatResults = 1;

enum class FlattenContext : uint8_t { Lift, Lower };

// flatten_type: the core value types one value of `t` occupies when passed flat.
std::vector<CoreValType> flatten_type(const ValType& t);

// flatten_functype: params beyond kMaxFlatParams become one i32 pointer;
// results beyond kMaxFlatResults become an i32 return pointer (lift) or an
// extra i32 out-pointer parameter with no results (lower).
CoreFuncType flatten_functype(const FuncType& ft, FlattenContext context);

// Discriminant of a variant with `num_cases` cases: U8, U16 or U32.
ValKind discriminant_type(size_t num_cases);

uint32_t alignment(const ValType& t);
uint32_t elem_size(const ValType& t);  // "size" in the spec: bytes in memory
uint32_t align_to(uint32_t offset, uint32_t alignment);

// Offsets of the fields of a record (or elements of a tuple) in memory.
std::vector<uint32_t> field_offsets(const ValType& record_or_tuple);
// Offset of a variant's payload (after the discriminant, aligned).
uint32_t variant_payload_offset(const ValType& variant_like);

// The cases of option/result/enum/variant as the ABI sees them
// (despecialization: option = none|some(t), result = ok(t?)|error(e?)).
std::vector<Case> variant_cases(const ValType& t);

}  // namespace sluice::component::abi
