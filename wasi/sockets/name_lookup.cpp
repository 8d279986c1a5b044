#include "wasi/sockets/name_lookup.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "wasi/io/host_fd.h"

namespace sluice::wasi {

using component::Err;
using component::Ok;

// Shared by the stream and its worker thread (which may outlive the stream: a dropped stream
// does not cancel getaddrinfo, it only stops caring about the answer).
struct LookupState {
  std::shared_ptr<HostFd> done_fd;  // eventfd: readable once the lookup has completed
  std::mutex mutex;
  bool done = false;                                // guarded by mutex
  std::vector<egress::IpAddress> addresses;         // guarded by mutex
  std::optional<SocketErrorCode> error;             // guarded by mutex
  int resolver_error = 0;                           // getaddrinfo's code; guarded by mutex

  void complete(std::vector<egress::IpAddress> found, std::optional<SocketErrorCode> failure,
                int code) {
    {
      std::lock_guard lock(mutex);
      addresses = std::move(found);
      error = failure;
      resolver_error = code;
      done = true;
    }
    uint64_t one = 1;
    ssize_t written = ::write(done_fd->get(), &one, sizeof one);
    (void)written;  // an eventfd counter cannot overflow from one write per lookup
  }

  bool is_done() {
    std::lock_guard lock(mutex);
    return done;
  }
};

namespace {

std::atomic<int> g_running_lookups{0};

// A DNS name as WASI's resolve-addresses accepts it: ASCII letters, digits, '-', '_' and dots,
// labels of 1..63 characters, at most 253 in all (one trailing dot allowed). Internationalised
// names must arrive already in punycode: this host does no IDNA processing.
bool is_valid_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

std::optional<egress::IpAddress> parse_literal(std::string_view name) {
  std::string text(name);
  // "[::1]" is how URLs spell IPv6 literals; guests pass them on as often as not.
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  egress::IpAddress address;
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    std::memcpy(address.bytes.data(), &v4, 4);
    return address;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    address.is_v6 = true;
    std::memcpy(address.bytes.data(), &v6, 16);
    return address;
  }
  return std::nullopt;
}

SocketErrorCode lookup_error(int code, int error_number) {
  switch (code) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY:
#endif
      return SocketErrorCode::kNameUnresolvable;
    case EAI_AGAIN:
      return SocketErrorCode::kTemporaryResolverFailure;
    case EAI_FAIL:
      return SocketErrorCode::kPermanentResolverFailure;
    case EAI_MEMORY:
      return SocketErrorCode::kOutOfMemory;
    case EAI_SYSTEM:
      return socket_error_from_errno(error_number);
    default:
      return SocketErrorCode::kUnknown;
  }
}

void resolve(const std::shared_ptr<LookupState>& state, const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
  addrinfo* result = nullptr;
  int code = ::getaddrinfo(name.c_str(), nullptr, &hints, &result);
  if (code != 0) {
    state->complete({}, lookup_error(code, errno), code);
    return;
  }
  std::vector<egress::IpAddress> found;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    std::optional<IpSocketAddress> address = from_os(ai->ai_addr, ai->ai_addrlen);
    if (!address) continue;
    egress::IpAddress ip = to_egress(*address);
    if (std::find(found.begin(), found.end(), ip) == found.end()) found.push_back(ip);
  }
  ::freeaddrinfo(result);
  state->complete(std::move(found), std::nullopt, 0);
}

}  // namespace

SocketResult<std::unique_ptr<ResolveAddressStream>> ResolveAddressStream::start(
    std::string_view name, egress::Egress* egress) {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return Err(socket_error_from_errno(errno));
  auto state = std::make_shared<LookupState>();
  state->done_fd = HostFd::adopt(fd);
  std::unique_ptr<ResolveAddressStream> stream(new ResolveAddressStream(state));

  // A literal needs no resolver and tells no one anything: answered here, no policy question.
  if (std::optional<egress::IpAddress> literal = parse_literal(name)) {
    state->complete({*literal}, std::nullopt, 0);
    stream->reported_ = true;
    return Ok(std::move(stream));
  }
  // The egress point: the name itself can carry data out (DNS exfiltration), so policy sees it
  // (and counts it, with the DNS guards' verdict on its length) before any resolver does.
  if (egress == nullptr) return Err(SocketErrorCode::kAccessDenied);
  if (egress::Verdict verdict = egress->decide_lookup(name); !verdict.allowed)
    return Err(socket_error_for_denial(verdict));
  if (!is_valid_name(name)) return Err(SocketErrorCode::kInvalidArgument);

  if (g_running_lookups.fetch_add(1) >= kMaxConcurrentLookups) {
    g_running_lookups.fetch_sub(1);
    return Err(SocketErrorCode::kTemporaryResolverFailure);
  }
  stream->egress_ = egress;
  stream->name_ = std::string(name);
  try {
    std::thread([state, name = stream->name_] {
      resolve(state, name);
      g_running_lookups.fetch_sub(1);
    }).detach();
  } catch (const std::system_error&) {
    g_running_lookups.fetch_sub(1);
    return Err(SocketErrorCode::kTemporaryResolverFailure);
  }
  return Ok(std::move(stream));
}

ResolveAddressStream::~ResolveAddressStream() {
  // A guest that drops the stream after the answer came but before reading it still resolved
  // the name: the ledger hears of it (a lookup still running when dropped is not reported).
  if (!reported_ && egress_ != nullptr && state_->is_done()) {
    std::lock_guard lock(state_->mutex);
    egress_->lookup_finished(name_, state_->addresses, state_->resolver_error);
  }
}

SocketResult<std::optional<IpAddress>> ResolveAddressStream::resolve_next_address() {
  std::lock_guard lock(state_->mutex);
  if (!state_->done) return Err(SocketErrorCode::kWouldBlock);
  if (!reported_) {
    // Egress calls come from the guest's thread only, hence here rather than on the worker.
    reported_ = true;
    egress_->lookup_finished(name_, state_->addresses, state_->resolver_error);
  }
  if (state_->error) return Err(*state_->error);
  if (next_ >= state_->addresses.size()) return Ok(std::optional<IpAddress>{});
  return Ok(std::optional<IpAddress>(from_egress(state_->addresses[next_++])));
}

std::unique_ptr<Pollable> ResolveAddressStream::subscribe() {
  return make_pollable([state = state_] {
    if (state->is_done()) return Readiness::immediately();
    return Readiness::on_fd(state->done_fd->get(), POLLIN);
  });
}

}  // namespace sluice::wasi
