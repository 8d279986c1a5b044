#include "component/component_model.h"

#include "component/names.h"

namespace sluice::component {

const CoreInstantiateArg* CoreInstantiate::find_arg(std::string_view name) const {
  for (const auto& a : args)
    if (a.name == name) return &a;
  return nullptr;
}

const CoreExportDecl* CoreInstanceDef::find_export(std::string_view name) const {
  for (const auto& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

const Component* ComponentDef::nested() const {
  const auto* p = std::get_if<std::shared_ptr<const Component>>(&def);
  return p ? p->get() : nullptr;
}

const InstantiateArg* ComponentInstantiate::find_arg(std::string_view name) const {
  for (const auto& a : args)
    if (a.name == name) return &a;
  return nullptr;
}

const ImportDecl* Component::find_import(std::string_view name) const {
  for (const auto& i : imports)
    if (i.name == name) return &i;
  return nullptr;
}

const ExportDecl* Component::find_export(std::string_view name) const {
  for (const auto& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

const ExportDecl* Component::find_export_matching(std::string_view pattern) const {
  for (const auto& e : exports)
    if (interface_matches(e.full_name(), pattern)) return &e;
  return nullptr;
}

uint32_t Component::resolve_func(uint32_t func) const {
  // ExportRef targets always precede the export, so this terminates.
  while (const auto* ref = std::get_if<ExportRef>(&funcs.at(func).def)) func = ref->target;
  return func;
}

uint32_t Component::resolve_instance(uint32_t instance) const {
  while (const auto* ref = std::get_if<ExportRef>(&instances.at(instance).def)) instance = ref->target;
  return instance;
}

size_t Component::count(Sort sort) const {
  switch (sort) {
    case Sort::CoreFunc: return core_funcs.size();
    case Sort::CoreTable: return core_tables.size();
    case Sort::CoreMemory: return core_memories.size();
    case Sort::CoreGlobal: return core_globals.size();
    case Sort::CoreType: return core_types.size();
    case Sort::CoreModule: return core_modules.size();
    case Sort::CoreInstance: return core_instances.size();
    case Sort::Func: return funcs.size();
    case Sort::Value: return 0;
    case Sort::Type: return types.size();
    case Sort::Component: return components.size();
    case Sort::Instance: return instances.size();
  }
  return 0;
}

}  // namespace sluice::component
