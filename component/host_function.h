// Turning a typed C++ host function into a canon-lowered core import.
//
// A host function is written in WIT terms:
//
//   Result<uint64_t, StreamError> check_write(CallContext& cx, Borrow<OutputStream> self);
//
// and host_func<&check_write>() derives, at compile time, its flattened core signature
// ("i:i" here: the handle, and a pointer for the result), and an adapter that lifts the
// arguments from the guest, calls the function and lowers the result (CanonicalABI.md:
// canon_lower with MAX_FLAT_PARAMS = 16, MAX_FLAT_RESULTS = 1).
//
// Any C++ exception from the host function becomes a guest trap (or, for GuestExit, an exit)
// at the adapter boundary, after every C++ frame has unwound.
#pragma once

#include <string>
#include <tuple>
#include <type_traits>

#include "component/canonical_abi.h"
#include "engine/artifact_abi.h"

namespace sluice::component {

struct HostFunc {
  std::string core_signature;  // as in sluice_import_desc: "iIi:i"
  sluice_call_fn call;         // target: a LoweredImport
};

// What ended a host call abnormally; trivially destructible so it can outlive the catch block.
struct PendingUnwind {
  int kind = 0;
  int exit_status = 0;
};

// Classifies the in-flight exception (call only from a catch block). The message is kept in
// thread-local storage for the report (last_trap_message()).
PendingUnwind capture_current_exception() noexcept;

// Unwinds the guest with the captured trap or exit. Never returns.
[[noreturn]] void unwind_guest(PendingUnwind unwind) noexcept;

// The message of the last trap a host function raised on this thread.
const std::string& last_trap_message() noexcept;

template <size_t N>
std::string signature_letters(const std::array<FlatType, N>& types) {
  std::string out;
  for (FlatType t : types) out.push_back(static_cast<char>(t));
  return out;
}

template <typename Sig>
struct HostSignature;

template <typename R, typename... A>
struct HostSignature<R (*)(CallContext&, A...)> {
  using Params = std::tuple<std::decay_t<A>...>;
  using ParamsWit = Wit<Params>;
  static constexpr size_t kFlatParams = ParamsWit::flat.size();
  static constexpr bool kParamsInMemory = kFlatParams > 16;
  static constexpr bool kVoid = std::is_void_v<R>;
  static constexpr size_t kFlatResults = [] {
    if constexpr (std::is_void_v<R>) return size_t{0};
    else return Wit<R>::flat.size();
  }();
  static constexpr bool kResultsInMemory = kFlatResults > 1;
  // Index of the return pointer among the core parameters, when results go to memory.
  static constexpr size_t kReturnPointerIndex = kParamsInMemory ? 1 : kFlatParams;

  static std::string core_signature() {
    std::string params = kParamsInMemory ? "i" : signature_letters(ParamsWit::flat);
    if (kResultsInMemory) return params + "i:";
    if constexpr (std::is_void_v<R>) return params + ":";
    else return params + ":" + signature_letters(Wit<R>::flat);
  }
};

template <auto F>
struct HostCall {
  using Sig = HostSignature<decltype(F)>;

  static void invoke(CallContext& cx, uint64_t* values) {
    typename Sig::Params params = lift_params(cx, values);
    auto call = [&](auto&&... args) { return F(cx, std::move(args)...); };
    if constexpr (Sig::kVoid) {
      std::apply(call, std::move(params));
    } else {
      auto result = std::apply(call, std::move(params));
      using W = Wit<decltype(result)>;
      if constexpr (Sig::kResultsInMemory) {
        uint32_t ret = static_cast<uint32_t>(values[Sig::kReturnPointerIndex]);
        cx.memory().check(ret, W::size, W::align);
        W::store(cx, result, ret);
      } else {
        FlatWriter out(values);
        W::lower(cx, result, out);
      }
    }
  }

 private:
  static typename Sig::Params lift_params(CallContext& cx, const uint64_t* values) {
    if constexpr (Sig::kParamsInMemory) {
      uint32_t ptr = static_cast<uint32_t>(values[0]);
      cx.memory().check(ptr, Sig::ParamsWit::size, Sig::ParamsWit::align);
      return Sig::ParamsWit::load(cx, ptr);
    } else {
      FlatReader in(values);
      return Sig::ParamsWit::lift(cx, in);
    }
  }
};

template <auto F>
void host_adapter(void* target, uint64_t* values) noexcept {
  PendingUnwind unwind;
  try {
    CallContext cx(*static_cast<const LoweredImport*>(target));
    HostCall<F>::invoke(cx, values);
    return;
  } catch (...) {
    unwind = capture_current_exception();
  }
  unwind_guest(unwind);  // no C++ object of this frame is alive any more
}

template <auto F>
HostFunc host_func() {
  return HostFunc{HostSignature<decltype(F)>::core_signature(), &host_adapter<F>};
}

// canon resource.drop of a host resource type.
struct ResourceDropTarget {
  ResourceTable* resources = nullptr;
  const HostResourceType* type = nullptr;
};
void resource_drop_adapter(void* target, uint64_t* values) noexcept;
inline constexpr const char* kResourceDropSignature = "i:";

}  // namespace sluice::component
