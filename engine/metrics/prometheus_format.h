// Prometheus text exposition format 0.0.4 for a MetricsSnapshot. PURE.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
#pragma once
#include <string>
#include <string_view>

#include "engine/metrics/metrics_snapshot.h"

namespace ghostcut::engine {

// The Content-Type that goes with format_prometheus's output.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// Every metric is prefixed ghostcut_ and labelled {database="…",table="…"}; counters end in
// _total. An unknown lag is reported as NaN (the series stays, its value says "unknown").
// The state and the throttle reason are info-style gauges: ghostcut_state{state="copying"} 1,
// ghostcut_throttled{reason="lag"} 1 (reason="" and 0 when not throttled).
std::string format_prometheus(const MetricsSnapshot& snapshot);

// A label value with \ " and newline escaped as the format requires.
std::string escape_label_value(std::string_view value);

}  // namespace ghostcut::engine
