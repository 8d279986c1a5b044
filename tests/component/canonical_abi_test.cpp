// Canonical ABI lift/lower of the C++ WIT types, checked against the layouts CanonicalABI.md
// prescribes, through the same adapters the linker installs for guest imports.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "component/canonical_abi.h"
#include "component/host_function.h"
#include "engine/runtime/sluice_rt.h"

namespace abi_test {
enum class ErrorCode : uint8_t { kAccess, kBadDescriptor, kExist };
}
SLUICE_WIT_ENUM(abi_test::ErrorCode, 3);

namespace sluice::component {
namespace {

using abi_test::ErrorCode;

struct Stream : HostResource {
  static constexpr std::string_view kWitName = "output-stream";
  explicit Stream(int budget) : budget(budget) {}
  int budget;
};

struct Datetime {
  uint64_t seconds = 0;
  uint32_t nanoseconds = 0;
  static constexpr auto wit_fields = std::tuple{&Datetime::seconds, &Datetime::nanoseconds};
};

using StreamError = std::variant<Own<Stream>, Unit>;

// A guest memory plus a bump allocator standing in for the guest's cabi_realloc.
class FakeGuest {
 public:
  FakeGuest() : buffer_(1 << 16) {
    memory_.data = buffer_.data();
    memory_.pages = 1;
    memory_.max_pages = 1;
    memory_.size = static_cast<uint32_t>(buffer_.size());
    import_.resources = &resources_;
    import_.memory = &memory_;
    import_.realloc = {&FakeGuest::bump, this};
  }
  LoweredImport& import() { return import_; }
  ResourceTable& resources() { return resources_; }
  uint8_t* at(uint32_t ptr) { return buffer_.data() + ptr; }
  template <typename T>
  T load(uint32_t ptr) {
    T v;
    std::memcpy(&v, at(ptr), sizeof(T));
    return v;
  }
  uint32_t allocations = 0;

