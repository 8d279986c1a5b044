#include "engine/artifact_loader.h"

#include <dlfcn.h>

#include <cstring>
#include <mutex>
#include <sstream>

#include "engine/artifact_names.h"
#include "engine/engine_error.h"

namespace sluice::engine {
namespace {

// dlopen handles are reference counted by the dynamic loader: the same file opened twice gives
// the same handle and the same (already initialised) statics. Count our own opens per handle so
// init runs exactly once per load of the object.
struct LoadState {
  size_t opens = 0;
  bool initialised = false;
};
std::mutex g_mu;
std::map<void*, LoadState> g_loads;

std::string str_or_null(const char* s) { return s ? std::string(s) : std::string("(null)"); }

std::map<std::string, std::string> parse_info(const char* text) {
  std::map<std::string, std::string> info;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) info[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return info;
}

void verify(const std::filesystem::path& path, const sluice_artifact_desc& d,
            const std::vector<CoreModule>& expected) {
  auto refuse = [&](const std::string& why) {
    throw ArtifactLoadError("artifact " + path.string() + " does not match the component (" + why +
                            "); it is stale or was built from another component: recompile it");
  };
  if (d.num_modules != expected.size())
    refuse("it has " + std::to_string(d.num_modules) + " core modules, the component " +
           std::to_string(expected.size()));
  if (!d.modules || !d.init) refuse("incomplete descriptor");
  for (uint32_t k = 0; k < d.num_modules; ++k) {
    const sluice_module_desc& md = d.modules[k];
    const CoreModule& m = expected[k];
    const std::string mk = "core module " + std::to_string(k);
    if (str_or_null(md.name) != module_prefix(k)) refuse(mk + " is named " + str_or_null(md.name));
    if (!md.instantiate || !md.free || md.instance_size == 0) refuse(mk + ": incomplete descriptor");
    if (md.num_imports != m.imports.size())
      refuse(mk + " has " + std::to_string(md.num_imports) + " imports, expected " +
             std::to_string(m.imports.size()));
    if (md.num_exports != m.exports.size())
      refuse(mk + " has " + std::to_string(md.num_exports) + " exports, expected " +
             std::to_string(m.exports.size()));
    if ((md.num_imports && !md.imports) || (md.num_exports && !md.exports))
      refuse(mk + ": incomplete descriptor");
    for (uint32_t j = 0; j < md.num_imports; ++j) {
      const sluice_import_desc& a = md.imports[j];
      const Import& b = m.imports[j];
      if (str_or_null(a.module) != b.module || str_or_null(a.field) != b.field ||
          a.kind != static_cast<uint8_t>(b.kind) ||
          str_or_null(a.signature) != import_signature(m, b))
        refuse(mk + " import " + std::to_string(j) + " is '" + str_or_null(a.module) + "' '" +
               str_or_null(a.field) + "' " + str_or_null(a.signature) + ", expected '" + b.module +
               "' '" + b.field + "' " + extern_kind_name(b.kind) + " " + import_signature(m, b));
    }
    for (uint32_t e = 0; e < md.num_exports; ++e) {
      const sluice_export_desc& a = md.exports[e];
      const Export& b = m.exports[e];
      if (str_or_null(a.name) != b.name || a.kind != static_cast<uint8_t>(b.kind) ||
          str_or_null(a.signature) != export_signature(m, b))
        refuse(mk + " export " + std::to_string(e) + " is '" + str_or_null(a.name) + "' " +
               str_or_null(a.signature) + ", expected '" + b.name + "' " +
               extern_kind_name(b.kind) + " " + export_signature(m, b));
      bool func = b.kind == ExternKind::Func;
      if ((func && !a.call) || (!func && !a.get)) refuse(mk + " export '" + b.name + "' has no entry");
    }
  }
}

}  // namespace

LoadedArtifact LoadedArtifact::open(const std::filesystem::path& path,
                                    const std::vector<CoreModule>& expected,
                                    const LoadOptions& options) {
  LoadedArtifact a;
  a.path_ = path;
  // An absolute or ./-relative path: never let dlopen search the library path for it.
  std::filesystem::path p = path.has_parent_path() ? path : std::filesystem::path(".") / path;
  dlerror();
  a.handle_ = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!a.handle_) {
    const char* err = dlerror();
    throw ArtifactLoadError("cannot load artifact " + path.string() + ": " + str_or_null(err));
  }
  {
    std::lock_guard<std::mutex> lock(g_mu);
    ++g_loads[a.handle_].opens;
  }
  // From here on `a`'s destructor releases the handle if we throw.
  auto* desc = static_cast<const sluice_artifact_desc*>(dlsym(a.handle_, SLUICE_ARTIFACT_SYMBOL));
  if (!desc)
    throw ArtifactLoadError(path.string() + " is not a sluice artifact (no '" +
                            std::string(SLUICE_ARTIFACT_SYMBOL) + "' symbol)");
  if (desc->abi_version != SLUICE_ARTIFACT_ABI_VERSION)
    throw ArtifactLoadError("artifact " + path.string() + " has ABI version " +
                            std::to_string(desc->abi_version) + ", this sluice needs " +
                            std::to_string(SLUICE_ARTIFACT_ABI_VERSION) + ": recompile it");
  auto* info = static_cast<const char*>(dlsym(a.handle_, kArtifactInfoSymbol));
  if (!info) throw ArtifactLoadError(path.string() + " has no build information (sluice_artifact_info)");
  a.info_ = parse_info(info);
  if (a.info_["memcheck"] != "signal")
    throw ArtifactLoadError("artifact " + path.string() + " was compiled for another bounds-check "
                            "mode ('" + a.info_["memcheck"] + "')");
  if (options.require_interrupt_checks && a.info_["interrupt_checks"] != "1")
    throw ArtifactLoadError("artifact " + path.string() +
                            " was compiled without interrupt checks (deadlines could not stop it)");
  if (options.expected_modules_sha256 &&
      a.info_["modules_sha256"] != *options.expected_modules_sha256)
    throw ArtifactLoadError("artifact " + path.string() + " was built from other core modules "
                            "(modules_sha256 " + a.info_["modules_sha256"] + ", expected " +
                            *options.expected_modules_sha256 + "): recompile it");
  verify(path, *desc, expected);
  a.desc_ = desc;
  {
    // Once per load of the object: registers its function types.
    std::lock_guard<std::mutex> lock(g_mu);
    LoadState& state = g_loads[a.handle_];
    if (!state.initialised) {
      desc->init();
      state.initialised = true;
    }
  }
  return a;
}

