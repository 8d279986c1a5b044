// The canonical ABI (CanonicalABI.md, 0.2 subset) for the C++ types of abi_values.h, resolved at
// compile time: for each type its size, alignment and flat core types, and how to lift it from
// flat values or memory and lower it back. No type tree is interpreted at run time.
//
// Flat values travel in uint64_t slots holding raw bits: an i32 zero-extended, an f32 as its
// 32-bit pattern. With that encoding the type joins of variant flattening (i32/f32 → i32,
// anything/i64 → i64) need no conversion: a reader of a 32-bit type reads the low bits.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "component/abi_values.h"
#include "component/call_context.h"
#include "component/utf8.h"

namespace sluice::component {

enum class FlatType : char { kI32 = 'i', kI64 = 'I', kF32 = 'f', kF64 = 'F' };

constexpr uint32_t align_to(uint32_t offset, uint32_t alignment) {
  return (offset + alignment - 1) / alignment * alignment;
}

class FlatReader {
 public:
  explicit FlatReader(const uint64_t* values) : values_(values) {}
  uint64_t next() { return values_[index_++]; }
  void skip(size_t n) { index_ += n; }

 private:
  const uint64_t* values_;
  size_t index_ = 0;
};

class FlatWriter {
 public:
  explicit FlatWriter(uint64_t* values) : values_(values) {}
  void push(uint64_t v) { values_[index_++] = v; }
  void pad(size_t n) {
    for (size_t i = 0; i < n; ++i) values_[index_++] = 0;
  }

 private:
  uint64_t* values_;
  size_t index_ = 0;
};

template <typename T>
struct Wit;  // specialised below for every supported C++ type

template <size_t N, size_t M>
constexpr std::array<FlatType, N + M> concat(const std::array<FlatType, N>& a,
                                             const std::array<FlatType, M>& b) {
  std::array<FlatType, N + M> out{};
  for (size_t i = 0; i < N; ++i) out[i] = a[i];
  for (size_t i = 0; i < M; ++i) out[N + i] = b[i];
  return out;
}

// ---- scalars ---------------------------------------------------------------------------------

template <typename T, FlatType kCore>
struct WitNumber {
  static constexpr uint32_t size = sizeof(T);
  static constexpr uint32_t align = sizeof(T);
  static constexpr std::array<FlatType, 1> flat{kCore};

