#include "engine/control/runtime_settings.h"
#include "engine/errc.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>

using namespace ghostcut::engine;
using namespace std::chrono_literals;

TEST(RuntimeSettings, Defaults) {
  RuntimeSettings s;
  EXPECT_EQ(s.chunk_size(), 0u);  // adaptive
  EXPECT_EQ(s.threads(), 1u);
  EXPECT_EQ(s.dml_batch_size(), 1000u);
  EXPECT_EQ(s.max_lag_millis(), 1500u);
  EXPECT_EQ(s.nice_ratio(), 0.0);
  EXPECT_TRUE(s.max_load().empty());
  EXPECT_TRUE(s.throttle_query().empty());
  EXPECT_FALSE(s.manual_throttle() || s.postpone_cut_over() || s.cut_over_requested() || s.panic());
  EXPECT_EQ(s.version(), 0u);
}

TEST(RuntimeSettings, ScalarSettersReturnOldValueOrRejectWithoutChange) {
  using Setter = ghostcut::Result<std::uint64_t> (RuntimeSettings::*)(std::uint64_t);
  using Getter = std::uint64_t (RuntimeSettings::*)() const;
  struct Case {
    const char* name;
    Setter set;
    Getter get;
    std::uint64_t value;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"chunk-size 1000", &RuntimeSettings::set_chunk_size, &RuntimeSettings::chunk_size, 1000, true},
      {"chunk-size 0 = adaptive", &RuntimeSettings::set_chunk_size, &RuntimeSettings::chunk_size, 0, true},
      {"chunk-size min", &RuntimeSettings::set_chunk_size, &RuntimeSettings::chunk_size, kMinChunkSize, true},
      {"chunk-size max", &RuntimeSettings::set_chunk_size, &RuntimeSettings::chunk_size, kMaxChunkSize, true},
      {"chunk-size too small", &RuntimeSettings::set_chunk_size, &RuntimeSettings::chunk_size, 9, false},
      {"chunk-size too big", &RuntimeSettings::set_chunk_size, &RuntimeSettings::chunk_size, kMaxChunkSize + 1, false},
      {"threads 8", &RuntimeSettings::set_threads, &RuntimeSettings::threads, 8, true},
      {"threads 0", &RuntimeSettings::set_threads, &RuntimeSettings::threads, 0, false},
      {"threads 65", &RuntimeSettings::set_threads, &RuntimeSettings::threads, 65, false},
      {"dml-batch-size 100", &RuntimeSettings::set_dml_batch_size, &RuntimeSettings::dml_batch_size, 100, true},
      {"dml-batch-size 0", &RuntimeSettings::set_dml_batch_size, &RuntimeSettings::dml_batch_size, 0, false},
      {"dml-batch-size 100001", &RuntimeSettings::set_dml_batch_size, &RuntimeSettings::dml_batch_size, 100001, false},
      {"max-lag-millis 100", &RuntimeSettings::set_max_lag_millis, &RuntimeSettings::max_lag_millis, 100, true},
      {"max-lag-millis 99", &RuntimeSettings::set_max_lag_millis, &RuntimeSettings::max_lag_millis, 99, false},
      {"max-lag-millis huge", &RuntimeSettings::set_max_lag_millis, &RuntimeSettings::max_lag_millis,
       std::numeric_limits<std::uint64_t>::max(), false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RuntimeSettings s;
    const auto before = (s.*c.get)();
    const auto version = s.version();
    auto r = (s.*c.set)(c.value);
    ASSERT_EQ(r.has_value(), c.ok);
    if (c.ok) {
      EXPECT_EQ(*r, before);
      EXPECT_EQ((s.*c.get)(), c.value);
      EXPECT_EQ(s.version(), version + 1);
    } else {
      EXPECT_TRUE(r.error().is(ghostcut::engine::EngineErrc::kBadSetting));
      EXPECT_NE(r.error().context.find("between"), std::string::npos) << r.error().context;
      EXPECT_EQ((s.*c.get)(), before);
      EXPECT_EQ(s.version(), version);
    }
  }
}

