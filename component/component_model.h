// The parsed, validated form of a component binary.
//
// A Component holds one index space per sort. Entry i of a space says how
// index i was defined (a std::variant of small definition structs) and carries
// its resolved type. `definitions` lists every (sort, index) in the order the
// binary defined them: instantiation evaluates definitions in that order.
//
// Walk, for a `jco new` command component (indices from its WAT):
//   exports["wasi:cli/run@0.2.12"] -> {Instance, 16}
//   instances[16]  ExportRef -> instances[15]
//   instances[15]  ComponentInstantiate{component 0, args {"import-func-run" -> {Func, 19}}}
//   components[0]  nested Component; its export "run" -> its funcs[0] = ImportRef{0}
//                  ("import-func-run"), which that instantiate arg supplies: outer funcs[19]
//   funcs[19]      CanonLift{core_func 57, type 34, options}
//   core_funcs[57] CoreExportAlias{core_instance 19, "wasi:cli/run@0.2.12#run"}
//   core_instances[19] CoreInstantiate{module 1, args {"env" -> 3, "wasi:io/streams@0.2.12" -> 6, ...}}
//   core_modules[1] EmbeddedModule{offset, size, global_number 1}
//   core_instances[6]  CoreInlineExports{... "[resource-drop]output-stream" -> core func 19 ...}
//   core_funcs[19] CanonResourceDrop{type 29, resource}; resource->import_name "wasi:io/streams@0.2.12",
//                  resource->export_name() "output-stream"
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "component/types.h"

namespace sluice::component {

struct SortIndex {
  Sort sort = Sort::Func;
  uint32_t index = 0;
  bool operator==(const SortIndex&) const = default;
};

// ------------------------------------------------ definition kinds (shared)

// Defined by import number `import` (into Component::imports).
struct ImportRef {
  uint32_t import = 0;
};
// Defined by export number `export_index` (into Component::exports); the new
// index is another name for `target` in the same sort.
struct ExportRef {
  uint32_t export_index = 0;
  uint32_t target = 0;
};
// (alias export <instance> "<name>")
struct InstanceExportAlias {
  uint32_t instance = 0;
  std::string name;
};
// (alias core export <core instance> "<name>")
struct CoreExportAlias {
  uint32_t core_instance = 0;
  std::string name;
};
// (alias outer <count> <index>): `count` enclosing components out (0 = this
// one, 1 = parent, ...), index `index` in the same sort there. `target` is that
// component, for convenience.
struct OuterAlias {
  uint32_t count = 0;
  uint32_t index = 0;
  const struct Component* target = nullptr;
};

// --------------------------------------------------------- canonical options

enum class StringEncoding : uint8_t { Utf8, Utf16, Latin1Utf16 };

struct CanonOptions {
  StringEncoding string_encoding = StringEncoding::Utf8;  // utf8 when not given
  std::optional<uint32_t> memory;       // core memory index
  std::optional<uint32_t> realloc;      // core func index
  std::optional<uint32_t> post_return;  // core func index (lift only)
};

// ---------------------------------------------------------------- core funcs

// (canon lower (func <func>) <options>): core func calling component func `func`.
struct CanonLower {
  uint32_t func = 0;
  CanonOptions options;
};
// (canon resource.new|drop|rep <type>)
struct CanonResourceNew {
  uint32_t type = 0;
  ResourcePtr resource;
};
struct CanonResourceDrop {
  uint32_t type = 0;
  ResourcePtr resource;
};
struct CanonResourceRep {
  uint32_t type = 0;
  ResourcePtr resource;
};

struct CoreFuncDef {
  std::variant<CoreExportAlias, CanonLower, CanonResourceNew, CanonResourceDrop, CanonResourceRep> def;
  CoreFuncType type;  // its core signature (flattened for canon lower)
  uint64_t offset = 0;
};

// Core tables, memories and globals can only come from core instance exports.
struct CoreItemDef {
  CoreExportAlias def;
  CoreExternType type;
  uint64_t offset = 0;
};

// -------------------------------------------------------------- core types

struct TypeDefinedHere {};  // defined by a type/core type section entry

struct CoreTypeDef {
  std::variant<TypeDefinedHere, OuterAlias> def;
  CoreTypePtr type;
  uint64_t offset = 0;
};

// -------------------------------------------------------------- core modules

// A core module embedded in this component's binary. `offset`/`size` locate
// the module's bytes (from its magic number) in the buffer given to the
// parser. `global_number` numbers all embedded modules of the whole file
// depth-first in order of appearance (see Component::all_modules).
struct EmbeddedModule {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t global_number = 0;
};

struct CoreModuleDef {
  std::variant<EmbeddedModule, ImportRef, OuterAlias, InstanceExportAlias, ExportRef> def;
  CoreModuleTypePtr type;  // imports and exports of the module
  uint64_t offset = 0;
};

// ----------------------------------------------------------- core instances

struct CoreInstantiateArg {
  std::string name;            // the import module name it satisfies
  uint32_t core_instance = 0;
};
// (core instance (instantiate <module> (with "<name>" (instance <i>))*))
struct CoreInstantiate {
  uint32_t module = 0;
  std::vector<CoreInstantiateArg> args;
  const CoreInstantiateArg* find_arg(std::string_view name) const;
};

struct CoreInlineExport {
  std::string name;
  SortIndex item;  // sort is CoreFunc, CoreTable, CoreMemory or CoreGlobal
};
// (core instance (export "<name>" (<sort> <i>))*): a bag of existing items.
struct CoreInlineExports {
  std::vector<CoreInlineExport> exports;
};

struct CoreInstanceDef {
  std::variant<CoreInstantiate, CoreInlineExports> def;
  std::vector<CoreExportDecl> exports;  // resolved: what the instance exports
  const CoreExportDecl* find_export(std::string_view name) const;
  uint64_t offset = 0;
};

// ----------------------------------------------------------- component funcs

// (func (type <type>) (canon lift (core func <core_func>) <options>))
struct CanonLift {
  uint32_t core_func = 0;
  uint32_t type = 0;
  CanonOptions options;
};

struct FuncDef {
  std::variant<ImportRef, InstanceExportAlias, CanonLift, ExportRef> def;
  FuncTypePtr type;
  uint64_t offset = 0;
};

// -------------------------------------------------------------------- types

struct TypeEntry {
  std::variant<TypeDefinedHere, ImportRef, InstanceExportAlias, OuterAlias, ExportRef> def;
  TypeDef type;
  uint64_t offset = 0;
};

// --------------------------------------------------------------- components

struct Component;

struct ComponentDef {
  std::variant<std::shared_ptr<const Component>, ImportRef, OuterAlias, InstanceExportAlias, ExportRef> def;
  ComponentTypePtr type;
  uint64_t offset = 0;
  // The nested component, if this entry is one (else null).
  const Component* nested() const;
};

// ---------------------------------------------------------------- instances

struct InstantiateArg {
  std::string name;  // the import name of the instantiated component it satisfies
  SortIndex item;
};
// (instance (instantiate <component> (with "<name>" (<sort> <i>))*))
struct ComponentInstantiate {
  uint32_t component = 0;
  std::vector<InstantiateArg> args;
  const InstantiateArg* find_arg(std::string_view name) const;
};

struct InlineExport {
  std::string name;
  SortIndex item;
};
// (instance (export "<name>" (<sort> <i>))*)
struct InlineExports {
  std::vector<InlineExport> exports;
};

struct InstanceDef {
  std::variant<ImportRef, ComponentInstantiate, InlineExports, InstanceExportAlias, ExportRef> def;
  InstanceTypePtr type;  // its exports, with resolved types
  uint64_t offset = 0;
};

// ------------------------------------------------------ imports and exports

enum class TypeBound : uint8_t { Eq, SubResource };

// externdesc as written, plus its resolved type.
struct ExternDesc {
  Sort sort = Sort::Func;  // CoreModule, Func, Type, Component or Instance
  uint32_t type_index = 0;  // core type index (CoreModule), else type index; unused for (sub resource)
  TypeBound bound = TypeBound::Eq;  // Type only
  ExternType type;
};

struct ImportDecl {
  std::string name;            // e.g. "wasi:cli/environment@0.2.12"
  std::string version_suffix;  // from the 0x01 name form, else ""
  ExternDesc desc;
  SortIndex item;              // the index this import defined
  // Resources this import brings in (for an instance import: those among its
  // exports, each with origin Imported and this import's name).
  std::vector<ResourcePtr> resources;
  uint64_t offset = 0;

