#include "egress/report_json.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "egress/timestamp.h"

namespace sluice::egress {

namespace {

using nlohmann::json;

json name_or_null(const std::string& name) { return name.empty() ? json(nullptr) : json(name); }

json denials_json(const std::vector<DestinationSummary::Denial>& denials) {
  json out = json::array();
  for (const auto& d : denials) {
    out.push_back({{"rule", d.rule}, {"reason", to_string(d.reason)}, {"count", d.count}});
  }
  return out;
}

json destination_json(const DestinationSummary& d) {
  json failed = json::object();
  for (const auto& [error, count] : d.failed) failed[error] = count;
  return {
      {"direction", to_string(d.key.direction)},
      {"transport", to_string(d.key.transport)},
      {"ip", d.key.ip.to_string()},
      {"port", d.key.port},
      {"name", name_or_null(d.key.name)},
      {"attempts", d.attempts},
      {"established", d.established},
      {"failed", std::move(failed)},
      {"denied", d.denied},
      {"allowed_by", name_or_null(d.allowed_by)},
      {"bytes_sent", d.bytes_sent},
      {"bytes_received", d.bytes_received},
      {"datagrams_sent", d.datagrams_sent},
      {"datagrams_received", d.datagrams_received},
      {"kernel",
       {{"bytes_acked", d.kernel.bytes_acked},
        {"bytes_sent", d.kernel.bytes_sent},
        {"bytes_received", d.kernel.bytes_received},
        {"connections_checked", d.kernel.connections_checked},
        {"mismatch", d.kernel.mismatch}}},
  };
}

json totals_json(const LedgerTotals& t) {
  return {
      {"connections_attempted", t.connections_attempted},
      {"connections_established", t.connections_established},
      {"connections_failed", t.connections_failed},
      {"connections_denied", t.connections_denied},
      {"connections_accepted", t.connections_accepted},
      {"bytes_sent", t.bytes_sent},
      {"bytes_received", t.bytes_received},
      {"datagrams_sent", t.datagrams_sent},
      {"datagrams_received", t.datagrams_received},
      {"udp_bytes_sent", t.udp_bytes_sent},
      {"udp_bytes_received", t.udp_bytes_received},
      {"dns_lookups", t.dns_lookups},
      {"dns_denied", t.dns_denied},
      {"listens_allowed", t.listens_allowed},
      {"listens_denied", t.listens_denied},
  };
}

}  // namespace

std::string render_report(const Meter& meter, const RunInfo& run) {
  const LedgerSnapshot snap = meter.snapshot();
  json destinations = json::array();
  json denied = json::array();
  for (const DestinationSummary& d : snap.destinations) {
    destinations.push_back(destination_json(d));
    for (const auto& denial : d.denials) {
      denied.push_back({{"direction", to_string(d.key.direction)},
                        {"transport", to_string(d.key.transport)},
                        {"ip", d.key.ip.to_string()},
                        {"port", d.key.port},
                        {"name", name_or_null(d.key.name)},
                        {"rule", denial.rule},
                        {"reason", to_string(denial.reason)},
                        {"count", denial.count}});
    }
  }
  json dns = json::array();
  for (const DnsSummary& d : snap.dns) {
    json errors = json::object();
    for (const auto& [error, count] : d.errors) errors[error] = count;
    dns.push_back({{"name", d.name},
                   {"lookups", d.lookups},
                   {"addresses", d.addresses},
                   {"failed", d.failed},
                   {"errors", std::move(errors)},
                   {"denied", d.denied},
                   {"denials", denials_json(d.denials)}});
  }
  json listens = json::array();
  for (const ListenSummary& l : snap.listens) {
    listens.push_back({{"transport", to_string(l.transport)},
                       {"ip", l.ip.to_string()},
                       {"port", l.port},
                       {"allowed", l.allowed},
                       {"allowed_by", name_or_null(l.allowed_by)},
                       {"denied", l.denied},
                       {"denials", denials_json(l.denials)}});
  }
  json report = {
      {"sandbox", run.sandbox_id},
      {"component", run.component},
      {"outcome", run.outcome},
      {"exit_status", run.exit_status},
      {"started_at", rfc3339(run.started_at)},
      {"duration_seconds", run.duration_seconds},
      {"totals", totals_json(snap.totals)},
      {"destinations", std::move(destinations)},
      {"denied", std::move(denied)},
      {"dns", std::move(dns)},
      {"listens", std::move(listens)},
      {"policy", {{"rules", meter.policy().rules().size()}, {"generation", meter.policy_generation()}}},
      {"events", {{"recorded", meter.events().recorded()}, {"dropped", meter.events().dropped()}}},
  };
  // Replace invalid UTF-8 (a guest-chosen name) instead of throwing: a report must always be written.
  return report.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

void write_report(const Meter& meter, const RunInfo& run, const std::string& path) {
  const std::string text = render_report(meter, run);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out << text;
  if (out) out.flush();
  if (!out) {
    throw std::runtime_error("cannot write egress report '" + path + "': " + std::strerror(errno));
  }
}

}  // namespace sluice::egress
