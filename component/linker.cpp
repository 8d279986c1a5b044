#include "component/linker.h"

#include <cstdlib>
#include <cstring>
#include <variant>

#include "component/names.h"
#include "engine/runtime/sluice_rt.h"

namespace sluice::component {

struct ComponentInstance::CoreInstance {
  const sluice_module_desc* desc = nullptr;
  void* memory = nullptr;  // the wasm2c instance struct
  bool instantiated = false;

  ~CoreInstance() {
    if (memory != nullptr) {
      // A module whose instantiation trapped half-way is freed too: the runtime's free functions
      // accept objects that were never allocated (zeroed).
      desc->free(memory);
      std::free(memory);
    }
  }
};

struct ComponentInstance::ImportContext {
  sluice_import_ctx ctx{};
  std::vector<sluice_func_binding> funcs;
  std::vector<void*> externs;
};

namespace {

// A core item in the linker's view: a function to call, or a runtime object.
struct CoreExtern {
  CoreExternKind kind = CoreExternKind::Func;
  CoreFuncRef func;       // Func
  void* object = nullptr; // Table/Memory/Global: wasm_rt_* object or global storage
  std::string signature;  // globals: "i"/"mI"...; functions: in func.signature
};
using CoreInstanceValue = std::map<std::string, CoreExtern, std::less<>>;

struct HostFuncValue {
  std::string interface;  // the import name, e.g. "wasi:io/streams@0.2.12"
  std::string name;
};
using FuncValue = std::variant<HostFuncValue, LiftedFunc>;

struct InstanceValue;
using InstanceValuePtr = std::shared_ptr<const InstanceValue>;
struct ComponentValue {
  const Component* component = nullptr;
  const struct Scope* closure = nullptr;  // scope it was defined in, for outer aliases
};
using ItemValue = std::variant<std::monostate, FuncValue, InstanceValuePtr, ComponentValue, uint32_t>;

struct InstanceValue {
  std::string host_interface;  // non-empty: an instance the host provides
  std::map<std::string, ItemValue, std::less<>> exports;
};

std::string core_signature(const CoreFuncType& type) {
  auto letter = [](CoreValType t) {
    switch (t) {
      case CoreValType::I32: return 'i';
      case CoreValType::I64: return 'I';
      case CoreValType::F32: return 'f';
      case CoreValType::F64: return 'F';
      default: return '?';
    }
  };
  std::string out;
  for (CoreValType t : type.params) out += letter(t);
  out += ':';
  for (CoreValType t : type.results) out += letter(t);
  return out;
}

std::string describe_sort(Sort sort) { return to_string(sort); }

// One component's index spaces being filled in, definition by definition.
struct Scope {
  const Component& component;
  const Scope* parent;
  std::map<std::string, ItemValue, std::less<>> args;  // nested: what instantiate passed

  std::vector<CoreExtern> core_funcs, core_tables, core_memories, core_globals;
  std::vector<std::shared_ptr<CoreInstanceValue>> core_instances;
  std::vector<uint32_t> core_modules;  // global module numbers
  std::vector<FuncValue> funcs;
  std::vector<InstanceValuePtr> instances;
  std::vector<ComponentValue> components;

  Scope(const Component& c, const Scope* p) : component(c), parent(p) {
    core_funcs.resize(c.core_funcs.size());
    core_tables.resize(c.core_tables.size());
    core_memories.resize(c.core_memories.size());
    core_globals.resize(c.core_globals.size());
    core_instances.resize(c.core_instances.size());
    core_modules.resize(c.core_modules.size());
    funcs.resize(c.funcs.size());
    instances.resize(c.instances.size());
    components.resize(c.components.size());
  }

  const Scope& outer(uint32_t count) const {
    const Scope* s = this;
    for (uint32_t i = 0; i < count; ++i) {
      if (s->parent == nullptr) throw LinkError("outer alias reaches beyond the top level");
      s = s->parent;
    }
    return *s;
  }
};

}  // namespace

class Linker {
 public:
  Linker(ComponentInstance& instance, const sluice_artifact_desc& artifact,
         const HostInterfaces& host, void* embedder)
      : instance_(instance), artifact_(artifact), host_(host), embedder_(embedder) {}

  InstanceValuePtr run(const Component& component, const Scope* parent,
                       std::map<std::string, ItemValue, std::less<>> args) {
    Scope scope(component, parent);
    scope.args = std::move(args);
    for (const SortIndex& def : component.definitions) define(scope, def);
    auto exports = std::make_shared<InstanceValue>();
    for (const ExportDecl& e : component.exports) exports->exports[e.full_name()] = item(scope, e.target);
    return exports;
  }

