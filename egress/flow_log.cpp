#include "egress/flow_log.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "egress/outbound_rules.h"
#include "egress/timestamp.h"

namespace sluice::egress {

namespace {

using nlohmann::json;

json text_or_null(const std::string* text) { return text && !text->empty() ? json(*text) : json(nullptr); }

json error_or_null(int error) { return error ? json(errno_name(error)) : json(nullptr); }

json flow_line(std::string_view sandbox_id, const Event& e) {
  const DestinationRecord& d = *e.destination;
  const bool closed = e.kind == Event::Kind::kClosed;
  const auto start = closed ? e.start : e.at;
  return {
      {"ts", rfc3339(e.at)},
      {"sandbox", sandbox_id},
      {"type", "flow"},
      {"transport", to_string(d.key.transport)},
      {"dst_ip", d.key.ip.to_string()},
      {"dst_port", d.key.port},
      {"dst_name", text_or_null(&d.key.name)},
      {"action", closed ? "ACCEPT" : "REJECT"},
      {"rule", e.rule ? *e.rule : d.rule},
      {"reason", d.reason},
      {"error", error_or_null(e.error)},
      {"bytes_out", e.bytes_out},
      {"bytes_in", e.bytes_in},
      {"packets_out", e.datagrams_out},
      {"packets_in", e.datagrams_in},
      {"start", rfc3339(start)},
      {"end", rfc3339(e.at)},
      {"duration_ms", closed ? std::chrono::duration<double, std::milli>(e.duration).count() : 0.0},
  };
}

json dns_line(std::string_view sandbox_id, const Event& e) {
  const bool denied = e.kind == Event::Kind::kDnsDenied;
  return {
      {"ts", rfc3339(e.at)},
      {"sandbox", sandbox_id},
      {"type", "dns"},
      {"dst_name", e.dns->name},
      {"action", denied ? "REJECT" : "ACCEPT"},
      {"rule", text_or_null(e.rule)},
      {"reason", std::string(denied ? kReasonNoNameRule : kReasonAllowed)},
      {"addresses", e.addresses},
      {"error", error_or_null(e.error)},
  };
}

}  // namespace

std::string flow_log_line(std::string_view sandbox_id, const Event& e) {
  json line;
  switch (e.kind) {
    case Event::Kind::kClosed:
    case Event::Kind::kDenied:
      if (!e.destination) return {};
      line = flow_line(sandbox_id, e);
      break;
    case Event::Kind::kDnsLookup:
    case Event::Kind::kDnsDenied:
      if (!e.dns) return {};
      line = dns_line(sandbox_id, e);
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
