#include "engine/metrics/prometheus_format.h"

#include <spdlog/fmt/fmt.h>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace ghostcut::engine {
namespace {

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string format_value(std::uint64_t v) { return std::to_string(v); }

class Writer {
 public:
  explicit Writer(const MetricsSnapshot& s)
      : base_labels_(
            fmt::format("database=\"{}\",table=\"{}\"", escape_label_value(s.database), escape_label_value(s.table))) {}

  void header(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP ghostcut_{} {}\n# TYPE ghostcut_{} {}\n", name, help, name, type);
  }
  // extra_labels: already escaped `name="value"` pairs, comma-separated, or empty.
  template <typename V>
  void sample(std::string_view name, V value, std::string_view extra_labels = {}) {
    out_ += fmt::format("ghostcut_{}{{{}{}{}}} {}\n", name, base_labels_, extra_labels.empty() ? "" : ",", extra_labels,
                        format_value(value));
  }
  template <typename V>
  void metric(std::string_view name, std::string_view type, std::string_view help, V value) {
    header(name, type, help);
    sample(name, value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string base_labels_;
  std::string out_;
};

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_prometheus(const MetricsSnapshot& s) {
  Writer w(s);
  w.header("state", "gauge", "Current migration state (1 for the current state label).");
  w.sample("state", std::uint64_t{1}, fmt::format("state=\"{}\"", escape_label_value(s.state)));
  w.metric("elapsed_seconds", "gauge", "Seconds since the migration started.", s.elapsed_seconds);

  w.metric("rows_copied_total", "counter", "Rows copied from the original table into the ghost table.", s.rows_copied);
  w.metric(
      "copy_lock_hold_p99_seconds", "gauge",
      "99th percentile of the copy statements' durations (bucket bound): how long a writer can wait on the copier's locks.",
      s.copy_lock_hold_p99_seconds);
  w.metric("copy_lock_hold_max_seconds", "gauge", "The longest copy statement so far.", s.copy_lock_hold_max_seconds);
  w.metric("rows_resumed_total", "counter",
           "Rows an interrupted run had copied that this resumed run did not copy again (work saved).", s.rows_resumed);
  w.metric("checksum_rows_total", "counter", "Rows the pre-cut-over checksum compared in both tables.",
           s.checksum_rows);
  w.metric("checksum_rows_repaired_total", "counter", "Ghost rows the checksum found different and copied again.",
           s.checksum_rows_repaired);
  w.metric("copy_yielded_seconds_total", "counter",
           "Time the copy waited for the applier to catch up with the binlog (binlog first).",
           static_cast<double>(s.copy_yielded_ms) / 1000.0);
  w.metric("rows_estimated", "gauge", "Estimated rows in the original table (information_schema).", s.rows_estimated);
  w.metric("copy_rows_per_second", "gauge", "Row copy rate since the copy started.", s.copy_rows_per_second);
  w.metric("copy_progress_percent", "gauge", "Copy progress, 0 to 100.", s.copy_percent);

  w.metric("events_applied_total", "counter", "Binlog row events applied to the ghost table.", s.events_applied);
  w.metric("applier_backlog", "gauge", "Binlog transactions waiting for the applier.", s.applier_backlog);
  w.metric("applier_lag_seconds", "gauge", "Heartbeat trip time through the binlog to the applier (NaN: unknown).",
           s.applier_lag_seconds.value_or(std::nan("")));

  w.header("replica_lag_seconds", "gauge", "Replication lag of each throttle-control replica (NaN: unknown).");
  for (const auto& [replica, lag] : s.replica_lag_seconds)
    w.sample("replica_lag_seconds", lag.value_or(std::nan("")),
             fmt::format("replica=\"{}\"", escape_label_value(replica)));

  w.header("throttled", "gauge", "1 while the copy is throttled, with the reason as a label.");
  w.sample("throttled", std::uint64_t{s.throttled ? 1u : 0u},
           fmt::format("reason=\"{}\"", escape_label_value(s.throttled ? s.throttle_reason : "")));

  w.metric("cut_over_attempts_total", "counter", "Cut-over attempts started.", s.cut_over_attempts);
  const double stall_sum = std::accumulate(s.cut_over_stall_seconds.begin(), s.cut_over_stall_seconds.end(), 0.0);
  w.header("cut_over_write_stall_seconds", "summary", "Write stall of the cut-over attempts.");
  w.sample("cut_over_write_stall_seconds_sum", stall_sum);
  w.sample("cut_over_write_stall_seconds_count", std::uint64_t{s.cut_over_stall_seconds.size()});
  w.metric("cut_over_last_write_stall_seconds", "gauge", "Write stall of the latest cut-over attempt (0: none yet).",
           s.cut_over_stall_seconds.empty() ? 0.0 : s.cut_over_stall_seconds.back());
  w.metric("cut_over_max_write_stall_seconds", "gauge", "Longest write stall of any cut-over attempt (0: none yet).",
           s.cut_over_stall_seconds.empty()
               ? 0.0
               : *std::max_element(s.cut_over_stall_seconds.begin(), s.cut_over_stall_seconds.end()));
  w.metric("revert_window_seconds", "gauge",
           "Seconds left in which revert=<table> can swap the old table back (0: not possible).",
           s.revert_window_seconds);
  return w.take();
}

}  // namespace ghostcut::engine
