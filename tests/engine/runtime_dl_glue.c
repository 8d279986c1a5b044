/* Built into runtime_dl_guest.so together with the wasm2c output of runtime_guest.wat, the way
 * sluice artifacts are: the shared object does not link the runtime, it resolves wasm_rt_* and
 * the TLS interrupt flag against the executable that dlopens it. */
#include "guest.h"
#include "sluice_rt.h"

/* The guest's import: the interrupt check sluice injects, reading the executable's TLS flag. */
void Z_envZ_poll(struct Z_env_instance_t* env) {
  (void)env;
  if (UNLIKELY(sluice_rt_interrupt_flag)) sluice_rt_interrupted();
}
