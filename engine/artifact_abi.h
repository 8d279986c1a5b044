/* The C interface between a compiled sluice artifact (a shared object holding every core module
 * of one component, translated by wasm2c, plus generated glue) and the host that loads it.
 *
 * The artifact knows nothing about components or WASI. It exposes each core module as a
 * descriptor: how big an instance is, how to instantiate and free one, what it imports and
 * what it exports. The host's linker decides, per core instance, where every import comes
 * from and fills a sluice_import_ctx before instantiating.
 *
 * Every function crossing this boundary — a core import the host satisfies, a core export the
 * host or another instance calls — uses one calling convention: sluice_call_fn(target, values),
 * where `values` holds the flat arguments on entry and the flat results on return (the array
 * has max(params, results) slots). i32 values are zero-extended into the slot, f32/f64 are
 * stored as their bit patterns. That keeps the generated glue tiny and lets the host link any
 * graph at run time without generating graph-specific code.
 */
#ifndef SLUICE_ENGINE_ARTIFACT_ABI_H_
#define SLUICE_ENGINE_ARTIFACT_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_ARTIFACT_ABI_VERSION 1u

/* Called with the target it was registered with and the value array described above. */
typedef void (*sluice_call_fn)(void* target, uint64_t* values);

typedef struct sluice_func_binding {
  sluice_call_fn call;
  void* target;
} sluice_func_binding;

typedef enum sluice_extern_kind {
  SLUICE_EXTERN_FUNC = 0,
  SLUICE_EXTERN_TABLE = 1,
  SLUICE_EXTERN_MEMORY = 2,
  SLUICE_EXTERN_GLOBAL = 3,
} sluice_extern_kind;

/* What the host provides for one core instance's imports, indexed by import position.
 * `self` must point to the struct itself: wasm2c 1.0.32 passes an imported function placed in a
 * table the address of the field holding the context pointer instead of the pointer, and a
 * self-pointer in the first word makes one extra indirection correct in both cases. */
typedef struct sluice_import_ctx {
  struct sluice_import_ctx* self;
  const sluice_func_binding* funcs; /* funcs[i] for function imports, unused otherwise */
  void* const* externs;             /* wasm_rt_memory_t*, wasm_rt_funcref_table_t* or the
                                       global's storage (u32/u64/f32/f64*), by import index */
} sluice_import_ctx;

typedef struct sluice_import_desc {
  const char* module; /* original import module name, before sluice renamed it */
  const char* field;
  uint8_t kind;       /* sluice_extern_kind */
  /* functions: "params:results" with i,I,f,F for i32,i64,f32,f64, e.g. "iIi:i";
   * globals: "i"/"I"/"f"/"F", prefixed with "m" when mutable; tables and memories: "" */
  const char* signature;
} sluice_import_desc;

typedef struct sluice_export_desc {
  const char* name;
  uint8_t kind; /* sluice_extern_kind */
  const char* signature; /* as in sluice_import_desc */
  sluice_call_fn call;          /* functions: call with target = the instance */
  void* (*get)(void* instance); /* tables, memories, globals: pointer to the runtime object */
} sluice_export_desc;

typedef struct sluice_module_desc {
  const char* name; /* the wasm2c module prefix */
  size_t instance_size;
  uint32_t num_imports;
  const sluice_import_desc* imports;
  uint32_t num_exports;
  const sluice_export_desc* exports;
  /* Runs data/element initialisation and the start function: call it under a trap guard. */
  void (*instantiate)(void* instance, sluice_import_ctx* imports);
  void (*free)(void* instance);
} sluice_module_desc;

typedef struct sluice_artifact_desc {
  uint32_t abi_version; /* SLUICE_ARTIFACT_ABI_VERSION */
  uint32_t num_modules; /* in the order the component declares its core modules, depth first */
  const sluice_module_desc* modules;
  void (*init)(void);   /* registers function types; call once after dlopen */
} sluice_artifact_desc;

/* Every artifact defines this symbol. */
#define SLUICE_ARTIFACT_SYMBOL "sluice_artifact"

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_ENGINE_ARTIFACT_ABI_H_ */
