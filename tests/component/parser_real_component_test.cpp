// Parses components made by real toolchains (fixtures/README.md says how) and
// checks the structure a linker relies on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "component/abi_layout.h"
#include "component/component_parser.h"
#include "parser_test_util.h"

namespace sluice::component {
namespace {

using testing::load_fixture;

class HelloComponent : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bytes_ = new std::vector<uint8_t>(load_fixture("hello.wasm"));
    component_ = new std::shared_ptr<const Component>(parse_component(*bytes_));
  }
  static void TearDownTestSuite() {
    delete component_;
    delete bytes_;
  }
  const Component& c() const { return **component_; }
  static std::vector<uint8_t>* bytes_;
  static std::shared_ptr<const Component>* component_;
};
std::vector<uint8_t>* HelloComponent::bytes_ = nullptr;
std::shared_ptr<const Component>* HelloComponent::component_ = nullptr;

TEST_F(HelloComponent, CoreModulesAndInstances) {
  EXPECT_EQ(c().core_modules.size(), 4u);  // main, adapter, shim, fixup
  ASSERT_EQ(c().all_modules.size(), 4u);
  for (uint32_t i = 0; i < 4; ++i) {
    const auto& m = c().all_modules[i];
    EXPECT_EQ(m.global_number, i);
    ASSERT_LE(m.offset + m.size, bytes_->size());
    EXPECT_EQ(std::memcmp(bytes_->data() + m.offset, "\0asm\x01\0\0\0", 8), 0);
    const auto* em = std::get_if<EmbeddedModule>(&c().core_modules[i].def);
    ASSERT_TRUE(em);
    EXPECT_EQ(em->offset, m.offset);
  }
  EXPECT_EQ(c().core_instances.size(), 22u);
  ASSERT_EQ(c().components.size(), 1u);
  ASSERT_TRUE(c().components[0].nested());
  EXPECT_EQ(c().components[0].nested()->parent, &c());
  EXPECT_EQ(c().components[0].nested()->depth, 1u);

  // The main module (0) imports wasi_snapshot_preview1 functions.
  const auto& main_type = *c().core_modules[0].type;
  auto fd_write = std::find_if(main_type.imports.begin(), main_type.imports.end(),
                               [](const CoreImportDecl& i) { return i.field == "fd_write"; });
  ASSERT_NE(fd_write, main_type.imports.end());
  EXPECT_EQ(fd_write->module, "wasi_snapshot_preview1");
  EXPECT_EQ(fd_write->type.func, (CoreFuncType{{CoreValType::I32, CoreValType::I32, CoreValType::I32, CoreValType::I32},
                                                {CoreValType::I32}}));

  // Core instance 2 instantiates main with the shim's preview1 functions.
  const auto* inst = std::get_if<CoreInstantiate>(&c().core_instances[2].def);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->module, 0u);
  const auto* arg = inst->find_arg("wasi_snapshot_preview1");
  ASSERT_TRUE(arg);
  EXPECT_TRUE(std::holds_alternative<CoreInlineExports>(c().core_instances[arg->core_instance].def));
  EXPECT_TRUE(c().core_instances[2].find_export("memory"));
}

TEST_F(HelloComponent, Imports) {
  ASSERT_EQ(c().imports.size(), 15u);
  std::set<std::string> names;
  for (const auto& i : c().imports) {
    names.insert(i.name);
    EXPECT_EQ(i.desc.sort, Sort::Instance) << i.name;
    EXPECT_EQ(i.item.sort, Sort::Instance);
    EXPECT_TRUE(i.version_suffix.empty());
  }
  for (const char* want : {"wasi:cli/environment@0.2.12", "wasi:cli/exit@0.2.12", "wasi:io/error@0.2.12",
                           "wasi:io/streams@0.2.12", "wasi:cli/stdout@0.2.12", "wasi:filesystem/types@0.2.12",
                           "wasi:filesystem/preopens@0.2.12"})
    EXPECT_TRUE(names.count(want)) << want;

  const ImportDecl* env = c().find_import("wasi:cli/environment@0.2.12");
  ASSERT_TRUE(env);
  const ExternItem* get_args = env->desc.type.instance->find_export("get-arguments");
  ASSERT_TRUE(get_args);
  ASSERT_EQ(get_args->type.sort, Sort::Func);
  EXPECT_EQ(to_string(*get_args->type.func), "(func (result (list string)))");

  // wasi:io/streams brings in two resources, with their origin recorded.
  const ImportDecl* streams = c().find_import("wasi:io/streams@0.2.12");
  ASSERT_TRUE(streams);
  std::set<std::string> res;
  for (const auto& r : streams->resources) {
    EXPECT_EQ(r->origin, ResourceType::Origin::Imported);
    EXPECT_EQ(r->import_name, "wasi:io/streams@0.2.12");
    EXPECT_EQ(r->owner, &c());
    res.insert(r->export_name());
  }
  EXPECT_EQ(res, (std::set<std::string>{"output-stream", "input-stream"}));
}

