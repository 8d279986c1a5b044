// The component-model type tree, resolved.
//
// Binary types refer to each other by index into per-scope type index spaces;
// the parser resolves every reference, so a type here points directly at the
// types it is built from (shared, immutable nodes). A canonical-ABI layer can
// walk a ValType without knowing which scope it came from.
//
// Identity of resource types is pointer identity of their ResourceType node.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::component {

struct Component;

// ---------------------------------------------------------------- core types

enum class CoreValType : uint8_t { I32, I64, F32, F64, V128, FuncRef, ExternRef };
const char* to_string(CoreValType t);

struct CoreFuncType {
  std::vector<CoreValType> params;
  std::vector<CoreValType> results;
  bool operator==(const CoreFuncType&) const = default;
};
std::string to_string(const CoreFuncType& t);

enum class CoreExternKind : uint8_t { Func, Table, Memory, Global, Tag };
const char* to_string(CoreExternKind k);

// Type of a core import/export. Only what the component layer needs: the kind,
// and for functions (and tags) the signature. Limits are kept for diagnostics.
struct CoreExternType {
  CoreExternKind kind = CoreExternKind::Func;
  CoreFuncType func;                       // Func, Tag
  CoreValType value_type = CoreValType::I32;  // Global value type, Table element type
  bool is_mutable = false;                 // Global
  bool is_64 = false;                      // Memory/Table: 64-bit addresses
  bool is_shared = false;                  // Memory
  uint64_t min = 0;                        // Memory/Table
  std::optional<uint64_t> max;             // Memory/Table
};

struct CoreImportDecl {
  std::string module;
  std::string field;
  CoreExternType type;
};
struct CoreExportDecl {
  std::string name;
  CoreExternType type;
};

// The type of a core module: what it imports and exports.
struct CoreModuleType {
  std::vector<CoreImportDecl> imports;
  std::vector<CoreExportDecl> exports;
  const CoreExportDecl* find_export(std::string_view name) const;
};
using CoreModuleTypePtr = std::shared_ptr<const CoreModuleType>;

// An entry of the core type index space: a func type or a module type.
using CoreType = std::variant<CoreFuncType, CoreModuleType>;
using CoreTypePtr = std::shared_ptr<const CoreType>;

// ----------------------------------------------------------- component types

enum class ValKind : uint8_t {
  // primitives
  Bool, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, Char, String,
  // compound
  Record, Variant, List, Tuple, Flags, Enum, Option, Result, Own, Borrow,
};
const char* to_string(ValKind k);
inline bool is_primitive(ValKind k) { return k <= ValKind::String; }

struct ValType;
using ValTypePtr = std::shared_ptr<const ValType>;
struct ResourceType;
using ResourcePtr = std::shared_ptr<const ResourceType>;

struct Field {
  std::string name;  // label; empty only for a function's single unnamed result
  ValTypePtr type;
};
struct Case {
  std::string name;
  ValTypePtr type;  // null: the case carries no payload
};

// A value type: a primitive or a defvaltype tree. One node type with a kind
// tag keeps ABI walkers a plain switch; only the members for `kind` are used.
struct ValType {
  ValKind kind = ValKind::Bool;
  std::vector<Field> fields;        // Record
  std::vector<Case> cases;          // Variant
  std::vector<ValTypePtr> elems;    // Tuple
  std::vector<std::string> labels;  // Flags, Enum
  ValTypePtr elem;                  // List element, Option payload, Result ok (null: none)
  ValTypePtr error;                 // Result error (null: none)
  ResourcePtr resource;             // Own, Borrow

  // Computed when the node is built (see finish_val_type):
  uint32_t depth = 1;         // nesting depth, bounded so walks cannot overflow the stack
  uint64_t tree_size = 1;     // nodes when walked as a tree (shared nodes counted each time)
  bool has_borrow = false;    // transitively contains borrow<..>
  bool needs_memory = false;  // transitively contains string or list (lifting needs memory)
};

// Shared singleton for a primitive kind.
ValTypePtr primitive(ValKind k);

// A resource type. Where it comes from is what a linker needs to route
// resource.drop and handle types to the right host implementation.
struct ResourceType {
  enum class Origin : uint8_t {
    Defined,   // (type (resource (rep i32) (dtor f)?)) in `owner`
    Imported,  // introduced by a component-level import of `owner`
    Abstract,  // (sub resource) declared inside an instance/component *type*
  };
  Origin origin = Origin::Abstract;
  uint32_t id = 0;  // unique within one parse; for messages and debugging

  const Component* owner = nullptr;  // Defined / Imported: the component that declares it

  // Defined
  std::optional<uint32_t> dtor;  // core func index in `owner`

