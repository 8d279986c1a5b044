// Instantiation of a parsed component over a compiled artifact.
//
// The linker evaluates the component's definitions in binary order — core instances, aliases,
// canon lower/lift, nested component instances — exactly as the binary declares them, so any
// producer's layout works (jco's adapter/shim/fixup, componentize-js, nested components). For each
// core instance it fills an import context from the instance graph (never from import names),
// then runs the module's instantiation (data, elements, start) under a trap guard. Imports that
// reach the host become canon-lowered host functions; their core signatures are checked against
// what the component's WIT types flatten to.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "component/component_model.h"
#include "component/host_interfaces.h"
#include "component/resource_table.h"
#include "engine/artifact_abi.h"
#include "wasm-rt.h"

namespace sluice::component {

// The component cannot be linked with this host (an import the host lacks, a signature
// mismatch, an unsupported construct). Not the guest's fault at run time: a bad input.
class LinkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A trap while instantiating (a start function or a data segment trapped).
class InstantiationTrap : public std::runtime_error {
 public:
  InstantiationTrap(const std::string& message, int kind, int exit_status)
      : std::runtime_error(message), kind_(kind), exit_status_(exit_status) {}
  int kind() const { return kind_; }
  int exit_status() const { return exit_status_; }

 private:
  int kind_;
  int exit_status_;
};

// A core function as generated code calls it (see artifact_abi.h).
struct CoreFuncRef {
  sluice_call_fn call = nullptr;
  void* target = nullptr;
  std::string signature;
};

// A component function exported by the guest: a canon lift of a core function.
struct LiftedFunc {
  CoreFuncRef core;
  std::optional<CoreFuncRef> post_return;
  wasm_rt_memory_t* memory = nullptr;
  FuncTypePtr type;
};

class ComponentInstance {
 public:
  // Instantiates `component` (the top level of a parsed binary) with the core modules of
  // `artifact`. Must run on the thread that will run the guest: start functions execute here,
  // and the runtime's memory limit applies to memories created on the calling thread.
  // `embedder` is handed to host functions (CallContext::embedder).
  static std::unique_ptr<ComponentInstance> instantiate(const Component& component,
                                                        const sluice_artifact_desc& artifact,
                                                        const HostInterfaces& host,
                                                        void* embedder);
  ~ComponentInstance();

  ComponentInstance(const ComponentInstance&) = delete;
  ComponentInstance& operator=(const ComponentInstance&) = delete;

  // The lifted function `func` of the exported instance whose name matches `interface_pattern`
  // (e.g. "wasi:cli/run@0.2.x", "run"); null when there is none.
  const LiftedFunc* find_exported_func(std::string_view interface_pattern,
                                       std::string_view func) const;

  ResourceTable& resources() { return resources_; }

 private:
  friend class Linker;
  ComponentInstance() = default;

  struct CoreInstance;
  struct ImportContext;

  ResourceTable resources_;
  std::vector<std::unique_ptr<CoreInstance>> core_instances_;  // in creation order
  std::vector<std::unique_ptr<ImportContext>> import_contexts_;
  std::vector<std::unique_ptr<LoweredImport>> lowered_imports_;
  std::vector<std::unique_ptr<ResourceDropTarget>> drop_targets_;
  // Exported instances of the top level: name -> function name -> lifted function.
  std::map<std::string, std::map<std::string, LiftedFunc, std::less<>>, std::less<>> exports_;
};

}  // namespace sluice::component