// export wasi:cli/run -> shim instance -> nested component -> canon lift ->
// core func -> adapter core instance -> core module.
TEST_F(HelloComponent, WalkFromRunExportToCoreModule) {
  const ExportDecl* run = c().find_export_matching("wasi:cli/run@0.2.x");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->name, "wasi:cli/run@0.2.12");
  ASSERT_EQ(run->target.sort, Sort::Instance);
  EXPECT_EQ(c().definitions.back(), run->item);

  const InstanceDef& shim_inst = c().instances[c().resolve_instance(run->item.index)];
  const auto* inst = std::get_if<ComponentInstantiate>(&shim_inst.def);
  ASSERT_TRUE(inst);
  const Component* shim = c().components.at(inst->component).nested();
  ASSERT_TRUE(shim);

  // In the shim, export "run" is its import "import-func-run"...
  const ExportDecl* inner_run = shim->find_export("run");
  ASSERT_TRUE(inner_run);
  ASSERT_EQ(inner_run->target.sort, Sort::Func);
  ASSERT_TRUE(inner_run->ascribed);  // (export "run" (func 0) (func (type 3)))
  const auto* imp = std::get_if<ImportRef>(&shim->funcs[inner_run->target.index].def);
  ASSERT_TRUE(imp);
  const std::string& import_name = shim->imports[imp->import].name;
  EXPECT_EQ(import_name, "import-func-run");

  // ...which the instantiation supplies with an outer func.
  const InstantiateArg* arg = inst->find_arg(import_name);
  ASSERT_TRUE(arg);
  ASSERT_EQ(arg->item.sort, Sort::Func);
  const FuncDef& lifted = c().funcs[c().resolve_func(arg->item.index)];
  const auto* lift = std::get_if<CanonLift>(&lifted.def);
  ASSERT_TRUE(lift);
  EXPECT_EQ(to_string(c().func_type(arg->item.index)), "(func (result (result)))");
  EXPECT_FALSE(lift->options.memory);
  EXPECT_FALSE(lift->options.post_return);

  const auto* alias = std::get_if<CoreExportAlias>(&c().core_funcs.at(lift->core_func).def);
  ASSERT_TRUE(alias);
  EXPECT_EQ(alias->name, "wasi:cli/run@0.2.12#run");
  EXPECT_EQ(c().core_funcs[lift->core_func].type, (CoreFuncType{{}, {CoreValType::I32}}));
  const auto* adapter = std::get_if<CoreInstantiate>(&c().core_instances.at(alias->core_instance).def);
  ASSERT_TRUE(adapter);
  EXPECT_EQ(adapter->module, 1u);  // the preview1 adapter
  ASSERT_TRUE(adapter->find_arg("env"));
  ASSERT_TRUE(adapter->find_arg("wasi:io/streams@0.2.12"));

  // The instance type of the run export has a func "run" of the same type.
  const ExternItem* run_fn = c().instances[run->item.index].type->find_export("run");
  ASSERT_TRUE(run_fn);
  EXPECT_TRUE(equal(*run_fn->type.func, c().func_type(arg->item.index)));
}

TEST_F(HelloComponent, ResourceDropsResolveToImportedInterfaces) {
  std::set<std::pair<std::string, std::string>> drops;
  for (const auto& f : c().core_funcs) {
    if (const auto* d = std::get_if<CanonResourceDrop>(&f.def)) {
      ASSERT_EQ(d->resource->origin, ResourceType::Origin::Imported);
      drops.insert({d->resource->import_name, d->resource->export_name()});
      EXPECT_EQ(f.type, (CoreFuncType{{CoreValType::I32}, {}}));
      // The type index entry names the same resource node.
      EXPECT_EQ(*as_resource(c().types[d->type].type), d->resource);
    }
  }
  EXPECT_TRUE(drops.count({"wasi:io/streams@0.2.12", "output-stream"}));
  EXPECT_TRUE(drops.count({"wasi:io/streams@0.2.12", "input-stream"}));
  EXPECT_TRUE(drops.count({"wasi:io/error@0.2.12", "error"}));
  EXPECT_TRUE(drops.count({"wasi:filesystem/types@0.2.12", "descriptor"}));
  EXPECT_TRUE(drops.count({"wasi:cli/terminal-output@0.2.12", "terminal-output"}));

  // get-stdout returns own<output-stream>: the very resource node of wasi:io/streams,
  // reached through an outer alias inside the stdout instance type.
  const ImportDecl* stdout_imp = c().find_import("wasi:cli/stdout@0.2.12");
  const ImportDecl* streams = c().find_import("wasi:io/streams@0.2.12");
  ASSERT_TRUE(stdout_imp && streams);
  const ExternItem* get_stdout = stdout_imp->desc.type.instance->find_export("get-stdout");
  ASSERT_TRUE(get_stdout);
  const ValTypePtr& ret = get_stdout->type.func->results.at(0).type;
  ASSERT_EQ(ret->kind, ValKind::Own);
  const ExternItem* os = streams->desc.type.instance->find_export("output-stream");
  ASSERT_TRUE(os);
  EXPECT_EQ(ret->resource, *as_resource(os->type.type));
}