  static T lift(CallContext&, FlatReader& in) {
    uint64_t bits = in.next();
    if constexpr (std::is_floating_point_v<T>) {
      T value;
      if constexpr (sizeof(T) == 4) {
        uint32_t low = static_cast<uint32_t>(bits);
        std::memcpy(&value, &low, 4);
      } else {
        std::memcpy(&value, &bits, 8);
      }
      return value;
    } else {
      return static_cast<T>(bits);  // narrower integers wrap, as lift_flat_(un)signed does
    }
  }
  static void lower(CallContext&, const T& value, FlatWriter& out) {
    if constexpr (std::is_floating_point_v<T>) {
      if constexpr (sizeof(T) == 4) {
        uint32_t bits;
        std::memcpy(&bits, &value, 4);
        out.push(bits);
      } else {
        uint64_t bits;
        std::memcpy(&bits, &value, 8);
        out.push(bits);
      }
    } else if constexpr (sizeof(T) <= 4) {
      // Signed values are sign-extended to i32 first, then the i32 is zero-extended to the slot.
      out.push(static_cast<uint32_t>(static_cast<int64_t>(value)));
    } else {
      out.push(static_cast<uint64_t>(value));
    }
  }
  static T load(CallContext& cx, uint32_t ptr) {
    cx.memory().check(ptr, size, align);
    return cx.memory().load<T>(ptr);
  }
  static void store(CallContext& cx, const T& value, uint32_t ptr) {
    cx.memory().check(ptr, size, align);
    cx.memory().store<T>(ptr, value);
  }
};

template <> struct Wit<uint8_t> : WitNumber<uint8_t, FlatType::kI32> {};
template <> struct Wit<int8_t> : WitNumber<int8_t, FlatType::kI32> {};
template <> struct Wit<uint16_t> : WitNumber<uint16_t, FlatType::kI32> {};
template <> struct Wit<int16_t> : WitNumber<int16_t, FlatType::kI32> {};
template <> struct Wit<uint32_t> : WitNumber<uint32_t, FlatType::kI32> {};
template <> struct Wit<int32_t> : WitNumber<int32_t, FlatType::kI32> {};
template <> struct Wit<uint64_t> : WitNumber<uint64_t, FlatType::kI64> {};
template <> struct Wit<int64_t> : WitNumber<int64_t, FlatType::kI64> {};
template <> struct Wit<float> : WitNumber<float, FlatType::kF32> {};
template <> struct Wit<double> : WitNumber<double, FlatType::kF64> {};

template <>
struct Wit<bool> {
  static constexpr uint32_t size = 1, align = 1;
  static constexpr std::array<FlatType, 1> flat{FlatType::kI32};
  static bool lift(CallContext&, FlatReader& in) { return static_cast<uint32_t>(in.next()) != 0; }
  static void lower(CallContext&, const bool& v, FlatWriter& out) { out.push(v ? 1 : 0); }
  static bool load(CallContext& cx, uint32_t ptr) { return cx.memory().load<uint8_t>(ptr) != 0; }
  static void store(CallContext& cx, const bool& v, uint32_t ptr) {
    cx.memory().store<uint8_t>(ptr, v ? 1 : 0);
  }
};

template <>
struct Wit<Char> {
  static constexpr uint32_t size = 4, align = 4;
  static constexpr std::array<FlatType, 1> flat{FlatType::kI32};
  static Char checked(uint32_t code) {
    if (code >= 0x110000 || (code >= 0xD800 && code <= 0xDFFF)) {
      throw GuestTrap("invalid char value " + std::to_string(code));
    }
    return Char{static_cast<char32_t>(code)};
  }
  static Char lift(CallContext&, FlatReader& in) { return checked(static_cast<uint32_t>(in.next())); }
  static void lower(CallContext&, const Char& v, FlatWriter& out) { out.push(uint32_t(v.value)); }
  static Char load(CallContext& cx, uint32_t ptr) {
    cx.memory().check(ptr, 4, 4);
    return checked(cx.memory().load<uint32_t>(ptr));
  }
  static void store(CallContext& cx, const Char& v, uint32_t ptr) {
    cx.memory().check(ptr, 4, 4);
    cx.memory().store<uint32_t>(ptr, uint32_t(v.value));
  }
};

template <>
struct Wit<Unit> {
  static constexpr uint32_t size = 0, align = 1;
  static constexpr std::array<FlatType, 0> flat{};
  static Unit lift(CallContext&, FlatReader&) { return {}; }
  static void lower(CallContext&, const Unit&, FlatWriter&) {}
  static Unit load(CallContext&, uint32_t) { return {}; }
  static void store(CallContext&, const Unit&, uint32_t) {}
};

// ---- strings and lists -----------------------------------------------------------------------

// Reads the (ptr, len) pair of a string or list stored in memory.
inline std::pair<uint32_t, uint32_t> load_pointer_pair(CallContext& cx, uint32_t ptr) {
  cx.memory().check(ptr, 8, 4);
  return {cx.memory().load<uint32_t>(ptr), cx.memory().load<uint32_t>(ptr + 4)};
}
inline void store_pointer_pair(CallContext& cx, uint32_t ptr, uint32_t data, uint32_t len) {
  cx.memory().check(ptr, 8, 4);
  cx.memory().store<uint32_t>(ptr, data);
  cx.memory().store<uint32_t>(ptr + 4, len);
}

// Copies `len` bytes into a fresh guest allocation and returns its address.
inline uint32_t lower_bytes(CallContext& cx, const void* data, size_t len, uint32_t align) {
  if (len > 0x7fffffffu) throw GuestTrap("value too large to hand to the guest");
  uint32_t ptr = cx.realloc(0, 0, align, static_cast<uint32_t>(len));
  if (len > 0) std::memcpy(cx.memory().bytes(ptr, static_cast<uint32_t>(len)).data(), data, len);
  return ptr;
}

struct WitPointerPair {
  static constexpr uint32_t size = 8, align = 4;
  static constexpr std::array<FlatType, 2> flat{FlatType::kI32, FlatType::kI32};
};

template <>
struct Wit<std::string> : WitPointerPair {
  static std::string from_range(CallContext& cx, uint32_t ptr, uint32_t len) {
    auto bytes = cx.memory().bytes(ptr, len);
    std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (!is_valid_utf8(text)) throw GuestTrap("string from guest is not valid UTF-8");
    return text;
  }
  static std::string lift(CallContext& cx, FlatReader& in) {
    uint32_t ptr = static_cast<uint32_t>(in.next());
    uint32_t len = static_cast<uint32_t>(in.next());
    return from_range(cx, ptr, len);
  }
  static void lower(CallContext& cx, const std::string& s, FlatWriter& out) {
    out.push(lower_bytes(cx, s.data(), s.size(), 1));
    out.push(s.size());
  }
  static std::string load(CallContext& cx, uint32_t ptr) {
    auto [data, len] = load_pointer_pair(cx, ptr);
    return from_range(cx, data, len);
  }
  static void store(CallContext& cx, const std::string& s, uint32_t ptr) {
    uint32_t data = lower_bytes(cx, s.data(), s.size(), 1);
    store_pointer_pair(cx, ptr, data, static_cast<uint32_t>(s.size()));
  }
};

// list<u8> lent by the guest: a view, valid until the host function returns.
template <>
struct Wit<GuestBytes> : WitPointerPair {
  static GuestBytes lift(CallContext& cx, FlatReader& in) {
    uint32_t ptr = static_cast<uint32_t>(in.next());
    uint32_t len = static_cast<uint32_t>(in.next());
    return cx.memory().bytes(ptr, len);
  }
  static GuestBytes load(CallContext& cx, uint32_t ptr) {
    auto [data, len] = load_pointer_pair(cx, ptr);
    return cx.memory().bytes(data, len);
  }
};

template <typename T>
struct Wit<std::vector<T>> : WitPointerPair {
  using Elem = Wit<T>;
  static std::vector<T> from_range(CallContext& cx, uint32_t ptr, uint32_t len) {
    if constexpr (std::is_same_v<T, uint8_t>) {
      auto bytes = cx.memory().bytes(ptr, len);
      return std::vector<uint8_t>(bytes.begin(), bytes.end());
    } else {
      // Check the whole range first: a huge len must fail before we reserve memory for it.
      cx.memory().check(ptr, uint64_t(len) * Elem::size, Elem::align);
      std::vector<T> out;
      out.reserve(len);
      for (uint32_t i = 0; i < len; ++i) out.push_back(Elem::load(cx, ptr + i * Elem::size));
      return out;
    }
  }
  static uint32_t to_guest(CallContext& cx, const std::vector<T>& list) {
    if constexpr (std::is_same_v<T, uint8_t>) {
      return lower_bytes(cx, list.data(), list.size(), 1);
    } else {
      uint64_t bytes = uint64_t(list.size()) * Elem::size;
      if (bytes > 0x7fffffffu) throw GuestTrap("list too large to hand to the guest");
      uint32_t ptr = cx.realloc(0, 0, Elem::align, static_cast<uint32_t>(bytes));
      for (size_t i = 0; i < list.size(); ++i) {
        Elem::store(cx, list[i], ptr + static_cast<uint32_t>(i) * Elem::size);
      }
      return ptr;
    }
  }
  static std::vector<T> lift(CallContext& cx, FlatReader& in) {
    uint32_t ptr = static_cast<uint32_t>(in.next());
    uint32_t len = static_cast<uint32_t>(in.next());
    return from_range(cx, ptr, len);
  }
  static void lower(CallContext& cx, const std::vector<T>& list, FlatWriter& out) {
    out.push(to_guest(cx, list));
    out.push(list.size());
  }
  static std::vector<T> load(CallContext& cx, uint32_t ptr) {
    auto [data, len] = load_pointer_pair(cx, ptr);
    return from_range(cx, data, len);
  }
  static void store(CallContext& cx, const std::vector<T>& list, uint32_t ptr) {
    uint32_t data = to_guest(cx, list);
    store_pointer_pair(cx, ptr, data, static_cast<uint32_t>(list.size()));
  }
};

// ---- records and tuples ----------------------------------------------------------------------

// Layout of a sequence of fields (record or tuple): offsets, size, alignment, flat types.
template <typename... Fields>
struct FieldLayout {
  static constexpr uint32_t align = std::max({uint32_t{1}, Wit<Fields>::align...});
  static constexpr std::array<uint32_t, sizeof...(Fields)> offsets = [] {
    std::array<uint32_t, sizeof...(Fields)> out{};
    uint32_t offset = 0;
    [[maybe_unused]] size_t i = 0;
    ((offset = align_to(offset, Wit<Fields>::align), out[i++] = offset,
      offset += Wit<Fields>::size),
     ...);
    return out;
  }();
  static constexpr uint32_t size = [] {
    uint32_t offset = 0;
    ((offset = align_to(offset, Wit<Fields>::align) + Wit<Fields>::size), ...);
    return align_to(offset, align);
  }();
  static constexpr size_t flat_count = (size_t{0} + ... + Wit<Fields>::flat.size());
  static constexpr std::array<FlatType, flat_count> flat = [] {
    std::array<FlatType, flat_count> out{};
    [[maybe_unused]] size_t i = 0;
    ((std::copy(Wit<Fields>::flat.begin(), Wit<Fields>::flat.end(), out.begin() + i),
      i += Wit<Fields>::flat.size()),
     ...);
    return out;
  }();
};

template <typename... Ts>
struct Wit<std::tuple<Ts...>> {
  using Layout = FieldLayout<Ts...>;
  static constexpr uint32_t size = Layout::size, align = Layout::align;
  static constexpr auto flat = Layout::flat;
  static std::tuple<Ts...> lift(CallContext& cx, FlatReader& in) {
    return std::tuple<Ts...>{Wit<Ts>::lift(cx, in)...};  // braced init: left-to-right
  }
  static void lower(CallContext& cx, const std::tuple<Ts...>& v, FlatWriter& out) {
    std::apply([&](const Ts&... field) { (Wit<Ts>::lower(cx, field, out), ...); }, v);
  }
  static std::tuple<Ts...> load(CallContext& cx, uint32_t ptr) {
    return load_at(cx, ptr, std::index_sequence_for<Ts...>{});
  }
  static void store(CallContext& cx, const std::tuple<Ts...>& v, uint32_t ptr) {
    store_at(cx, v, ptr, std::index_sequence_for<Ts...>{});
  }

