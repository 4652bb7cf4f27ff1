#include "engine/metrics/prometheus_format.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/prometheus_text.h"

using namespace ghostcut::engine;
using ghostcut::test::parse_prometheus_text;
using ghostcut::test::PromParse;

namespace {

MetricsSnapshot full_snapshot() {
  MetricsSnapshot s;
  s.database = "shop";
  s.table = "orders";
  s.state = "copying";
  s.rows_copied = 412000;
  s.rows_estimated = 1000000;
  s.rows_resumed = 120000;
  s.copy_lock_hold_p99_seconds = 0.1;
  s.copy_lock_hold_max_seconds = 0.25;
  s.checksum_rows = 300000;
  s.checksum_rows_repaired = 2;
  s.copy_rows_per_second = 52000.5;
  s.copy_percent = 41.2;
  s.events_applied = 698;
  s.applier_backlog = 12;
  s.applier_lag_seconds = 0.15;
  s.replica_lag_seconds = {{"replica1:3306", 0.5}, {"replica2:3306", std::nullopt}};
  s.throttled = true;
  s.throttle_reason = "lag";
  s.cut_over_attempts = 2;
  s.cut_over_stall_seconds = {3.0, 0.056};
  s.elapsed_seconds = 8.25;
  s.revert_window_seconds = 3600;
  return s;
}

PromParse parse_ok(const std::string& text) {
  std::string error;
  auto parsed = parse_prometheus_text(text, &error);
  EXPECT_TRUE(parsed) << error << "\n" << text;
  return parsed ? *parsed : PromParse{};
}

}  // namespace

// The validator itself must refuse what Prometheus refuses, or the tests below prove nothing.
TEST(MetricsPrometheusValidator, RejectsBadText) {
  struct Case {
    const char* name;
    const char* text;
  };
  const Case cases[] = {
      {"bad metric name", "1abc 1\n"},       {"bad label name", "m{1x=\"a\"} 1\n"},
      {"unquoted label", "m{a=b} 1\n"},      {"bad escape", "m{a=\"\\t\"} 1\n"},
      {"unterminated", "m{a=\"x} 1\n"},      {"value not a number", "m 1.2.3\n"},
      {"value missing", "m{a=\"x\"}\n"},     {"type after sample", "m 1\n# TYPE m gauge\n"},
      {"bad type", "# TYPE m meter\nm 1\n"}, {"split family", "a 1\nb 1\na 2\n"},
      {"no final newline", "m 1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string error;
    EXPECT_FALSE(parse_prometheus_text(c.text, &error));
    EXPECT_FALSE(error.empty());
  }
  std::string error;
  auto ok = parse_prometheus_text("# HELP m h\n# TYPE m gauge\nm{a=\"q\\\"\\\\\\n\"} NaN\n", &error);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(ok->samples.at(0).labels.at("a"), "q\"\\\n");
  EXPECT_TRUE(std::isnan(ok->samples.at(0).value));
}

TEST(MetricsPrometheus, FullSnapshotParsesAndCarriesEveryValue) {
  const std::string text = format_prometheus(full_snapshot());
  const PromParse p = parse_ok(text);
  const std::map<std::string, std::string> l{{"database", "shop"}, {"table", "orders"}};
  struct Case {
    std::string name;
    std::map<std::string, std::string> extra;
    double want;
  };
  const std::vector<Case> cases{
      {"ghostcut_rows_copied_total", {}, 412000},
      {"ghostcut_rows_estimated", {}, 1000000},
      {"ghostcut_rows_resumed_total", {}, 120000},
      {"ghostcut_copy_lock_hold_p99_seconds", {}, 0.1},
      {"ghostcut_copy_lock_hold_max_seconds", {}, 0.25},
      {"ghostcut_checksum_rows_total", {}, 300000},
      {"ghostcut_checksum_rows_repaired_total", {}, 2},
      {"ghostcut_copy_rows_per_second", {}, 52000.5},
      {"ghostcut_copy_progress_percent", {}, 41.2},
      {"ghostcut_events_applied_total", {}, 698},
      {"ghostcut_applier_backlog", {}, 12},
      {"ghostcut_applier_lag_seconds", {}, 0.15},
      {"ghostcut_replica_lag_seconds", {{"replica", "replica1:3306"}}, 0.5},
      {"ghostcut_throttled", {{"reason", "lag"}}, 1},
      {"ghostcut_cut_over_attempts_total", {}, 2},
      {"ghostcut_cut_over_write_stall_seconds_sum", {}, 3.056},
      {"ghostcut_cut_over_write_stall_seconds_count", {}, 2},
      {"ghostcut_cut_over_last_write_stall_seconds", {}, 0.056},
      {"ghostcut_cut_over_max_write_stall_seconds", {}, 3.0},
      {"ghostcut_state", {{"state", "copying"}}, 1},
      {"ghostcut_elapsed_seconds", {}, 8.25},
      {"ghostcut_revert_window_seconds", {}, 3600},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto match = l;
    match.insert(c.extra.begin(), c.extra.end());
    const auto* s = p.find(c.name, match);
    ASSERT_NE(s, nullptr) << text;
    EXPECT_DOUBLE_EQ(s->value, c.want);
  }
  const auto* unknown = p.find("ghostcut_replica_lag_seconds", {{"replica", "replica2:3306"}});
  ASSERT_NE(unknown, nullptr);
  EXPECT_TRUE(std::isnan(unknown->value));
}

TEST(MetricsPrometheus, NamingConventions) {
  const PromParse p = parse_ok(format_prometheus(full_snapshot()));
  ASSERT_FALSE(p.types.empty());
  for (const auto& [family, type] : p.types) {
    SCOPED_TRACE(family);
    EXPECT_TRUE(family.starts_with("ghostcut_"));
    EXPECT_EQ(type == "counter", family.ends_with("_total"));
    EXPECT_TRUE(p.help.count(family)) << "no HELP";
  }
  for (const auto& s : p.samples) {
    SCOPED_TRACE(s.name);
    EXPECT_EQ(s.labels.at("database"), "shop");
    EXPECT_EQ(s.labels.at("table"), "orders");
  }
}

TEST(MetricsPrometheus, EmptySnapshotStillValid) {
  MetricsSnapshot s;  // before anything happened: no replicas, no cut-over, unknown lag
  const PromParse p = parse_ok(format_prometheus(s));
  EXPECT_EQ(p.find("ghostcut_replica_lag_seconds"), nullptr);
  ASSERT_NE(p.find("ghostcut_applier_lag_seconds"), nullptr);
  EXPECT_TRUE(std::isnan(p.find("ghostcut_applier_lag_seconds")->value));
  const auto* throttled = p.find("ghostcut_throttled");
  ASSERT_NE(throttled, nullptr);
  EXPECT_EQ(throttled->value, 0);
  EXPECT_EQ(throttled->labels.at("reason"), "");
  EXPECT_EQ(p.find("ghostcut_cut_over_write_stall_seconds_count")->value, 0);
  EXPECT_EQ(p.find("ghostcut_cut_over_last_write_stall_seconds")->value, 0);
}

TEST(MetricsPrometheus, NotThrottledHidesStaleReason) {
  MetricsSnapshot s = full_snapshot();
  s.throttled = false;  // the reason of an earlier throttle must not linger as a label
  const PromParse p = parse_ok(format_prometheus(s));
  const auto* t = p.find("ghostcut_throttled");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->value, 0);
  EXPECT_EQ(t->labels.at("reason"), "");
}