TEST_F(HelloComponent, CanonLowerOptions) {
  bool saw_realloc_utf8 = false, saw_memory_only = false, saw_none = false;
  for (const auto& f : c().core_funcs) {
    const auto* lower = std::get_if<CanonLower>(&f.def);
    if (!lower) continue;
    EXPECT_EQ(f.type, abi::flatten_functype(c().func_type(lower->func), abi::FlattenContext::Lower));
    const auto& o = lower->options;
    if (o.memory && o.realloc && o.string_encoding == StringEncoding::Utf8) saw_realloc_utf8 = true;
    if (o.memory && !o.realloc) saw_memory_only = true;
    if (!o.memory && !o.realloc) saw_none = true;
  }
  EXPECT_TRUE(saw_realloc_utf8);  // get-arguments
  EXPECT_TRUE(saw_memory_only);   // [method]output-stream.write ...
  EXPECT_TRUE(saw_none);          // get-stdout, exit
}

TEST_F(HelloComponent, DefinitionOrderCoversEveryIndexOnce) {
  auto check = [](const Component& comp) {
    std::map<Sort, uint32_t> next;
    for (const auto& d : comp.definitions) {
      EXPECT_EQ(d.index, next[d.sort]) << to_string(d.sort);  // each sort in increasing order
      next[d.sort] = d.index + 1;
    }
    for (Sort s : {Sort::CoreFunc, Sort::CoreTable, Sort::CoreMemory, Sort::CoreGlobal, Sort::CoreType, Sort::CoreModule,
                   Sort::CoreInstance, Sort::Func, Sort::Type, Sort::Component, Sort::Instance})
      EXPECT_EQ(next[s], comp.count(s)) << to_string(s);
  };
  check(c());
  check(*c().components[0].nested());
  // The adapter's instance comes after the instances it is given.
  size_t main_pos = 0, adapter_pos = 0;
  for (size_t i = 0; i < c().definitions.size(); ++i) {
    if (c().definitions[i] == SortIndex{Sort::CoreInstance, 2}) main_pos = i;
    if (c().definitions[i] == SortIndex{Sort::CoreInstance, 19}) adapter_pos = i;
  }
  EXPECT_LT(main_pos, adapter_pos);
}

// ---------------------------------------------------------------------------

class KitchenSink : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = load_fixture("kitchen_sink.wasm");
    c_ = parse_component(bytes_);
  }
  const TypeDef& exported_type(const std::string& name) {
    const ExportDecl* e = c_->find_export(name);
    EXPECT_TRUE(e) << name;
    return c_->types.at(e->item.index).type;
  }
  std::vector<uint8_t> bytes_;
  std::shared_ptr<const Component> c_;
};

TEST_F(KitchenSink, ValueTypes) {
  const auto& point = *as_val_type(exported_type("point"));
  ASSERT_EQ(point->kind, ValKind::Record);
  EXPECT_EQ(to_string(*point), "(record (field \"x\" s32) (field \"y\" s32))");
  EXPECT_EQ(abi::elem_size(*point), 8u);
  const auto& shape = *as_val_type(exported_type("shape"));
  ASSERT_EQ(shape->kind, ValKind::Variant);
  EXPECT_EQ(shape->cases.size(), 3u);
  EXPECT_EQ(shape->cases[1].type, point);  // refers to the same node
  EXPECT_FALSE(shape->cases[2].type);
  EXPECT_EQ(abi::elem_size(*shape), 16u);
  EXPECT_EQ(abi::alignment(*shape), 8u);
  EXPECT_EQ(abi::flatten_type(*shape), (std::vector<CoreValType>{CoreValType::I32, CoreValType::I64, CoreValType::I32}));
  EXPECT_EQ((*as_val_type(exported_type("color")))->labels, (std::vector<std::string>{"red", "green", "blue"}));
  EXPECT_EQ((*as_val_type(exported_type("perms")))->kind, ValKind::Flags);
}