 private:
  void define(Scope& s, const SortIndex& def) {
    const Component& c = s.component;
    switch (def.sort) {
      case Sort::CoreFunc: s.core_funcs[def.index] = define_core_func(s, c.core_funcs[def.index]); break;
      case Sort::CoreTable:
        s.core_tables[def.index] = core_alias(s, c.core_tables[def.index].def, CoreExternKind::Table);
        break;
      case Sort::CoreMemory:
        s.core_memories[def.index] = core_alias(s, c.core_memories[def.index].def, CoreExternKind::Memory);
        break;
      case Sort::CoreGlobal:
        s.core_globals[def.index] = core_alias(s, c.core_globals[def.index].def, CoreExternKind::Global);
        break;
      case Sort::CoreModule: s.core_modules[def.index] = define_module(s, c.core_modules[def.index]); break;
      case Sort::CoreInstance:
        s.core_instances[def.index] = define_core_instance(s, c.core_instances[def.index]);
        break;
      case Sort::Func: s.funcs[def.index] = define_func(s, c.funcs[def.index]); break;
      case Sort::Instance: s.instances[def.index] = define_instance(s, c.instances[def.index]); break;
      case Sort::Component: s.components[def.index] = define_component(s, c.components[def.index]); break;
      case Sort::CoreType:
      case Sort::Type:
        break;  // types were resolved by the parser; resources are looked up where used
      case Sort::Value:
        throw LinkError("component value definitions are not supported");
    }
  }

  // ---- core items ----------------------------------------------------------------------------

  CoreExtern core_alias(Scope& s, const CoreExportAlias& alias, CoreExternKind kind) {
    const CoreInstanceValue& inst = *s.core_instances.at(alias.core_instance);
    auto it = inst.find(alias.name);
    if (it == inst.end()) throw LinkError("core instance has no export \"" + alias.name + "\"");
    if (it->second.kind != kind) {
      throw LinkError("core export \"" + alias.name + "\" is a " + to_string(it->second.kind) +
                      ", expected a " + to_string(kind));
    }
    return it->second;
  }

  CoreExtern define_core_func(Scope& s, const CoreFuncDef& def) {
    if (auto* alias = std::get_if<CoreExportAlias>(&def.def)) {
      return core_alias(s, *alias, CoreExternKind::Func);
    }
    if (auto* lower = std::get_if<CanonLower>(&def.def)) return lower_func(s, *lower, def.type);
    if (auto* drop = std::get_if<CanonResourceDrop>(&def.def)) return resource_drop(*drop);
    throw LinkError("guest-defined resources (resource.new/resource.rep) are not supported yet");
  }

  CoreExtern lower_func(Scope& s, const CanonLower& lower, const CoreFuncType& expected) {
    const FuncValue& func = s.funcs.at(lower.func);
    const auto* host_func = std::get_if<HostFuncValue>(&func);
    if (host_func == nullptr) {
      throw LinkError("lowering a function the component itself lifts (component-to-component "
                      "fusion) is not supported");
    }
    const HostFunc* impl = host_.find_func(host_func->interface, host_func->name);
    if (impl == nullptr) {
      throw LinkError("component imports function \"" + host_func->name + "\" of \"" +
                      host_func->interface + "\", which sluice does not implement");
    }
    std::string want = core_signature(expected);
    if (impl->core_signature != want) {
      throw LinkError("\"" + host_func->interface + "#" + host_func->name +
                      "\": the component's type flattens to (" + want +
                      ") but sluice implements (" + impl->core_signature + ")");
    }
    if (lower.options.string_encoding != StringEncoding::Utf8) {
      throw LinkError("\"" + host_func->name + "\": only the utf8 string encoding is supported");
    }
    auto lowered = std::make_unique<LoweredImport>();
    lowered->resources = &instance_.resources_;
    lowered->embedder = embedder_;
    if (lower.options.memory) lowered->memory = memory_object(s, *lower.options.memory);
    if (lower.options.realloc) {
      const CoreExtern& realloc = s.core_funcs.at(*lower.options.realloc);
      check_signature(realloc.func, "iiii:i", "realloc");
      lowered->realloc = {realloc.func.call, realloc.func.target};
    }
    CoreExtern out;
    out.kind = CoreExternKind::Func;
    out.func = {impl->call, lowered.get(), impl->core_signature};
    instance_.lowered_imports_.push_back(std::move(lowered));
    return out;
  }