TEST(MetricsPrometheus, LabelEscaping) {
  struct Case {
    std::string raw;
    std::string escaped;
  };
  const std::vector<Case> cases{
      {"plain", "plain"},
      {"a\\b", "a\\\\b"},
      {"say \"hi\"", "say \\\"hi\\\""},
      {"two\nlines", "two\\nlines"},
      {"héllo ✓", "héllo ✓"},
      {"\\\"\n", "\\\\\\\"\\n"},
      {"", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.raw);
    EXPECT_EQ(escape_label_value(c.raw), c.escaped);
    MetricsSnapshot s;
    s.database = c.raw;
    s.table = "t" + c.raw;
    s.state = c.raw;
    s.throttled = true;
    s.throttle_reason = c.raw;
    s.replica_lag_seconds = {{c.raw, 1.0}};
    const PromParse p = parse_ok(format_prometheus(s));
    ASSERT_FALSE(p.samples.empty());
    for (const auto& sample : p.samples) {
      SCOPED_TRACE(sample.name);
      EXPECT_EQ(sample.labels.at("database"), c.raw);  // round-trips through the escapes
      EXPECT_EQ(sample.labels.at("table"), "t" + c.raw);
    }
    EXPECT_EQ(p.find("ghostcut_state")->labels.at("state"), c.raw);
    EXPECT_EQ(p.find("ghostcut_throttled")->labels.at("reason"), c.raw);
    EXPECT_EQ(p.find("ghostcut_replica_lag_seconds")->labels.at("replica"), c.raw);
  }
}

TEST(MetricsPrometheus, SpecialNumbers) {
  MetricsSnapshot s;
  s.copy_rows_per_second = std::numeric_limits<double>::infinity();
  s.applier_lag_seconds = 1e-9;
  s.rows_copied = 18446744073709551615ull;
  const std::string text = format_prometheus(s);
  const PromParse p = parse_ok(text);
  EXPECT_TRUE(std::isinf(p.find("ghostcut_copy_rows_per_second")->value));
  EXPECT_DOUBLE_EQ(p.find("ghostcut_applier_lag_seconds")->value, 1e-9);
  EXPECT_NE(text.find("ghostcut_rows_copied_total{database=\"\",table=\"\"} 18446744073709551615\n"), std::string::npos)
      << text;
}