TEST_F(KitchenSink, LiftOptions) {
  const ExportDecl* greet = c_->find_export("greet");
  ASSERT_TRUE(greet);
  const auto* lift = std::get_if<CanonLift>(&c_->funcs[c_->resolve_func(greet->item.index)].def);
  ASSERT_TRUE(lift);
  EXPECT_EQ(lift->options.memory, 0u);
  ASSERT_TRUE(lift->options.realloc);
  ASSERT_TRUE(lift->options.post_return);
  EXPECT_EQ(lift->options.string_encoding, StringEncoding::Utf8);
  EXPECT_EQ(to_string(c_->func_type(greet->item.index)), "(func (param \"name\" string) (result string))");

  const ExportDecl* big = c_->find_export("big");
  ASSERT_TRUE(big);
  EXPECT_EQ(abi::flatten_functype(c_->func_type(big->item.index), abi::FlattenContext::Lift),
            (CoreFuncType{{CoreValType::I32}, {CoreValType::I32}}));

  const ExportDecl* calc = c_->find_export("calc");
  ASSERT_TRUE(calc && calc->ascribed);
  EXPECT_EQ(calc->ascribed->sort, Sort::Func);
}

TEST_F(KitchenSink, DefinedResourceAndCanonBuiltins) {
  const ResourcePtr& counter = *as_resource(exported_type("counter"));
  EXPECT_EQ(counter->origin, ResourceType::Origin::Defined);
  EXPECT_EQ(counter->owner, c_.get());
  ASSERT_TRUE(counter->dtor);
  const auto* dtor_alias = std::get_if<CoreExportAlias>(&c_->core_funcs.at(*counter->dtor).def);
  ASSERT_TRUE(dtor_alias);
  EXPECT_EQ(dtor_alias->name, "dtor");

  int news = 0, reps = 0, drops = 0;
  for (const auto& f : c_->core_funcs) {
    if (const auto* n = std::get_if<CanonResourceNew>(&f.def)) news += n->resource == counter;
    if (const auto* r = std::get_if<CanonResourceRep>(&f.def)) reps += r->resource == counter;
    if (const auto* d = std::get_if<CanonResourceDrop>(&f.def)) {
      ++drops;
      if (d->resource != counter) {
        EXPECT_EQ(d->resource->import_name, "wasi:io/streams@0.2.12");
        EXPECT_EQ(d->resource->export_name(), "output-stream");
      }
    }
  }
  EXPECT_EQ(news, 1);
  EXPECT_EQ(reps, 1);
  EXPECT_EQ(drops, 2);
}

TEST_F(KitchenSink, NestedInstantiationSubstitutesResources) {
  const ExportDecl* inner = c_->find_export("inner");
  ASSERT_TRUE(inner);
  const InstanceDef& inst = c_->instances[c_->resolve_instance(inner->item.index)];
  const ExternItem* make_again = inst.type->find_export("make-again");
  ASSERT_TRUE(make_again);
  const ValTypePtr& ret = make_again->type.func->results.at(0).type;
  ASSERT_EQ(ret->kind, ValKind::Own);
  EXPECT_EQ(ret->resource, *as_resource(exported_type("counter")));

  // Inside the nested component the resource is its own import "r".
  const auto* ci = std::get_if<ComponentInstantiate>(&inst.def);
  ASSERT_TRUE(ci);
  const Component* nested = c_->components.at(ci->component).nested();
  ASSERT_TRUE(nested);
  ASSERT_EQ(nested->imports.size(), 2u);
  ASSERT_EQ(nested->imports[0].resources.size(), 1u);
  EXPECT_EQ(nested->imports[0].resources[0]->import_name, "r");
  EXPECT_EQ(nested->imports[0].resources[0]->owner, nested);
  // Its core module is numbered after the outer ones that precede it.
  ASSERT_EQ(c_->all_modules.size(), 3u);
  const auto* em = std::get_if<EmbeddedModule>(&nested->core_modules.at(0).def);
  ASSERT_TRUE(em);
  EXPECT_EQ(em->global_number, 2u);
  EXPECT_TRUE(nested->all_modules.empty());
}