  CoreExtern resource_drop(const CanonResourceDrop& drop) {
    const ResourceType& r = *drop.resource;
    if (r.origin != ResourceType::Origin::Imported || r.export_path.size() != 1) {
      throw LinkError("resource.drop of " + describe(r) +
                      ": only resources imported from host interfaces are supported");
    }
    const HostResourceType* type = host_.find_resource(r.import_name, r.export_name());
    if (type == nullptr) {
      throw LinkError("component imports resource \"" + r.export_name() + "\" of \"" +
                      r.import_name + "\", which sluice does not implement");
    }
    auto target = std::make_unique<ResourceDropTarget>();
    target->resources = &instance_.resources_;
    target->type = type;
    CoreExtern out;
    out.kind = CoreExternKind::Func;
    out.func = {&resource_drop_adapter, target.get(), kResourceDropSignature};
    instance_.drop_targets_.push_back(std::move(target));
    return out;
  }

  wasm_rt_memory_t* memory_object(Scope& s, uint32_t index) {
    return static_cast<wasm_rt_memory_t*>(s.core_memories.at(index).object);
  }

  static void check_signature(const CoreFuncRef& f, std::string_view want, const char* what) {
    if (f.signature != want) {
      throw LinkError(std::string(what) + " function has core type (" + f.signature +
                      "), expected (" + std::string(want) + ")");
    }
  }

  uint32_t define_module(Scope& s, const CoreModuleDef& def) {
    if (auto* embedded = std::get_if<EmbeddedModule>(&def.def)) return embedded->global_number;
    if (auto* outer = std::get_if<OuterAlias>(&def.def)) {
      return s.outer(outer->count).core_modules.at(outer->index);
    }
    if (auto* re = std::get_if<ExportRef>(&def.def)) return s.core_modules.at(re->target);
    throw LinkError("imported core modules are not supported");
  }

  std::shared_ptr<CoreInstanceValue> define_core_instance(Scope& s, const CoreInstanceDef& def) {
    auto value = std::make_shared<CoreInstanceValue>();
    if (auto* bag = std::get_if<CoreInlineExports>(&def.def)) {
      for (const CoreInlineExport& e : bag->exports) (*value)[e.name] = core_item(s, e.item);
      return value;
    }
    const auto& inst = std::get<CoreInstantiate>(def.def);
    uint32_t number = s.core_modules.at(inst.module);
    if (number >= artifact_.num_modules) {
      throw LinkError("artifact has no module " + std::to_string(number) + " (stale artifact?)");
    }
    const sluice_module_desc& desc = artifact_.modules[number];

    auto context = std::make_unique<ComponentInstance::ImportContext>();
    context->funcs.resize(desc.num_imports);
    context->externs.resize(desc.num_imports);
    for (uint32_t j = 0; j < desc.num_imports; ++j) {
      const sluice_import_desc& want = desc.imports[j];
      const CoreInstantiateArg* arg = inst.find_arg(want.module);
      if (arg == nullptr) {
        throw LinkError(std::string("core module ") + std::to_string(number) + " imports from \"" +
                        want.module + "\", which its instantiation does not supply");
      }
      const CoreInstanceValue& from = *s.core_instances.at(arg->core_instance);
      auto it = from.find(want.field);
      if (it == from.end()) {
        throw LinkError(std::string("core module ") + std::to_string(number) + " imports \"" +
                        want.module + "\" \"" + want.field + "\", which is not supplied");
      }
      const CoreExtern& have = it->second;
      auto kind = static_cast<CoreExternKind>(want.kind);
      if (have.kind != kind) {
        throw LinkError(std::string("import \"") + want.module + "\" \"" + want.field + "\" is a " +
                        to_string(kind) + " but a " + to_string(have.kind) + " was supplied");
      }
      std::string_view have_sig = kind == CoreExternKind::Func ? have.func.signature : have.signature;
      if (kind == CoreExternKind::Func || kind == CoreExternKind::Global) {
        if (have_sig != want.signature) {
          throw LinkError(std::string("import \"") + want.module + "\" \"" + want.field +
                          "\" has type (" + want.signature + ") but (" + std::string(have_sig) +
                          ") was supplied");
        }
      }
      if (kind == CoreExternKind::Func) {
        context->funcs[j] = {have.func.call, have.func.target};
      } else {
        context->externs[j] = have.object;
      }
    }
    context->ctx.self = &context->ctx;
    context->ctx.funcs = context->funcs.data();
    context->ctx.externs = context->externs.data();

    auto core = std::make_unique<ComponentInstance::CoreInstance>();
    core->desc = &desc;
    size_t size = (desc.instance_size + 63) / 64 * 64;
    core->memory = std::aligned_alloc(64, size == 0 ? 64 : size);
    if (core->memory == nullptr) throw std::bad_alloc();
    std::memset(core->memory, 0, size == 0 ? 64 : size);
    ComponentInstance::CoreInstance* raw = core.get();
    sluice_import_ctx* ctx = &context->ctx;
    instance_.core_instances_.push_back(std::move(core));
    instance_.import_contexts_.push_back(std::move(context));

    struct Call {
      const sluice_module_desc* desc;
      void* memory;
      sluice_import_ctx* ctx;
    } call{&desc, raw->memory, ctx};
    sluice_trap_info info{};
    int kind = sluice_rt_call_guarded(
        [](void* arg) {
          auto* c = static_cast<Call*>(arg);
          c->desc->instantiate(c->memory, c->ctx);
        },
        &call, &info);
    if (kind != 0) {
      throw InstantiationTrap(std::string("trap while instantiating core module ") +
                                  std::to_string(number) + ": " +
                                  (info.message ? info.message : sluice_rt_trap_message(kind)),
                              kind, info.exit_status);
    }
    raw->instantiated = true;

    for (uint32_t e = 0; e < desc.num_exports; ++e) {
      const sluice_export_desc& x = desc.exports[e];
      CoreExtern item;
      item.kind = static_cast<CoreExternKind>(x.kind);
      if (item.kind == CoreExternKind::Func) {
        item.func = {x.call, raw->memory, x.signature};
      } else {
        item.object = x.get(raw->memory);
        item.signature = x.signature;
      }
      (*value)[x.name] = std::move(item);
    }
    return value;
  }