 private:
  template <size_t... I>
  static std::tuple<Ts...> load_at(CallContext& cx, uint32_t ptr, std::index_sequence<I...>) {
    return std::tuple<Ts...>{Wit<Ts>::load(cx, ptr + Layout::offsets[I])...};
  }
  template <size_t... I>
  static void store_at(CallContext& cx, const std::tuple<Ts...>& v, uint32_t ptr,
                       std::index_sequence<I...>) {
    (Wit<Ts>::store(cx, std::get<I>(v), ptr + Layout::offsets[I]), ...);
  }
};

// A record is a struct with `static constexpr auto wit_fields = std::tuple{&S::a, &S::b, ...};`
template <typename T>
concept WitRecord = requires { T::wit_fields; };

template <typename M>
struct MemberType;
template <typename S, typename F>
struct MemberType<F S::*> {
  using type = F;
};

template <typename T, size_t I>
using RecordField = typename MemberType<
    std::tuple_element_t<I, std::remove_const_t<decltype(T::wit_fields)>>>::type;

template <typename T, typename Indices>
struct RecordLayoutOf;
template <typename T, size_t... I>
struct RecordLayoutOf<T, std::index_sequence<I...>> {
  using type = FieldLayout<RecordField<T, I>...>;
};

template <WitRecord T>
struct Wit<T> {
  using Indices = std::make_index_sequence<std::tuple_size_v<std::remove_const_t<decltype(T::wit_fields)>>>;
  using Layout = typename RecordLayoutOf<T, Indices>::type;
  static constexpr uint32_t size = Layout::size, align = Layout::align;
  static constexpr auto flat = Layout::flat;