TEST_F(KitchenSink, ImportedResourcesThroughOuterAliases) {
  const ImportDecl* stdout_imp = c_->find_import("wasi:cli/stdout@0.2.12");
  ASSERT_TRUE(stdout_imp);
  EXPECT_TRUE(stdout_imp->resources.empty());  // it re-exports streams' resource, it has none of its own
  const ExternItem* get = stdout_imp->desc.type.instance->find_export("get-stdout");
  ASSERT_TRUE(get);
  const ResourcePtr& r = get->type.func->results.at(0).type->resource;
  EXPECT_EQ(r->import_name, "wasi:io/streams@0.2.12");
  EXPECT_EQ(r->export_path, (std::vector<std::string>{"output-stream"}));
}

TEST_F(KitchenSink, InlineInstancesAndCoreArgs) {
  const ExportDecl* bag = c_->find_export_matching("my:pkg/bag@1.x");
  ASSERT_TRUE(bag);
  const auto* inline_exports = std::get_if<InlineExports>(&c_->instances[c_->resolve_instance(bag->item.index)].def);
  ASSERT_TRUE(inline_exports);
  EXPECT_EQ(inline_exports->exports.size(), 2u);
  // Core instance 3 ($u) instantiates module 1 with a bag of canon functions.
  const auto* u = std::get_if<CoreInstantiate>(&c_->core_instances.at(3).def);
  ASSERT_TRUE(u);
  const auto* host = u->find_arg("host");
  ASSERT_TRUE(host);
  const auto& bagdef = std::get<CoreInlineExports>(c_->core_instances.at(host->core_instance).def);
  bool saw_lower = false;
  for (const auto& e : bagdef.exports) {
    ASSERT_EQ(e.item.sort, Sort::CoreFunc);
    if (std::holds_alternative<CanonLower>(c_->core_funcs.at(e.item.index).def)) saw_lower = true;
  }
  EXPECT_TRUE(saw_lower);
}

TEST(ParserRealComponents, EveryFixtureParses) {
  for (const char* name : {"hello.wasm", "kitchen_sink.wasm", "tiny.wasm", "type_zoo.wasm"}) {
    auto bytes = load_fixture(name);
    EXPECT_NO_THROW(parse_component(bytes)) << name;
  }
}

}  // namespace
}  // namespace sluice::component

namespace sluice::component {
namespace {

TEST(ParserRealComponents, TypeZoo) {
  auto bytes = testing::load_fixture("type_zoo.wasm");
  auto c = parse_component(bytes);
  // Imported core module with a module type.
  const ImportDecl* pm = c->find_import("plugin-module");
  ASSERT_TRUE(pm);
  ASSERT_EQ(pm->desc.sort, Sort::CoreModule);
  ASSERT_EQ(pm->desc.type.module->imports.size(), 2u);
  EXPECT_EQ(pm->desc.type.module->imports[1].type.kind, CoreExternKind::Memory);
  EXPECT_EQ(pm->desc.type.module->exports.at(0).type.func,
            (CoreFuncType{{CoreValType::I32}, {CoreValType::I32}}));
  // Imported component type.
  const ImportDecl* plugin = c->find_import("plugin");
  ASSERT_TRUE(plugin);
  ASSERT_EQ(plugin->desc.type.component->imports.size(), 1u);
  EXPECT_EQ(plugin->desc.type.component->exports.at(0).name, "out");
  // A resource nested two instances deep: path {"nested", "thing"}.
  const ImportDecl* iface = c->find_import("ns:pkg/iface@1.0.0");
  ASSERT_TRUE(iface);
  ASSERT_EQ(iface->resources.size(), 1u);
  EXPECT_EQ(iface->resources[0]->export_path, (std::vector<std::string>{"nested", "thing"}));
  const ExportDecl* thing = c->find_export("thing");
  ASSERT_TRUE(thing);
  EXPECT_EQ(*as_resource(c->types.at(thing->item.index).type), iface->resources[0]);
  // A type import (sub resource) is itself the resource.
  const ImportDecl* res = c->find_import("res");
  ASSERT_TRUE(res && res->resources.size() == 1);
  EXPECT_TRUE(res->resources[0]->export_path.empty());
  // Outer aliases inside the nested component point at this component.
  const Component* child = nullptr;
  for (const auto& comp : c->components)
    if (comp.nested()) child = comp.nested();
  ASSERT_TRUE(child);
  const auto* outer = std::get_if<OuterAlias>(&child->core_modules.at(0).def);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->count, 1u);
  EXPECT_EQ(outer->target, c.get());
  EXPECT_TRUE(std::holds_alternative<OuterAlias>(child->types.at(0).def));
}

}  // namespace
}  // namespace sluice::component
