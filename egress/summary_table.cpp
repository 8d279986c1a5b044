#include "egress/summary_table.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace sluice::egress {

namespace {

std::string endpoint(const Destination& d) {
  const std::string ip = d.ip.to_string();
  return (d.ip.is_v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(d.port);
}

// "allow RULE", "deny RULE (reason)", or both when the verdict changed (limits, a reload).
std::string verdicts(const DestinationSummary& d) {
  std::string out;
  if (!d.allowed_by.empty()) out = "allow " + d.allowed_by;
  for (const auto& denial : d.denials) {
    if (!out.empty()) out += "; ";
    out += "deny " + denial.rule + " (" + to_string(denial.reason) + ")";
  }
  return out.empty() ? "-" : out;
}

std::string failures(const DestinationSummary& d) {
  std::string out;
  for (const auto& [error, count] : d.failed) {
    if (!out.empty()) out += ",";
    out += error + "x" + std::to_string(count);
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string human_bytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string render_summary(const LedgerSnapshot& snap, uint64_t events_dropped) {
  const std::vector<std::string> header = {"PROTO", "DESTINATION", "NAME", "VERDICT", "CONN", "OK",
                                           "FAILED", "DENIED", "SENT", "RECEIVED", "DGRAMS OUT/IN"};
  std::vector<std::vector<std::string>> rows = {header};
  for (const DestinationSummary& d : snap.destinations) {
    const std::string proto = std::string(to_string(d.key.transport)) +
                              (d.key.direction == Direction::kInbound ? " in" : "");
    rows.push_back({proto, endpoint(d.key), d.key.name.empty() ? "-" : d.key.name, verdicts(d),
                    std::to_string(d.attempts), std::to_string(d.established), failures(d),
                    std::to_string(d.denied), human_bytes(d.bytes_sent), human_bytes(d.bytes_received),
                    std::to_string(d.datagrams_sent) + "/" + std::to_string(d.datagrams_received)});
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::ostringstream out;
  out << "egress summary\n";
  if (snap.destinations.empty()) out << "  no network egress\n";
  else {
    for (const auto& row : rows) {
      out << " ";
      for (size_t i = 0; i < row.size(); ++i) {
        out << " " << row[i];
        if (i + 1 < row.size()) out << std::string(widths[i] - row[i].size(), ' ');
      }
      out << "\n";
    }
  }
  const LedgerTotals& t = snap.totals;
  out << "  total: " << t.connections_attempted << " connects (" << t.connections_established
      << " ok, " << t.connections_failed << " failed), " << t.connections_denied << " denied, "
      << human_bytes(t.bytes_sent) << " sent, " << human_bytes(t.bytes_received) << " received over TCP, "
      << t.datagrams_sent << "/" << t.datagrams_received << " datagrams out/in ("
      << human_bytes(t.udp_bytes_sent) << "/" << human_bytes(t.udp_bytes_received) << ")\n";
  out << "  dns: " << t.dns_lookups << " lookups, " << t.dns_denied << " denied";
  for (const DnsSummary& d : snap.dns) {
    out << (&d == &snap.dns.front() ? " — " : ", ") << d.name;
    if (d.denied) out << " (denied " << d.denied << ")";
  }
  out << "\n";
  if (!snap.listens.empty()) {
    out << "  listen:";
    for (const ListenSummary& l : snap.listens) {
      out << " " << to_string(l.transport) << " " << (l.ip.is_v6 ? "[" + l.ip.to_string() + "]" : l.ip.to_string())
          << ":" << l.port << " (" << l.allowed << " allowed, " << l.denied << " denied)";
    }
    out << "; " << t.connections_accepted << " connections accepted\n";
  }
  if (events_dropped) {
    out << "  note: " << events_dropped << " events dropped from the flow log (counts above are complete)\n";
  }
  return out.str();
}

void write_summary(const Meter& meter, std::ostream& out) {
  out << render_summary(meter.snapshot(), meter.events().dropped());
}

}  // namespace sluice::egress
