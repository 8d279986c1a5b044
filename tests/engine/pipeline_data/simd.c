// Uses wasm SIMD explicitly on data the optimizer cannot fold: the reader must refuse the
// module, naming SIMD.
#include <wasm_simd128.h>

static int data[64];

int main(int argc, char** argv) {
  (void)argv;
  for (int i = 0; i < 64; ++i) data[i] = argc + i;
  v128_t acc = wasm_i32x4_splat(0);
  for (int i = 0; i < 64; i += 4) acc = wasm_i32x4_add(acc, wasm_v128_load(&data[i]));
  int out[4];
  wasm_v128_store(out, acc);
  return out[0] ^ out[1] ^ out[2] ^ out[3];
}
