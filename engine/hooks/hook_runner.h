// Runs the operator's hooks (--hooks-path DIR): every executable <DIR>/<name>* and <DIR>/gh-ost-<name>*, spawned
// without a shell (argv = {path}), stdin /dev/null, with hook_environment() and no inherited file
// descriptors beyond 0-2. Every line it prints (stdout and stderr, in order) is logged as
// "hook <name>: <line>". The hook runs in its own process group; past the timeout the group gets
// SIGTERM, and SIGKILL a second later. run() blocks until the hook exits (not until processes it
// left in the background do) and is thread-safe. What a failure means is the caller's business
// (hook_failure_stops_migration: gh-ost's list).
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "engine/hooks/hook_environment.h"

namespace ghostcut::engine {

struct HookResult {
  bool ran = false;   // false: hooks off, or no such executable (nothing to do)
  int exit_code = 0;  // 128 + signal when killed by one; 127 when it could not be started
  bool timed_out = false;
  std::chrono::milliseconds duration{0};
  bool ok() const { return !ran || (!timed_out && exit_code == 0); }
};

class HookRunner {
 public:
  static constexpr std::chrono::milliseconds kKillGrace{1000};  // SIGTERM -> SIGKILL

  // Empty directory = hooks off. timeout <= 0 = no limit.
  HookRunner(std::string directory, std::chrono::milliseconds timeout, std::shared_ptr<spdlog::logger> logger);

  bool enabled() const { return !directory_.empty(); }
  const std::string& directory() const { return directory_; }

  // `name` must be one of kHookNames (anything else is refused with an error log, not run).
  // Runs every matching file (hook_file_matches) in name order until one fails; the result is the
  // failing one's (or the last one's), its duration the whole list's.
  HookResult run(std::string_view name, const HookContext& ctx) const;

 private:
  HookResult run_file(std::string_view name, const std::string& path, const HookContext& ctx) const;

  std::string directory_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace ghostcut::engine
