// Generates the C glue of an artifact: the definitions of every renamed core import
// (Z_sluice_i<k>Z_f<j>), a trampoline or accessor per export, the module descriptors and the
// exported `sluice_artifact` descriptor of artifact_abi.h, plus `sluice_artifact_info`, a
// "key=value\n" string describing how the artifact was built (checked by the loader).
//
// wasm2c 1.0.32 facts the glue relies on (verified on generated code; see the tests):
//   - an imported function (module M, field F) is an external C function
//     `R Z_<M>Z_<F>(struct Z_<M>_instance_t*, params...)`, with R void, the single result type
//     (u32/u64/f32/f64), or `struct wasm_multi_<letters>` (i,j,f,d for i32,i64,f32,f64; fields
//     <letter><position>) for several results;
//   - an imported memory, table or global is fetched once at instantiation through an accessor
//     the embedder defines: `wasm_rt_memory_t* Z_<M>Z_<F>(struct Z_<M>_instance_t*)`,
//     `wasm_rt_funcref_table_t*` / `wasm_rt_externref_table_t*` for tables, and `u32*`, `u64*`,
//     `f32*`, `f64*` for globals (mutable or not);
//   - exports are `Z_<prefix>Z_<name>(Z_<prefix>_instance_t*, ...)` for functions and
//     accessors returning the same pointer types as above for memories, tables and globals;
//   - `Z_<prefix>_instantiate(inst, one struct pointer per distinct import module, sorted
//     bytewise)`: after renaming, a module with imports takes exactly one (the context).
#ifndef SLUICE_ENGINE_GLUE_GENERATOR_H_
#define SLUICE_ENGINE_GLUE_GENERATOR_H_

#include <string>
#include <vector>

#include "engine/core_module.h"

namespace sluice::engine {

// `modules` are the parsed original modules (original names go into the descriptors); their
// generated headers are included as "m<k>.h". `info` is stored verbatim as sluice_artifact_info
// (lines of "key=value").
std::string generate_glue(const std::vector<CoreModule>& modules, const std::string& info);

// C string literal for arbitrary bytes (every byte outside a safe set is an octal escape, so
// names taken from the module can never end the literal or start a comment).
std::string c_string_literal(const std::string& bytes);

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_GLUE_GENERATOR_H_