  static T lift(CallContext& cx, FlatReader& in) { return lift_fields(cx, in, Indices{}); }
  static void lower(CallContext& cx, const T& v, FlatWriter& out) {
    lower_fields(cx, v, out, Indices{});
  }
  static T load(CallContext& cx, uint32_t ptr) { return load_fields(cx, ptr, Indices{}); }
  static void store(CallContext& cx, const T& v, uint32_t ptr) {
    store_fields(cx, v, ptr, Indices{});
  }

 private:
  template <size_t... I>
  static T lift_fields(CallContext& cx, FlatReader& in, std::index_sequence<I...>) {
    T out{};
    ((out.*std::get<I>(T::wit_fields) = Wit<RecordField<T, I>>::lift(cx, in)), ...);  // in order
    return out;
  }
  template <size_t... I>
  static void lower_fields(CallContext& cx, const T& v, FlatWriter& out, std::index_sequence<I...>) {
    (Wit<RecordField<T, I>>::lower(cx, v.*std::get<I>(T::wit_fields), out), ...);
  }
  template <size_t... I>
  static T load_fields(CallContext& cx, uint32_t ptr, std::index_sequence<I...>) {
    T out{};
    ((out.*std::get<I>(T::wit_fields) =
          Wit<RecordField<T, I>>::load(cx, ptr + Layout::offsets[I])),
     ...);
    return out;
  }
  template <size_t... I>
  static void store_fields(CallContext& cx, const T& v, uint32_t ptr, std::index_sequence<I...>) {
    (Wit<RecordField<T, I>>::store(cx, v.*std::get<I>(T::wit_fields), ptr + Layout::offsets[I]),
     ...);
  }
};

// ---- variants, options, results, enums -------------------------------------------------------

constexpr uint32_t discriminant_size(size_t cases) {
  return cases <= 0x100 ? 1 : cases <= 0x10000 ? 2 : 4;
}

constexpr FlatType join(FlatType a, FlatType b) {
  if (a == b) return a;
  if ((a == FlatType::kI32 && b == FlatType::kF32) || (a == FlatType::kF32 && b == FlatType::kI32)) {
    return FlatType::kI32;
  }
  return FlatType::kI64;
}

inline uint32_t load_discriminant(CallContext& cx, uint32_t ptr, uint32_t size) {
  cx.memory().check(ptr, size, size);
  switch (size) {
    case 1: return cx.memory().load<uint8_t>(ptr);
    case 2: return cx.memory().load<uint16_t>(ptr);
    default: return cx.memory().load<uint32_t>(ptr);
  }
}
inline void store_discriminant(CallContext& cx, uint32_t ptr, uint32_t size, uint32_t value) {
  cx.memory().check(ptr, size, size);
  switch (size) {
    case 1: cx.memory().store<uint8_t>(ptr, static_cast<uint8_t>(value)); break;
    case 2: cx.memory().store<uint16_t>(ptr, static_cast<uint16_t>(value)); break;
    default: cx.memory().store<uint32_t>(ptr, value); break;
  }
}

// Layout shared by every variant-like type whose cases carry payloads Cases...
template <typename... Cases>
struct VariantLayout {
  static constexpr size_t kCases = sizeof...(Cases);
  static constexpr uint32_t disc_size = discriminant_size(kCases);
  static constexpr uint32_t max_case_align = std::max({uint32_t{1}, Wit<Cases>::align...});
  static constexpr uint32_t align = std::max(disc_size, max_case_align);
  static constexpr uint32_t payload_offset = align_to(disc_size, max_case_align);
  static constexpr uint32_t size =
      align_to(payload_offset + std::max({uint32_t{0}, Wit<Cases>::size...}), align);
  static constexpr size_t payload_flat = std::max({size_t{0}, Wit<Cases>::flat.size()...});
  static constexpr std::array<FlatType, 1 + payload_flat> flat = [] {
    std::array<FlatType, 1 + payload_flat> out{};
    std::array<bool, 1 + payload_flat> seen{};
    out[0] = FlatType::kI32;
    auto merge = [&](const auto& case_flat) {
      for (size_t i = 0; i < case_flat.size(); ++i) {
        out[i + 1] = seen[i + 1] ? join(out[i + 1], case_flat[i]) : case_flat[i];
        seen[i + 1] = true;
      }
    };
    (merge(Wit<Cases>::flat), ...);
    return out;
  }();
};

// Lifts/lowers the payload of case `index` of a variant-like value stored as std::variant.
template <typename V, typename... Cases>
struct VariantCodec {
  using Layout = VariantLayout<Cases...>;

