// Parses and validates a component binary (WASI 0.2 / component-model MVP
// subset) into the model of component_model.h.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "component/binary_reader.h"
#include "component/component_model.h"

namespace sluice::component {

struct ParseLimits {
  uint32_t max_nesting = 32;           // nested components + nested type declarations
  uint32_t max_type_depth = 100;       // nesting of a value type tree
  uint64_t max_type_size = 1'000'000;  // nodes of one value type walked as a tree
  uint64_t max_copied_nodes = 10'000'000;  // type nodes created by resource substitution
};

// Throws ParseError (message + byte offset into `bytes`) if the input is not a
// valid component, or uses what sluice does not support (values, start
// functions, async). The returned model refers to `bytes` only through
// offsets (EmbeddedModule); it does not keep the buffer.
std::shared_ptr<const Component> parse_component(std::span<const uint8_t> bytes, const ParseLimits& limits = {});

}  // namespace sluice::component