TEST(RuntimeSettings, NiceRatio) {
  struct Case {
    const char* name;
    double value;
    bool ok;
  };
  const std::vector<Case> cases = {{"zero", 0.0, true},
                                   {"fraction", 0.5, true},
                                   {"max", 100.0, true},
                                   {"negative", -0.1, false},
                                   {"too big", 100.5, false},
                                   {"nan", std::numeric_limits<double>::quiet_NaN(), false},
                                   {"inf", std::numeric_limits<double>::infinity(), false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RuntimeSettings s;
    ASSERT_TRUE(s.set_nice_ratio(0.25).has_value());
    auto r = s.set_nice_ratio(c.value);
    EXPECT_EQ(r.has_value(), c.ok);
    if (c.ok) {
      EXPECT_EQ(*r, 0.25);
    }
    EXPECT_EQ(s.nice_ratio(), c.ok ? c.value : 0.25);
  }
}

TEST(RuntimeSettings, LoadMaps) {
  struct Case {
    const char* name;
    LoadMap load;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"one", {{"Threads_running", 25}}, true},
      {"two", {{"Threads_running", 25}, {"Threads_connected", 500}}, true},
      {"empty clears", {}, true},
      {"zero threshold", {{"Threads_running", 0}}, true},
      {"negative threshold", {{"Threads_running", -1}}, false},
      {"empty name", {{"", 1}}, false},
      {"bad name", {{"Threads running", 1}}, false},
      {"injection", {{"x'; DROP", 1}}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RuntimeSettings s;
    const LoadMap initial = {{"Initial", 1}};
    ASSERT_TRUE(s.set_max_load(initial).has_value());
    ASSERT_TRUE(s.set_critical_load(initial).has_value());
    auto r = s.set_max_load(c.load);
    auto r2 = s.set_critical_load(c.load);
    ASSERT_EQ(r.has_value(), c.ok);
    ASSERT_EQ(r2.has_value(), c.ok);
    if (c.ok) {
      EXPECT_EQ(*r, initial);
      EXPECT_EQ(s.max_load(), c.load);
      EXPECT_EQ(s.critical_load(), c.load);
    } else {
      EXPECT_NE(r.error().context.find("max-load"), std::string::npos);
      EXPECT_NE(r2.error().context.find("critical-load"), std::string::npos);
      EXPECT_EQ(s.max_load(), initial);
      EXPECT_EQ(s.critical_load(), initial);
    }
  }
  EXPECT_EQ(to_string(LoadMap{{"b", 2}, {"a", 1}}), "a=1,b=2");
  EXPECT_EQ(to_string(LoadMap{}), "");
}

TEST(RuntimeSettings, ThrottleQueryAndReplicas) {
  struct QCase {
    const char* sql;
    bool ok;
  };
  for (const auto& c : std::vector<QCase>{{"select 1", true},
                                          {"  SELECT count(*) > 10 FROM t", true},
                                          {"", true},
                                          {"delete from t", false},
                                          {"sel", false},
                                          {"update t set x=1", false}}) {
    SCOPED_TRACE(c.sql);
    RuntimeSettings s;
    ASSERT_TRUE(s.set_throttle_query("select 0").has_value());
    auto r = s.set_throttle_query(c.sql);
    EXPECT_EQ(r.has_value(), c.ok);
    EXPECT_EQ(s.throttle_query(), c.ok ? std::string(c.sql) : "select 0");
    if (c.ok) {
      EXPECT_EQ(*r, "select 0");
    }
  }
  struct RCase {
    const char* name;
    std::vector<ReplicaAddress> replicas;
    bool ok;
  };
  for (const auto& c : std::vector<RCase>{{"two", {{"r1", 3306}, {"r2", 3307}}, true},
                                          {"none", {}, true},
                                          {"empty host", {{"", 3306}}, false},
                                          {"port 0", {{"r1", 0}}, false},
                                          {"space in host", {{"r 1", 3306}}, false}}) {
    SCOPED_TRACE(c.name);
    RuntimeSettings s;
    auto r = s.set_throttle_control_replicas(c.replicas);
    EXPECT_EQ(r.has_value(), c.ok);
    EXPECT_EQ(s.throttle_control_replicas(), c.ok ? c.replicas : std::vector<ReplicaAddress>{});
  }
  EXPECT_EQ((ReplicaAddress{"db1", 3307}).to_string(), "db1:3307");
}

TEST(RuntimeSettings, FlagsReturnOldValue) {
  RuntimeSettings s;
  EXPECT_FALSE(s.set_manual_throttle(true));
  EXPECT_TRUE(s.set_manual_throttle(false));
  EXPECT_FALSE(s.set_postpone_cut_over(true));
  EXPECT_TRUE(s.postpone_cut_over());
  EXPECT_FALSE(s.set_cut_over_requested(true));
  EXPECT_FALSE(s.set_panic(true));
  auto snap = s.snapshot();
  EXPECT_FALSE(snap.manual_throttle);
  EXPECT_TRUE(snap.postpone_cut_over && snap.cut_over_requested && snap.panic);
  EXPECT_EQ(snap.version, 5u);
}

TEST(RuntimeSettings, WaitForChangeWakesOnSet) {
  RuntimeSettings s;
  const auto seen = s.version();
  std::jthread writer([&] {
    std::this_thread::sleep_for(20ms);
    (void)s.set_threads(4);
  });
  const auto start = std::chrono::steady_clock::now();
  const auto v = s.wait_for_change(std::stop_token{}, seen, 10s);
  EXPECT_NE(v, seen);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(s.threads(), 4u);
}

TEST(RuntimeSettings, WaitForChangeTimesOutAndHonoursStop) {
  RuntimeSettings s;
  EXPECT_EQ(s.wait_for_change(std::stop_token{}, s.version(), 10ms), 0u);
  // already changed: returns at once
  s.set_panic(true);
  EXPECT_EQ(s.wait_for_change(std::stop_token{}, 0, 10s), 1u);
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(20ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(s.wait_for_change(stop.get_token(), 1, 10s), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(RuntimeSettings, ConcurrentWritersAndReadersSeeWholeValues) {
  RuntimeSettings s;
  const LoadMap a = {{"Threads_running", 10}, {"Threads_connected", 100}};
  const LoadMap b = {{"Threads_running", 20}};
  {
    std::vector<std::jthread> threads;
    for (int w = 0; w < 2; ++w)
      threads.emplace_back([&, w] {
        for (int i = 0; i < 2000; ++i) {
          (void)s.set_max_load(w ? a : b);
          (void)s.set_threads(w ? 2 : 3);
        }
      });
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        const auto load = s.max_load();
        EXPECT_TRUE(load.empty() || load == a || load == b);
        const auto n = s.threads();
        EXPECT_TRUE(n == 1 || n == 2 || n == 3);
      }
    });
  }
  EXPECT_EQ(s.version(), 8000u);
}