  // Imported: import `import_name`; the resource is the export reached by
  // following `export_path` through (nested) instance exports, e.g.
  // ("wasi:io/streams@0.2.12", {"output-stream"}). Empty path: the import is
  // itself a `(type (sub resource))`.
  std::string import_name;
  std::vector<std::string> export_path;

  // Abstract: the export/import name that declared it inside a type.
  std::string name;

  // Last element of export_path, or "" (convenience for the common case).
  std::string export_name() const { return export_path.empty() ? std::string() : export_path.back(); }
};
std::string describe(const ResourceType& r);

struct FuncType {
  std::vector<Field> params;
  // Either one unnamed result (name "") or zero or more named results.
  std::vector<Field> results;
};
using FuncTypePtr = std::shared_ptr<const FuncType>;

struct InstanceType;
struct ComponentType;
using InstanceTypePtr = std::shared_ptr<const InstanceType>;
using ComponentTypePtr = std::shared_ptr<const ComponentType>;

// An entry of a component type index space.
using TypeDef = std::variant<ValTypePtr, FuncTypePtr, ResourcePtr, InstanceTypePtr, ComponentTypePtr>;
const char* type_class_name(const TypeDef& t);  // "value type", "func type", ...
inline const ValTypePtr* as_val_type(const TypeDef& t) { return std::get_if<ValTypePtr>(&t); }
inline const FuncTypePtr* as_func_type(const TypeDef& t) { return std::get_if<FuncTypePtr>(&t); }
inline const ResourcePtr* as_resource(const TypeDef& t) { return std::get_if<ResourcePtr>(&t); }
inline const InstanceTypePtr* as_instance_type(const TypeDef& t) { return std::get_if<InstanceTypePtr>(&t); }
inline const ComponentTypePtr* as_component_type(const TypeDef& t) { return std::get_if<ComponentTypePtr>(&t); }

// Component-level sorts, with the core sorts folded in.
enum class Sort : uint8_t {
  CoreFunc, CoreTable, CoreMemory, CoreGlobal, CoreType, CoreModule, CoreInstance,
  Func, Value, Type, Component, Instance,
};
const char* to_string(Sort s);

// The type of an import/export: its sort plus the matching resolved type.
struct ExternType {
  Sort sort = Sort::Func;   // CoreModule, Func, Type, Component or Instance
  CoreModuleTypePtr module;   // CoreModule
  FuncTypePtr func;           // Func
  TypeDef type;               // Type: the type itself (a ResourcePtr for `sub resource`)
  InstanceTypePtr instance;   // Instance
  ComponentTypePtr component; // Component
};

struct ExternItem {
  std::string name;
  ExternType type;
};

struct InstanceType {
  std::vector<ExternItem> exports;
  const ExternItem* find_export(std::string_view name) const;
};

struct ComponentType {
  std::vector<ExternItem> imports;
  std::vector<ExternItem> exports;
  const ExternItem* find_import(std::string_view name) const;
  const ExternItem* find_export(std::string_view name) const;
};

// ------------------------------------------------------------------ helpers

// Fills in depth/tree_size/has_borrow/needs_memory from the children.
void finish_val_type(ValType& t);

// Structural equality (resources compare by identity; names are compared).
bool equal(const ValTypePtr& a, const ValTypePtr& b);
bool equal(const FuncType& a, const FuncType& b);

// Textual form close to the WAT syntax, for error messages and tests.
std::string to_string(const ValType& t);
std::string to_string(const FuncType& t);

// Rebuilds types with some resources replaced by others (used when an
// instance type is imported, and when a nested component is instantiated).
// Nodes that mention no replaced resource are shared, not copied. `budget`
// counts nodes created across the whole parse so crafted inputs cannot make
// it allocate without bound; it throws std::length_error when exhausted.
class ResourceSubstitution {
 public:
  explicit ResourceSubstitution(uint64_t* budget) : budget_(budget) {}
  void add(const ResourceType* from, ResourcePtr to) { map_[from] = std::move(to); }
  bool contains(const ResourceType* from) const { return map_.count(from) != 0; }
  bool empty() const { return map_.empty(); }

  ValTypePtr apply(const ValTypePtr& t);
  FuncTypePtr apply(const FuncTypePtr& t);
  InstanceTypePtr apply(const InstanceTypePtr& t);
  ComponentTypePtr apply(const ComponentTypePtr& t);
  ResourcePtr apply(const ResourcePtr& t);
  TypeDef apply(const TypeDef& t);
  ExternType apply(const ExternType& t);

 private:
  void charge(uint64_t n);
  std::map<const ResourceType*, ResourcePtr> map_;
  std::map<const void*, std::shared_ptr<const void>> memo_;
  uint64_t* budget_;
};

}  // namespace sluice::component
