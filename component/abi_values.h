// C++ spellings of WIT types, for host functions.
//
//   WIT                     C++
//   bool, u8..s64, f32/f64  bool, uint8_t..int64_t, float, double
//   char                    Char
//   string                  std::string
//   list<u8> (parameter)    GuestBytes — a bounds-checked view into guest memory, no copy
//   list<T>                 std::vector<T>
//   option<T>               std::optional<T>
//   result<T, E>            Result<T, E>  (Unit where WIT has no payload: result<_, E>)
//   tuple<A, B>             std::tuple<A, B>
//   record                  a struct listing its fields in `static constexpr auto wit_fields`
//   variant                 std::variant<...>, one alternative per case in WIT order, Unit for
//                           cases without payload (repeated alternative types are fine)
//   enum                    an enum class whose cases are 0..N-1, declared with SLUICE_WIT_ENUM
//   flags                   Flags<N>
//   own<R>, borrow<R>       Own<R>, Borrow<R>  (R derives from HostResource)
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <variant>

#include "component/resource_table.h"

namespace sluice::component {

using Unit = std::monostate;

struct Char {
  char32_t value = 0;
};

// list<u8> lent by the guest for the duration of one call.
using GuestBytes = std::span<const uint8_t>;

// `return Ok(n);` / `return Err(ErrorCode::kAccess);` convert to any Result with that payload.
template <typename T = Unit>
struct Ok {
  T value{};
};
template <typename E>
struct Err {
  E value;
};
Ok()->Ok<Unit>;
template <typename T>
Ok(T) -> Ok<T>;
template <typename E>
Err(E) -> Err<E>;

template <typename T, typename E>
class Result {
 public:
  template <typename U>
  Result(Ok<U> ok) : value(std::in_place_index<0>, T(std::move(ok.value))) {}
  template <typename U>
  Result(Err<U> err) : value(std::in_place_index<1>, E(std::move(err.value))) {}

  bool is_ok() const { return value.index() == 0; }
  const T& ok_value() const { return std::get<0>(value); }
  const E& err_value() const { return std::get<1>(value); }

  std::variant<T, E> value;
};

template <size_t N>
struct Flags {
  static_assert(N <= 32, "flags wider than 32 bits are not used by WASI 0.2");
  static constexpr size_t kCount = N;
  uint32_t bits = 0;

  bool has(uint32_t bit) const { return bits & (1u << bit); }
  void set(uint32_t bit, bool on = true) {
    if (on) bits |= 1u << bit; else bits &= ~(1u << bit);
  }
};

// Number of cases of a WIT enum, given by SLUICE_WIT_ENUM.
template <typename E>
inline constexpr uint32_t kWitEnumCases = 0;
#define SLUICE_WIT_ENUM(Type, cases) \
  template <>                        \
  inline constexpr uint32_t ::sluice::component::kWitEnumCases<Type> = (cases)

// An owned resource crossing the boundary. As a parameter the host receives the object (taken
// out of the guest's table); as a result the host hands a new object to the guest.
template <typename R>
struct Own {
  std::unique_ptr<R> object;

  Own() = default;
  explicit Own(std::unique_ptr<R> o) : object(std::move(o)) {}
  template <typename D>
    requires std::is_base_of_v<R, D>
  Own(std::unique_ptr<D> o) : object(std::move(o)) {}
  R* operator->() const { return object.get(); }
  R& operator*() const { return *object; }
};

// A resource lent by the guest for one call.
template <typename R>
struct Borrow {
  R* object = nullptr;
  uint32_t handle = 0;

  R* operator->() const { return object; }
  R& operator*() const { return *object; }
};

}  // namespace sluice::component
