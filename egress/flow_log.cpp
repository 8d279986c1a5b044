#include "egress/flow_log.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "egress/timestamp.h"

namespace sluice::egress {

namespace {

using nlohmann::json;

json text_or_null(std::string_view text) { return text.empty() ? json(nullptr) : json(text); }

json error_or_null(int error) { return error ? json(errno_name(error)) : json(nullptr); }

// Records a flow (a closed connection or datagram flow, or a failed connect: ACCEPT) or a
// denial (REJECT).
json flow_line(std::string_view sandbox_id, const Event& e) {
  const DestinationRecord& d = *e.destination;
  const bool closed = e.kind == Event::Kind::kClosed || e.kind == Event::Kind::kFailed;
  const int64_t start = closed ? e.start_ns : e.at_ns;
  return {
      {"ts", rfc3339(wall_time_of(e.at_ns))},
      {"sandbox", sandbox_id},
      {"type", "flow"},
      {"direction", to_string(d.key.direction)},
      {"transport", to_string(d.key.transport)},
      {"dst_ip", d.key.ip.to_string()},
      {"dst_port", d.key.port},
      {"dst_name", text_or_null(d.key.name)},
      {"action", closed ? "ACCEPT" : "REJECT"},
      {"rule", text_or_null(e.rule)},
      {"reason", closed ? json(nullptr) : json(to_string(e.reason))},
      {"error", error_or_null(e.error)},
      {"bytes_out", e.bytes_out},
      {"bytes_in", e.bytes_in},
      {"packets_out", e.datagrams_out},
      {"packets_in", e.datagrams_in},
      {"start", rfc3339(wall_time_of(start))},
      {"end", rfc3339(wall_time_of(e.at_ns))},
      {"duration_ms", closed ? static_cast<double>(e.at_ns - e.start_ns) / 1e6 : 0.0},
  };
}

json dns_line(std::string_view sandbox_id, const Event& e) {
  const bool denied = e.kind == Event::Kind::kDnsDenied;
  return {
      {"ts", rfc3339(wall_time_of(e.at_ns))},
      {"sandbox", sandbox_id},
      {"type", "dns"},
      {"dst_name", e.dns->name},
      {"action", denied ? "REJECT" : "ACCEPT"},
      {"rule", text_or_null(e.rule)},
      {"reason", denied ? json(to_string(e.reason)) : json(nullptr)},
      {"addresses", e.addresses},
      {"error", e.error ? json(eai_name(e.error)) : json(nullptr)},
  };
}

json listen_line(std::string_view sandbox_id, const Event& e) {
  const bool allowed = e.reason == Reason::kInboundAllowed;
  return {
      {"ts", rfc3339(wall_time_of(e.at_ns))},
      {"sandbox", sandbox_id},
      {"type", "listen"},
      {"transport", to_string(e.listen_transport)},
      {"local_ip", e.listen_ip.to_string()},
      {"local_port", e.listen_port},
      {"action", allowed ? "ACCEPT" : "REJECT"},
      {"rule", text_or_null(e.rule)},
      {"reason", allowed ? json(nullptr) : json(to_string(e.reason))},
  };
}

}  // namespace

std::string flow_log_line(std::string_view sandbox_id, const Event& e) {
  json line;
  switch (e.kind) {
    case Event::Kind::kClosed:
    case Event::Kind::kFailed:  // a failed connect has no kClosed event: this is its record
    case Event::Kind::kDenied:
      if (!e.destination) return {};
      line = flow_line(sandbox_id, e);
      break;
    case Event::Kind::kDnsLookup:
    case Event::Kind::kDnsDenied:
      if (!e.dns) return {};
      line = dns_line(sandbox_id, e);
      break;
    case Event::Kind::kListen:
      line = listen_line(sandbox_id, e);
      break;
    default:
      return {};
  }
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

FlowLogWriter::FlowLogWriter(const std::string& path, std::string sandbox_id)
    : sandbox_id_(std::move(sandbox_id)), out_(path, std::ios::binary | std::ios::trunc) {
  if (!out_) throw std::runtime_error("cannot open egress log '" + path + "': " + std::strerror(errno));
}

void FlowLogWriter::operator()(const Event& event) {
  std::string line = flow_log_line(sandbox_id_, event);
  if (line.empty()) return;
  line += '\n';
  out_.write(line.data(), static_cast<std::streamsize>(line.size()));
}

}  // namespace sluice::egress