 private:
  static void bump(void* self, uint64_t* v) {
    auto* guest = static_cast<FakeGuest*>(self);
    uint32_t align = static_cast<uint32_t>(v[2]), size = static_cast<uint32_t>(v[3]);
    guest->next_ = (guest->next_ + align - 1) / align * align;
    v[0] = guest->next_;
    guest->next_ += size;
    ++guest->allocations;
  }
  std::vector<uint8_t> buffer_;
  wasm_rt_memory_t memory_{};
  ResourceTable resources_;
  LoweredImport import_{};
  uint32_t next_ = 0x8000;
};

struct GuardedCall {
  HostFunc func;
  LoweredImport* import;
  uint64_t* values;
};

// Calls a host function as generated code would, returning the trap kind (0: none).
int call(const HostFunc& func, FakeGuest& guest, uint64_t* values) {
  GuardedCall c{func, &guest.import(), values};
  sluice_trap_info info{};
  return sluice_rt_call_guarded(
      [](void* arg) {
        auto* c = static_cast<GuardedCall*>(arg);
        c->func.call(c->import, c->values);
      },
      &c, &info);
}

// ---- layouts -----------------------------------------------------------------------------

TEST(CanonicalAbiLayout, RecordsFollowFieldAlignment) {
  EXPECT_EQ(Wit<Datetime>::size, 16u);
  EXPECT_EQ(Wit<Datetime>::align, 8u);
  EXPECT_EQ(signature_letters(Wit<Datetime>::flat), "Ii");
}

TEST(CanonicalAbiLayout, VariantsJoinFlatTypes) {
  using V = std::variant<uint32_t, float, uint64_t, Unit>;
  EXPECT_EQ(signature_letters(Wit<V>::flat), "iI");
  EXPECT_EQ(Wit<V>::size, 16u);
  using W = std::variant<float, uint32_t>;
  EXPECT_EQ(signature_letters(Wit<W>::flat), "ii");
  using R = Result<std::tuple<uint64_t, bool>, ErrorCode>;
  EXPECT_EQ(signature_letters(Wit<R>::flat), "iIi");
  EXPECT_EQ(Wit<R>::size, 24u);
}

TEST(CanonicalAbiLayout, OptionStringAndFlags) {
  EXPECT_EQ(signature_letters(Wit<std::optional<std::string>>::flat), "iii");
  EXPECT_EQ(Wit<std::optional<std::string>>::size, 12u);
  EXPECT_EQ(Wit<Flags<6>>::size, 1u);
  EXPECT_EQ(Wit<Flags<9>>::size, 2u);
  EXPECT_EQ(Wit<ErrorCode>::size, 1u);
}

// ---- host functions through the adapter ----------------------------------------------------

Result<uint64_t, StreamError> check_write(CallContext&, Borrow<Stream> s) {
  if (s->budget > 0) return Ok(uint64_t(s->budget));
  return Err(StreamError(std::in_place_index<1>));
}

TEST(CanonicalAbiHost, ResultGoesThroughReturnPointer) {
  FakeGuest guest;
  uint32_t handle = guest.resources().insert(resource_type_of<Stream>(), std::make_unique<Stream>(4096));
  HostFunc f = host_func<&check_write>();
  EXPECT_EQ(f.core_signature, "ii:");
  uint64_t values[2] = {handle, 64};
  ASSERT_EQ(call(f, guest, values), 0);
  EXPECT_EQ(guest.load<uint8_t>(64), 0);  // ok
  EXPECT_EQ(guest.load<uint64_t>(72), 4096u);
}

struct Other : HostResource {
  static constexpr std::string_view kWitName = "pollable";
};

TEST(CanonicalAbiHost, WrongHandleTypeTraps) {
  FakeGuest guest;
  uint32_t handle = guest.resources().insert(resource_type_of<Other>(), std::make_unique<Other>());
  uint64_t values[2] = {handle, 64};
  EXPECT_EQ(call(host_func<&check_write>(), guest, values), SLUICE_TRAP_HOST);
  EXPECT_NE(last_trap_message().find("not a output-stream"), std::string::npos);
  uint64_t missing[2] = {999, 64};
  EXPECT_EQ(call(host_func<&check_write>(), guest, missing), SLUICE_TRAP_HOST);
}

TEST(CanonicalAbiHost, ReturnPointerOutOfBoundsTraps) {
  FakeGuest guest;
  uint32_t handle = guest.resources().insert(resource_type_of<Stream>(), std::make_unique<Stream>(1));
  uint64_t values[2] = {handle, 0xFFFFFFF0u};
  EXPECT_EQ(call(host_func<&check_write>(), guest, values), SLUICE_TRAP_HOST);
  uint64_t misaligned[2] = {handle, 65};
  EXPECT_EQ(call(host_func<&check_write>(), guest, misaligned), SLUICE_TRAP_HOST);
}

size_t written = 0;
Result<Unit, StreamError> write_bytes(CallContext&, Borrow<Stream>, GuestBytes bytes) {
  written = bytes.size();
  return Ok();
}

TEST(CanonicalAbiHost, ListParameterIsBoundsChecked) {
  FakeGuest guest;
  uint32_t handle = guest.resources().insert(resource_type_of<Stream>(), std::make_unique<Stream>(1));
  HostFunc f = host_func<&write_bytes>();
  EXPECT_EQ(f.core_signature, "iiii:");
  uint64_t ok[4] = {handle, 100, 50, 200};
  ASSERT_EQ(call(f, guest, ok), 0);
  EXPECT_EQ(written, 50u);
  uint64_t oob[4] = {handle, 0xFFFFFF00u, 0x1000, 200};
  EXPECT_EQ(call(f, guest, oob), SLUICE_TRAP_HOST);
}

std::vector<std::tuple<std::string, std::string>> environment(CallContext&) {
  return {{"HOME", "/root"}, {"GREETING", "héllo"}};
}

TEST(CanonicalAbiHost, ListOfStringPairsIsAllocatedInGuest) {
  FakeGuest guest;
  HostFunc f = host_func<&environment>();
  EXPECT_EQ(f.core_signature, "i:");
  uint64_t values[1] = {16};
  ASSERT_EQ(call(f, guest, values), 0);
  uint32_t list = guest.load<uint32_t>(16), len = guest.load<uint32_t>(20);
  ASSERT_EQ(len, 2u);
  uint32_t key = guest.load<uint32_t>(list + 16), key_len = guest.load<uint32_t>(list + 20);
  uint32_t val = guest.load<uint32_t>(list + 24), val_len = guest.load<uint32_t>(list + 28);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(guest.at(key)), key_len), "GREETING");
  EXPECT_EQ(std::string(reinterpret_cast<char*>(guest.at(val)), val_len), "héllo");
}

std::string seen_path;
Result<Datetime, ErrorCode> stat_at(CallContext&, Borrow<Stream>, Flags<1>, std::string path) {
  seen_path = path;
  if (path == "missing") return Err(ErrorCode::kExist);
  return Ok(Datetime{1700000000, 5});
}

