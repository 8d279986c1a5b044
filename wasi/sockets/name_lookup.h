// wasi:sockets/ip-name-lookup: resolve-addresses and its resolve-address-stream.
//
// getaddrinfo blocks, so it never runs on a guest's thread: each lookup runs on a worker thread
// of its own (at most kMaxConcurrentLookups in the process; past that a lookup fails with
// temporary-resolver-failure rather than queueing behind another sandbox's slow lookups) and
// signals completion through an eventfd, so the stream's pollable waits in wasi:io/poll with
// everything else.
//
// Egress: the name is put to egress::Egress::decide_lookup before any resolver sees it, and
// the addresses go to lookup_finished (on the guest's thread, when the guest first sees the
// result) so later connects to them carry the name. IP literals are parsed, not looked up.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "component/resource_table.h"
#include "egress/egress.h"
#include "wasi/io/pollable.h"
#include "wasi/sockets/network.h"

namespace sluice::wasi {

struct LookupState;

class ResolveAddressStream : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "resolve-address-stream";
  static constexpr int kMaxConcurrentLookups = 64;

  // Starts resolving `name`. `egress` (null: every lookup is denied) must outlive the stream.
  static SocketResult<std::unique_ptr<ResolveAddressStream>> start(std::string_view name,
                                                                   egress::Egress* egress);
  ~ResolveAddressStream() override;

  // The next address; none once all were returned; would-block until the lookup completes.
  SocketResult<std::optional<IpAddress>> resolve_next_address();
  // Ready once the lookup has completed.
  std::unique_ptr<Pollable> subscribe();

 private:
  explicit ResolveAddressStream(std::shared_ptr<LookupState> state) : state_(std::move(state)) {}

  std::shared_ptr<LookupState> state_;
  egress::Egress* egress_ = nullptr;
  std::string name_;
  bool reported_ = false;  // lookup_finished was called
  size_t next_ = 0;
};

}  // namespace sluice::wasi
