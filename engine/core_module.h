// Core WebAssembly module reader: parses just enough of an (untrusted) core module binary for the
// compile pipeline — types, imports, functions, tables, memories, globals, exports, start, segment
// counts — and scans every function body to refuse features the engine cannot run and to count
// loops (the interrupt-check injection is verified against that count).
//
// Every read is bounds-checked; malformed input throws ModuleError with the byte offset, and an
// unsupported feature throws UnsupportedFeatureError naming it. wasm2c validates the module fully
// afterwards; this reader only needs to be safe and to catch what wasm2c would mistranslate or
// abort on.
#ifndef SLUICE_ENGINE_CORE_MODULE_H_
#define SLUICE_ENGINE_CORE_MODULE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/engine_error.h"

namespace sluice::engine {

enum class ValType : uint8_t { I32, I64, F32, F64, FuncRef, ExternRef };

// Same numbering as sluice_extern_kind in artifact_abi.h and as the wasm binary's extern kinds.
enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };

const char* extern_kind_name(ExternKind kind);

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

struct Limits {
  uint32_t min = 0;
  std::optional<uint32_t> max;
};

struct TableType {
  ValType elem = ValType::FuncRef;  // FuncRef or ExternRef
  Limits limits;
};

struct GlobalType {
  ValType type = ValType::I32;
  bool is_mutable = false;
};

struct Import {
  std::string module;
  std::string field;
  ExternKind kind = ExternKind::Func;
  uint32_t type_index = 0;  // Func: index into CoreModule::types
  TableType table;          // Table
  Limits memory;            // Memory
  GlobalType global;        // Global
  // The import descriptor (kind byte + type) as bytes of the original module; the rewriter copies
  // it unchanged.
  size_t desc_offset = 0;
  size_t desc_size = 0;
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;  // in the kind's index space (imports first)
};

struct SectionInfo {
  uint8_t id = 0;
  size_t offset = 0;          // of the id byte
  size_t payload_offset = 0;  // first byte after the size
  size_t payload_size = 0;
  std::string custom_name;  // custom sections only
};

struct CoreModule {
  std::vector<FuncType> types;
  std::vector<Import> imports;
  // Function index space (imported functions first): type index of every function.
  std::vector<uint32_t> functions;
  uint32_t num_imported_functions = 0;
  std::vector<TableType> tables;  // index space, imported first
  uint32_t num_imported_tables = 0;
  std::vector<Limits> memories;  // index space, imported first (at most one)
  uint32_t num_imported_memories = 0;
  std::vector<GlobalType> globals;  // index space, imported first
  uint32_t num_imported_globals = 0;
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  uint32_t num_element_segments = 0;
  uint32_t num_data_segments = 0;
  std::optional<uint32_t> data_count;
  // Code scan results.
  uint32_t num_defined_functions = 0;  // bodies in the code section
  uint64_t num_loops = 0;              // `loop` instructions in all bodies
  uint64_t code_size = 0;              // bytes of the code section payload
  std::vector<SectionInfo> sections;   // in file order, custom sections included

  const FuncType& function_type(uint32_t func_index) const;
};

// Hard limits (the JS API's implementation limits); larger inputs are refused.
struct CoreModuleLimits {
  static constexpr uint32_t kMaxTypes = 1000000;
  static constexpr uint32_t kMaxFunctions = 1000000;
  static constexpr uint32_t kMaxImports = 100000;
  static constexpr uint32_t kMaxExports = 100000;
  static constexpr uint32_t kMaxGlobals = 1000000;
  static constexpr uint32_t kMaxTables = 100000;
  static constexpr uint32_t kMaxDataSegments = 100000;
  static constexpr uint32_t kMaxElementSegments = 10000000;
  static constexpr uint32_t kMaxParams = 1000;
  static constexpr uint32_t kMaxResults = 1000;
  static constexpr uint32_t kMaxLocals = 50000;
  static constexpr uint32_t kMaxFunctionSize = 7654321;
  static constexpr uint32_t kMaxMemoryPages = 65536;
  static constexpr uint32_t kMaxTableSize = 10000000;
  static constexpr uint32_t kMaxBrTableTargets = 65520;
  static constexpr uint32_t kMaxNameLength = 100000;
};

// Parses and scans `bytes`. Throws ModuleError / UnsupportedFeatureError.
CoreModule parse_core_module(std::span<const uint8_t> bytes);

// Signature strings of artifact_abi.h. Functions: "params:results" with i,I,f,F for
// i32,i64,f32,f64 (e.g. "iIi:i"); globals: "i"/"I"/"f"/"F", prefixed with "m" when mutable;
// tables and memories: "". Reference-typed function parameters/results and reference-typed
// globals have no signature in the ABI: the functions below throw EngineError for them.
std::string func_signature(const FuncType& type);
std::string global_signature(const GlobalType& type);
std::string import_signature(const CoreModule& module, const Import& import);
std::string export_signature(const CoreModule& module, const Export& exp);

// Type of an export or import as seen by the artifact's C glue.
const FuncType& export_func_type(const CoreModule& module, const Export& exp);
const TableType& export_table_type(const CoreModule& module, const Export& exp);
const GlobalType& export_global_type(const CoreModule& module, const Export& exp);

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_CORE_MODULE_H_