  static V lift(CallContext& cx, FlatReader& in) {
    uint32_t disc = static_cast<uint32_t>(in.next());
    return by_case<0>(disc, [&]<size_t I>() {
      using W = Wit<std::variant_alternative_t<I, std::variant<Cases...>>>;
      V out(std::in_place_index<I>, W::lift(cx, in));
      in.skip(Layout::payload_flat - W::flat.size());
      return out;
    });
  }
  static void lower(CallContext& cx, const V& v, FlatWriter& out) {
    out.push(v.index());
    visit_case(v, [&]<size_t I>(const auto& payload) {
      using W = Wit<std::variant_alternative_t<I, std::variant<Cases...>>>;
      W::lower(cx, payload, out);
      out.pad(Layout::payload_flat - W::flat.size());
    });
  }
  static V load(CallContext& cx, uint32_t ptr) {
    uint32_t disc = load_discriminant(cx, ptr, Layout::disc_size);
    return by_case<0>(disc, [&]<size_t I>() {
      using W = Wit<std::variant_alternative_t<I, std::variant<Cases...>>>;
      return V(std::in_place_index<I>, W::load(cx, ptr + Layout::payload_offset));
    });
  }
  static void store(CallContext& cx, const V& v, uint32_t ptr) {
    store_discriminant(cx, ptr, Layout::disc_size, static_cast<uint32_t>(v.index()));
    visit_case(v, [&]<size_t I>(const auto& payload) {
      using W = Wit<std::variant_alternative_t<I, std::variant<Cases...>>>;
      W::store(cx, payload, ptr + Layout::payload_offset);
    });
  }