TEST(CanonicalAbiHost, StringParameterAndRecordResult) {
  FakeGuest guest;
  uint32_t handle = guest.resources().insert(resource_type_of<Stream>(), std::make_unique<Stream>(1));
  std::memcpy(guest.at(300), "a/b.txt", 7);
  HostFunc f = host_func<&stat_at>();
  EXPECT_EQ(f.core_signature, "iiiii:");
  uint64_t values[5] = {handle, 0, 300, 7, 512};
  ASSERT_EQ(call(f, guest, values), 0);
  EXPECT_EQ(seen_path, "a/b.txt");
  EXPECT_EQ(guest.load<uint8_t>(512), 0);
  EXPECT_EQ(guest.load<uint64_t>(520), 1700000000u);
  EXPECT_EQ(guest.load<uint32_t>(528), 5u);

  std::memcpy(guest.at(300), "missing", 7);
  ASSERT_EQ(call(f, guest, values), 0);
  EXPECT_EQ(guest.load<uint8_t>(512), 1);
  EXPECT_EQ(guest.load<uint8_t>(520), static_cast<uint8_t>(ErrorCode::kExist));

  std::memcpy(guest.at(300), "\xff\xfe", 2);
  uint64_t bad_utf8[5] = {handle, 0, 300, 2, 512};
  EXPECT_EQ(call(f, guest, bad_utf8), SLUICE_TRAP_HOST);
}

std::optional<Own<Stream>> maybe_stream(CallContext&) { return Own<Stream>(std::make_unique<Stream>(7)); }
void drop_stream(CallContext&, Own<Stream> s) { EXPECT_EQ(s->budget, 7); }

TEST(CanonicalAbiHost, OwnHandlesMoveBetweenHostAndGuest) {
  FakeGuest guest;
  uint64_t values[1] = {32};
  ASSERT_EQ(call(host_func<&maybe_stream>(), guest, values), 0);
  EXPECT_EQ(guest.load<uint8_t>(32), 1);
  uint32_t handle = guest.load<uint32_t>(36);
  EXPECT_EQ(guest.resources().live(), 1u);
  uint64_t take[1] = {handle};
  ASSERT_EQ(call(host_func<&drop_stream>(), guest, take), 0);
  EXPECT_EQ(guest.resources().live(), 0u);
  EXPECT_EQ(call(host_func<&drop_stream>(), guest, take), SLUICE_TRAP_HOST);  // already gone
}

void exit_with(CallContext&, Result<Unit, Unit> status) { throw GuestExit(status.is_ok() ? 0 : 1); }

TEST(CanonicalAbiHost, ExitUnwindsWithStatus) {
  FakeGuest guest;
  uint64_t values[1] = {1};
  GuardedCall c{host_func<&exit_with>(), &guest.import(), values};
  sluice_trap_info info{};
  int kind = sluice_rt_call_guarded(
      [](void* arg) {
        auto* c = static_cast<GuardedCall*>(arg);
        c->func.call(c->import, c->values);
      },
      &c, &info);
  EXPECT_EQ(kind, SLUICE_TRAP_EXIT);
  EXPECT_EQ(info.exit_status, 1);
}

using Big = std::tuple<uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t,
                       uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t,
                       uint32_t, uint32_t, uint32_t>;
uint32_t last_big = 0;
void take_big(CallContext&, Big b) { last_big = std::get<16>(b); }

TEST(CanonicalAbiHost, ManyParametersArePassedInMemory) {
  // 17 flat parameters exceed MAX_FLAT_PARAMS: the guest passes one pointer to a tuple.
  HostFunc f = host_func<&take_big>();
  EXPECT_EQ(f.core_signature, "i:");
  FakeGuest guest;
  for (uint32_t i = 0; i < 17; ++i) std::memcpy(guest.at(1024 + 4 * i), &i, 4);
  uint64_t values[1] = {1024};
  ASSERT_EQ(call(f, guest, values), 0);
  EXPECT_EQ(last_big, 16u);
}

TEST(CanonicalAbiUtf8, RejectsMalformedSequences) {
  EXPECT_TRUE(is_valid_utf8("plain ascii text, long enough to take the fast path"));
  EXPECT_TRUE(is_valid_utf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("abc\xe2\x82"));       // truncated
}

}  // namespace
}  // namespace sluice::component