  std::string full_name() const { return name + version_suffix; }
};

struct ExportDecl {
  std::string name;
  std::string version_suffix;
  SortIndex target;                 // what is exported
  std::optional<ExternDesc> ascribed;  // optional type ascription
  SortIndex item;                   // the new index the export defined (an alias of target)
  uint64_t offset = 0;

  std::string full_name() const { return name + version_suffix; }
};

// ---------------------------------------------------------------- component

struct Component {
  const Component* parent = nullptr;  // enclosing component, for outer aliases
  uint32_t depth = 0;                 // 0 for the top level
  uint64_t offset = 0;                // of the preamble
  uint64_t size = 0;                  // bytes, preamble included

  // Index spaces.
  std::vector<CoreFuncDef> core_funcs;
  std::vector<CoreItemDef> core_tables;
  std::vector<CoreItemDef> core_memories;
  std::vector<CoreItemDef> core_globals;
  std::vector<CoreTypeDef> core_types;
  std::vector<CoreModuleDef> core_modules;
  std::vector<CoreInstanceDef> core_instances;
  std::vector<FuncDef> funcs;
  std::vector<TypeEntry> types;
  std::vector<ComponentDef> components;
  std::vector<InstanceDef> instances;

  std::vector<ImportDecl> imports;
  std::vector<ExportDecl> exports;

  // Every definition, in binary order (imports and exports included).
  std::vector<SortIndex> definitions;

  // Top level only: every embedded core module of the file, nested components
  // included, indexed by EmbeddedModule::global_number.
  std::vector<EmbeddedModule> all_modules;

  const ImportDecl* find_import(std::string_view name) const;
  const ExportDecl* find_export(std::string_view name) const;
  // First export whose interface name matches `pattern` (see interface_matches),
  // e.g. "wasi:cli/run@0.2.x".
  const ExportDecl* find_export_matching(std::string_view pattern) const;

  // The type of component func `func`.
  const FuncType& func_type(uint32_t func) const { return *funcs.at(func).type; }
  // Follows ExportRef chains to the definition that is not a re-export.
  uint32_t resolve_func(uint32_t func) const;
  uint32_t resolve_instance(uint32_t instance) const;

  // Size of the index space of `sort`.
  size_t count(Sort sort) const;
};

}  // namespace sluice::component