 private:
  template <size_t I, typename F>
  static V by_case(uint32_t disc, F&& f) {
    if constexpr (I == sizeof...(Cases)) {
      throw GuestTrap("variant case " + std::to_string(disc) + " out of range");
    } else {
      if (disc == I) return f.template operator()<I>();
      return by_case<I + 1>(disc, std::forward<F>(f));
    }
  }
  template <size_t I = 0, typename F>
  static void visit_case(const V& v, F&& f) {
    if constexpr (I < sizeof...(Cases)) {
      if (v.index() == I) {
        f.template operator()<I>(std::get<I>(v));
        return;
      }
      visit_case<I + 1>(v, std::forward<F>(f));
    }
  }
};

template <typename... Cases>
struct Wit<std::variant<Cases...>> {
  using Codec = VariantCodec<std::variant<Cases...>, Cases...>;
  using Layout = typename Codec::Layout;
  static constexpr uint32_t size = Layout::size, align = Layout::align;
  static constexpr auto flat = Layout::flat;
  static std::variant<Cases...> lift(CallContext& cx, FlatReader& in) { return Codec::lift(cx, in); }
  static void lower(CallContext& cx, const std::variant<Cases...>& v, FlatWriter& out) {
    Codec::lower(cx, v, out);
  }
  static std::variant<Cases...> load(CallContext& cx, uint32_t ptr) { return Codec::load(cx, ptr); }
  static void store(CallContext& cx, const std::variant<Cases...>& v, uint32_t ptr) {
    Codec::store(cx, v, ptr);
  }
};

template <typename T, typename E>
struct Wit<Result<T, E>> {
  using V = std::variant<T, E>;
  using Codec = VariantCodec<V, T, E>;
  using Layout = typename Codec::Layout;
  static constexpr uint32_t size = Layout::size, align = Layout::align;
  static constexpr auto flat = Layout::flat;
  static Result<T, E> wrap(V v) {
    if (v.index() == 0) return Ok<T>{std::move(std::get<0>(v))};
    return Err<E>{std::move(std::get<1>(v))};
  }
  static Result<T, E> lift(CallContext& cx, FlatReader& in) { return wrap(Codec::lift(cx, in)); }
  static void lower(CallContext& cx, const Result<T, E>& r, FlatWriter& out) {
    Codec::lower(cx, r.value, out);
  }
  static Result<T, E> load(CallContext& cx, uint32_t ptr) { return wrap(Codec::load(cx, ptr)); }
  static void store(CallContext& cx, const Result<T, E>& r, uint32_t ptr) {
    Codec::store(cx, r.value, ptr);
  }
};

template <typename T>
struct Wit<std::optional<T>> {
  using V = std::variant<Unit, T>;
  using Codec = VariantCodec<V, Unit, T>;
  using Layout = typename Codec::Layout;
  static constexpr uint32_t size = Layout::size, align = Layout::align;
  static constexpr auto flat = Layout::flat;
  static std::optional<T> unwrap(V v) {
    if (v.index() == 0) return std::nullopt;
    return std::move(std::get<1>(v));
  }
  static std::optional<T> lift(CallContext& cx, FlatReader& in) { return unwrap(Codec::lift(cx, in)); }
  static std::optional<T> load(CallContext& cx, uint32_t ptr) { return unwrap(Codec::load(cx, ptr)); }
  // Lowered by hand rather than through a std::variant copy: T may be move-only (own<R>).
  static void lower(CallContext& cx, const std::optional<T>& o, FlatWriter& out) {
    out.push(o ? 1 : 0);
    if (o) Wit<T>::lower(cx, *o, out);
    out.pad(Layout::payload_flat - (o ? Wit<T>::flat.size() : 0));
  }
  static void store(CallContext& cx, const std::optional<T>& o, uint32_t ptr) {
    store_discriminant(cx, ptr, Layout::disc_size, o ? 1 : 0);
    if (o) Wit<T>::store(cx, *o, ptr + Layout::payload_offset);
  }
};

template <typename E>
  requires std::is_enum_v<E> && (kWitEnumCases<E> > 0)
struct Wit<E> {
  static constexpr uint32_t cases = kWitEnumCases<E>;
  static constexpr uint32_t size = discriminant_size(cases), align = size;
  static constexpr std::array<FlatType, 1> flat{FlatType::kI32};
  static E checked(uint32_t v) {
    if (v >= cases) throw GuestTrap("enum case " + std::to_string(v) + " out of range");
    return static_cast<E>(v);
  }
  static E lift(CallContext&, FlatReader& in) { return checked(static_cast<uint32_t>(in.next())); }
  static void lower(CallContext&, const E& v, FlatWriter& out) { out.push(static_cast<uint32_t>(v)); }
  static E load(CallContext& cx, uint32_t ptr) { return checked(load_discriminant(cx, ptr, size)); }
  static void store(CallContext& cx, const E& v, uint32_t ptr) {
    store_discriminant(cx, ptr, size, static_cast<uint32_t>(v));
  }
};

template <size_t N>
struct Wit<Flags<N>> {
  static constexpr uint32_t size = N == 0 ? 0 : N <= 8 ? 1 : N <= 16 ? 2 : 4;
  static constexpr uint32_t align = N == 0 ? 1 : size;
  static constexpr uint32_t mask = N == 32 ? 0xffffffffu : (1u << N) - 1;
  static constexpr std::array<FlatType, N == 0 ? 0 : 1> flat = [] {
    std::array<FlatType, N == 0 ? 0 : 1> out{};
    if constexpr (N > 0) out[0] = FlatType::kI32;
    return out;
  }();
  // Bits beyond the declared flags are ignored, as lift_flat_flags does.
  static Flags<N> lift(CallContext&, FlatReader& in) {
    if constexpr (N == 0) return {};
    else return Flags<N>{static_cast<uint32_t>(in.next()) & mask};
  }
  static void lower(CallContext&, const Flags<N>& v, FlatWriter& out) {
    if constexpr (N > 0) out.push(v.bits & mask);
  }
  static Flags<N> load(CallContext& cx, uint32_t ptr) {
    if constexpr (N == 0) return {};
    else return Flags<N>{load_discriminant(cx, ptr, size) & mask};
  }
  static void store(CallContext& cx, const Flags<N>& v, uint32_t ptr) {
    if constexpr (N > 0) store_discriminant(cx, ptr, size, v.bits & mask);
  }
};

// ---- resources -------------------------------------------------------------------------------

struct WitHandle {
  static constexpr uint32_t size = 4, align = 4;
  static constexpr std::array<FlatType, 1> flat{FlatType::kI32};
};

template <typename R>
struct Wit<Own<R>> : WitHandle {
  static Own<R> from_handle(CallContext& cx, uint32_t handle) {
    std::unique_ptr<HostResource> object = cx.resources().take(handle, resource_type_of<R>());
    // The table only holds R objects under R's type, so the downcast is exact.
    return Own<R>(std::unique_ptr<R>(static_cast<R*>(object.release())));
  }
  static uint32_t to_handle(CallContext& cx, const Own<R>& own) {
    // Ownership moves to the guest's table; the const is the usual lowering signature.
    auto& mutable_own = const_cast<Own<R>&>(own);
    return cx.resources().insert(resource_type_of<R>(), std::move(mutable_own.object));
  }
  static Own<R> lift(CallContext& cx, FlatReader& in) {
    return from_handle(cx, static_cast<uint32_t>(in.next()));
  }
  static void lower(CallContext& cx, const Own<R>& own, FlatWriter& out) {
    out.push(to_handle(cx, own));
  }
  static Own<R> load(CallContext& cx, uint32_t ptr) {
    return from_handle(cx, Wit<uint32_t>::load(cx, ptr));
  }
  static void store(CallContext& cx, const Own<R>& own, uint32_t ptr) {
    Wit<uint32_t>::store(cx, to_handle(cx, own), ptr);
  }
};

template <typename R>
struct Wit<Borrow<R>> : WitHandle {
  static Borrow<R> from_handle(CallContext& cx, uint32_t handle) {
    HostResource& object = cx.resources().borrow(handle, resource_type_of<R>());
    return Borrow<R>{static_cast<R*>(&object), handle};
  }
  static Borrow<R> lift(CallContext& cx, FlatReader& in) {
    return from_handle(cx, static_cast<uint32_t>(in.next()));
  }
  static Borrow<R> load(CallContext& cx, uint32_t ptr) {
    return from_handle(cx, Wit<uint32_t>::load(cx, ptr));
  }
};

}  // namespace sluice::component
