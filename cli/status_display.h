// The live status line on a terminal: one line redrawn in place ("\r\033[K" + text cut to the
// terminal width). Off a terminal it prints nothing: the periodic progress log line covers it.
// Log lines and the status line share the terminal through make_tty_aware_sink, which clears
// the status line, writes the log line, and draws the status line again below it.
#pragma once
#include <spdlog/common.h>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "engine/metrics/progress.h"
#include "engine/phase.h"

namespace ghostcut::cli {

struct StatusLineInput {
  engine::Phase phase = engine::Phase::kStarting;
  std::string detail;  // why postponed/waiting, the failure cause, … (may be empty)
  std::uint64_t rows_copied = 0;
  std::uint64_t rows_estimated = 0;
  // Share of the chunk key's range already copied (0..100): exact where the row estimate is
  // not. Preferred for the percentage when given.
  std::optional<double> key_range_percent;
  double rows_per_second = 0;
  std::optional<std::chrono::seconds> eta;  // copy time left; nullopt = unknown
  std::uint64_t applier_backlog = 0;
  std::optional<double> applier_lag_seconds;  // nullopt = unknown (no heartbeat back yet)
  bool throttled = false;
  std::string throttle_reason;
  std::string next_cut_over_window;  // e.g. "02:00 UTC (in 3h12m)"; empty = no window configured
  std::chrono::seconds elapsed{0};
};

// The fields a ProgressSnapshot already has (rows, rate, ETA, backlog, lag, key-range coverage,
// throttle reason, elapsed); the caller adds the detail and the next cut-over window.
StatusLineInput status_input_from(const engine::ProgressSnapshot& progress, engine::Phase phase);

// PURE. For example
//   copying 41.2% (412,000/1,000,000 rows) 52,000 rows/s ETA 11s | applier backlog 12 lag 0.15s | throttled: lag
// The first part depends on the phase (starting, copying, waiting for cut-over: <detail>,
// postponed: <detail>, cutting over, done: N rows in T, failed: <detail>); the applier part
// shows while the binlog is applied; throttle and next cut-over window only while they matter.
std::string format_status_line(const StatusLineInput& input);

// 1234567 → "1,234,567".
std::string group_thousands(std::uint64_t n);
// At most `columns` code points of `text` (never a broken UTF-8 sequence), "…" marking a cut.
std::string truncate_to_width(std::string_view text, std::size_t columns);

class StatusDisplay {
 public:
  static constexpr std::size_t kDefaultWidth = 120;

  // is_tty: usually isatty(fileno(out)). width: the terminal's columns (default: ioctl
  // TIOCGWINSZ on `out`, kDefaultWidth when that fails), asked at each draw so a resize counts.
  StatusDisplay(std::FILE* out, bool is_tty, std::function<std::size_t()> width = {});

  // Remembers the line and (on a terminal) redraws it in place. Thread-safe.
  void update(const std::string& line);
  // Erases the drawn line, if any (the remembered line stays for redraw). Thread-safe.
  void clear();
  // Clears the status line, runs write() (which prints whole lines to the same terminal), then
  // draws the status line again, all under one lock so no update() lands in between.
  void print_above(const std::function<void()>& write);
  // Erases the line for good: later update() calls draw nothing. Thread-safe, idempotent.
  void finish();
  bool is_tty() const { return is_tty_; }

 private:
  void draw_locked();
  void clear_locked();

  std::FILE* out_;
  bool is_tty_;
  std::function<std::size_t()> width_;
  std::mutex mu_;
  std::string line_;
  bool drawn_ = false;
  bool finished_ = false;
};

// A sink that writes through `inner` (nullptr: stderr, coloured on a terminal) with the status
// line cleared around each log line. Hand it to configure_logging.
spdlog::sink_ptr make_tty_aware_sink(std::shared_ptr<StatusDisplay> display, spdlog::sink_ptr inner = nullptr);

}  // namespace ghostcut::cli