  CoreExtern core_item(Scope& s, const SortIndex& item) {
    switch (item.sort) {
      case Sort::CoreFunc: return s.core_funcs.at(item.index);
      case Sort::CoreTable: return s.core_tables.at(item.index);
      case Sort::CoreMemory: return s.core_memories.at(item.index);
      case Sort::CoreGlobal: return s.core_globals.at(item.index);
      default: throw LinkError("core instance exports a " + describe_sort(item.sort));
    }
  }

  // ---- component items -----------------------------------------------------------------------

  const ItemValue& import_arg(const Scope& s, uint32_t import) {
    const ImportDecl& decl = s.component.imports.at(import);
    auto it = s.args.find(decl.full_name());
    if (it == s.args.end()) it = s.args.find(decl.name);
    if (it == s.args.end()) {
      throw LinkError("nested component import \"" + decl.full_name() + "\" was not supplied");
    }
    return it->second;
  }

  FuncValue define_func(Scope& s, const FuncDef& def) {
    if (auto* imp = std::get_if<ImportRef>(&def.def)) {
      if (s.parent == nullptr) {
        throw LinkError("component imports a bare function \"" +
                        s.component.imports.at(imp->import).full_name() +
                        "\"; sluice provides functions through interfaces only");
      }
      return expect<FuncValue>(import_arg(s, imp->import), "function");
    }
    if (auto* alias = std::get_if<InstanceExportAlias>(&def.def)) {
      const InstanceValue& inst = *s.instances.at(alias->instance);
      if (!inst.host_interface.empty()) return HostFuncValue{inst.host_interface, alias->name};
      return expect<FuncValue>(export_of(inst, alias->name), "function");
    }
    if (auto* lift = std::get_if<CanonLift>(&def.def)) {
      LiftedFunc out;
      out.core = s.core_funcs.at(lift->core_func).func;
      out.type = def.type;
      if (lift->options.memory) out.memory = memory_object(s, *lift->options.memory);
      if (lift->options.post_return) out.post_return = s.core_funcs.at(*lift->options.post_return).func;
      if (lift->options.string_encoding != StringEncoding::Utf8) {
        throw LinkError("only the utf8 string encoding is supported");
      }
      return out;
    }
    return s.funcs.at(std::get<ExportRef>(def.def).target);
  }

