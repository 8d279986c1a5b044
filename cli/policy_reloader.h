// Reloads a run's egress policy while the guest runs: on SIGHUP, and when the --policy file
// changes. A new policy that does not build (a syntax error, an unknown key, an unreadable
// file) is rejected with its FILE:LINE:COL message and the policy in force stays; a good one is
// swapped into the meter, which keeps every counter, quota and rate bucket.
//
// The file is watched through its directory (inotify), so editors that save by writing a new
// file and renaming it over the old one are seen too. Bursts of changes are coalesced.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "cli/policy_source.h"
#include "egress/meter.h"

namespace sluice::cli {

class PolicyReloader {
 public:
  // Blocks SIGHUP in the calling thread and so in every thread it creates later: the reloader
  // takes it from a signalfd instead. Call first thing, before any thread exists.
  static void block_reload_signal();

  using Report = std::function<void(const std::string&)>;
  PolicyReloader(const PolicySource& source, egress::Meter& meter, Report report);
  ~PolicyReloader();  // stops watching and joins
  PolicyReloader(const PolicyReloader&) = delete;
  PolicyReloader& operator=(const PolicyReloader&) = delete;

 private:
  void run();
  void reload(const std::string& why);
  void watch_file();

  const PolicySource& source_;
  egress::Meter& meter_;
  Report report_;
  int signal_fd_ = -1;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::string watched_name_;  // the policy file's name within its directory
  std::thread thread_;        // last: starts once the members it uses exist
};

}  // namespace sluice::cli