LoadedArtifact::LoadedArtifact(LoadedArtifact&& other) noexcept
    : handle_(other.handle_),
      desc_(other.desc_),
      path_(std::move(other.path_)),
      info_(std::move(other.info_)) {
  other.handle_ = nullptr;
  other.desc_ = nullptr;
}

LoadedArtifact& LoadedArtifact::operator=(LoadedArtifact&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = other.handle_;
    desc_ = other.desc_;
    path_ = std::move(other.path_);
    info_ = std::move(other.info_);
    other.handle_ = nullptr;
    other.desc_ = nullptr;
  }
  return *this;
}

LoadedArtifact::~LoadedArtifact() { release(); }

void LoadedArtifact::release() {
  if (!handle_) return;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_loads.find(handle_);
    if (it != g_loads.end() && --it->second.opens == 0) g_loads.erase(it);
  }
  dlclose(handle_);
  handle_ = nullptr;
  desc_ = nullptr;
}

void check_import_ctx(const sluice_module_desc& desc, const sluice_import_ctx& ctx) {
  if (desc.num_imports == 0) return;
  if (ctx.self != &ctx)
    throw EngineError("import context for " + str_or_null(desc.name) +
                      ": `self` must point to the context itself");
  for (uint32_t j = 0; j < desc.num_imports; ++j) {
    const sluice_import_desc& imp = desc.imports[j];
    bool ok = imp.kind == SLUICE_EXTERN_FUNC ? (ctx.funcs && ctx.funcs[j].call)
                                              : (ctx.externs && ctx.externs[j]);
    if (!ok)
      throw EngineError("import context for " + str_or_null(desc.name) + ": import " +
                        std::to_string(j) + " ('" + str_or_null(imp.module) + "' '" +
                        str_or_null(imp.field) + "') is not provided");
  }
}

}  // namespace sluice::engine