  InstanceValuePtr define_instance(Scope& s, const InstanceDef& def) {
    if (auto* imp = std::get_if<ImportRef>(&def.def)) {
      if (s.parent != nullptr) return expect<InstanceValuePtr>(import_arg(s, imp->import), "instance");
      const ImportDecl& decl = s.component.imports.at(imp->import);
      if (!host_.has_interface(decl.full_name())) {
        throw LinkError("component imports \"" + decl.full_name() +
                        "\", which sluice does not provide");
      }
      auto value = std::make_shared<InstanceValue>();
      value->host_interface = decl.full_name();
      return value;
    }
    if (auto* inst = std::get_if<ComponentInstantiate>(&def.def)) {
      const ComponentValue& child = s.components.at(inst->component);
      std::map<std::string, ItemValue, std::less<>> args;
      for (const InstantiateArg& a : inst->args) args[a.name] = item(s, a.item);
      if (++depth_ > 64) throw LinkError("component instantiation nested too deeply");
      InstanceValuePtr out = run(*child.component, child.closure, std::move(args));
      --depth_;
      return out;
    }
    if (auto* bag = std::get_if<InlineExports>(&def.def)) {
      auto value = std::make_shared<InstanceValue>();
      for (const InlineExport& e : bag->exports) value->exports[e.name] = item(s, e.item);
      return value;
    }
    if (auto* alias = std::get_if<InstanceExportAlias>(&def.def)) {
      const InstanceValue& inst = *s.instances.at(alias->instance);
      if (!inst.host_interface.empty()) throw LinkError("nested host instances are not supported");
      return expect<InstanceValuePtr>(export_of(inst, alias->name), "instance");
    }
    return s.instances.at(std::get<ExportRef>(def.def).target);
  }

  ComponentValue define_component(Scope& s, const ComponentDef& def) {
    if (const Component* nested = def.nested()) return ComponentValue{nested, &s};
    if (auto* outer = std::get_if<OuterAlias>(&def.def)) {
      return s.outer(outer->count).components.at(outer->index);
    }
    if (auto* re = std::get_if<ExportRef>(&def.def)) return s.components.at(re->target);
    throw LinkError("imported components are not supported");
  }

  ItemValue item(Scope& s, const SortIndex& item) {
    switch (item.sort) {
      case Sort::Func: return s.funcs.at(item.index);
      case Sort::Instance: return s.instances.at(item.index);
      case Sort::Component: return s.components.at(item.index);
      case Sort::CoreModule: return s.core_modules.at(item.index);
      case Sort::Type: return std::monostate{};  // types are checked by the parser
      default: throw LinkError("cannot pass a " + describe_sort(item.sort) + " between components");
    }
  }

  static const ItemValue& export_of(const InstanceValue& inst, std::string_view name) {
    auto it = inst.exports.find(name);
    if (it == inst.exports.end()) throw LinkError("instance has no export \"" + std::string(name) + "\"");
    return it->second;
  }

  template <typename T>
  static T expect(const ItemValue& v, const char* what) {
    if (const T* t = std::get_if<T>(&v)) return *t;
    throw LinkError(std::string("expected a ") + what);
  }

  ComponentInstance& instance_;
  const sluice_artifact_desc& artifact_;
  const HostInterfaces& host_;
  void* embedder_;
  int depth_ = 0;

 public:
  // Records the lifted functions of the top level's exported instances.
  static void collect_exports(ComponentInstance& instance, const InstanceValue& exports) {
    for (const auto& [name, value] : exports.exports) {
      const auto* inst = std::get_if<InstanceValuePtr>(&value);
      if (inst == nullptr) continue;
      for (const auto& [func_name, func_value] : (*inst)->exports) {
        const auto* func = std::get_if<FuncValue>(&func_value);
        if (func == nullptr) continue;
        if (const auto* lifted = std::get_if<LiftedFunc>(func)) instance.exports_[name][func_name] = *lifted;
      }
    }
  }
};

std::unique_ptr<ComponentInstance> ComponentInstance::instantiate(const Component& component,
                                                                  const sluice_artifact_desc& artifact,
                                                                  const HostInterfaces& host,
                                                                  void* embedder) {
  if (artifact.num_modules != component.all_modules.size()) {
    throw LinkError("artifact has " + std::to_string(artifact.num_modules) +
                    " core modules but the component has " +
                    std::to_string(component.all_modules.size()) + " (stale artifact?)");
  }
  std::unique_ptr<ComponentInstance> instance(new ComponentInstance());
  Linker linker(*instance, artifact, host, embedder);
  InstanceValuePtr exports = linker.run(component, nullptr, {});
  Linker::collect_exports(*instance, *exports);
  return instance;
}

ComponentInstance::~ComponentInstance() {
  // Host objects first (they may hold OS resources but never guest memory), then the core
  // instances in reverse creation order: later instances may point into earlier ones.
  resources_.clear();
  while (!core_instances_.empty()) core_instances_.pop_back();
}

const LiftedFunc* ComponentInstance::find_exported_func(std::string_view interface_pattern,
                                                        std::string_view func) const {
  for (const auto& [name, funcs] : exports_) {
    if (!interface_matches(name, interface_pattern)) continue;
    auto it = funcs.find(func);
    if (it != funcs.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace sluice::component
