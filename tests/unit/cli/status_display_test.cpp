#include "cli/status_display.h"

#include <gtest/gtest.h>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "cli/logging.h"

using namespace ghostcut::cli;
using ghostcut::engine::Phase;
using namespace std::chrono_literals;

namespace {

StatusLineInput copying_input() {
  StatusLineInput in;
  in.phase = Phase::kCopying;
  in.rows_copied = 412000;
  in.rows_estimated = 1000000;
  in.rows_per_second = 52000.4;
  in.eta = 11s;
  in.applier_backlog = 12;
  in.applier_lag_seconds = 0.15;
  in.elapsed = 8s;
  return in;
}

// Everything written to a FILE*, read back.
class TempFile {
 public:
  TempFile() : f_(std::tmpfile()) {}
  ~TempFile() { std::fclose(f_); }
  std::FILE* get() const { return f_; }
  std::string contents() const {
    std::fflush(f_);
    std::rewind(f_);
    std::string out;
    char buf[512];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f_)) > 0) out.append(buf, n);
    std::fseek(f_, 0, SEEK_END);
    return out;
  }

 private:
  std::FILE* f_;
};

// Writes "<msg>\n" to a FILE*, standing in for the stderr sink on the same terminal.
class FileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit FileSink(std::FILE* f) : f_(f) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::fprintf(f_, "%.*s\n", static_cast<int>(msg.payload.size()), msg.payload.data());
  }
  void flush_() override { std::fflush(f_); }

 private:
  std::FILE* f_;
};

}  // namespace

TEST(StatusLine, OneCasePerState) {
  struct Case {
    const char* name;
    StatusLineInput input;
    std::string want;
  };
  std::vector<Case> cases;
  cases.push_back({"starting", {}, "starting"});
  cases.push_back({"copying", copying_input(),
                   "copying 41.2% (412,000/1,000,000 rows) 52,000 rows/s ETA 11s | applier backlog 12 lag 0.15s"});
  {
    auto in = copying_input();
    in.throttled = true;
    in.throttle_reason = "lag";
    cases.push_back({"throttled", in,
                     "copying 41.2% (412,000/1,000,000 rows) 52,000 rows/s ETA 11s | applier backlog 12 lag 0.15s | "
                     "throttled: lag"});
  }
  {
    auto in = copying_input();
    in.phase = Phase::kPostponed;
    in.rows_copied = 1000165;
    in.detail = "flag file /tmp/hold";
    in.applier_backlog = 0;
    in.applier_lag_seconds = 0.02;
    cases.push_back(
        {"postponed", in, "postponed: flag file /tmp/hold | copied 1,000,165 rows | applier backlog 0 lag 0.02s"});
  }
  {
    auto in = copying_input();
    in.phase = Phase::kWaitingForCutOver;
    in.rows_copied = 1000000;
    in.detail = "outside the cut-over window";
    in.next_cut_over_window = "02:00 UTC (in 3h12m)";
    cases.push_back({"waiting for window", in,
                     "waiting for cut-over: outside the cut-over window | copied 1,000,000 rows | applier backlog 12 "
                     "lag 0.15s | next cut-over window 02:00 UTC (in 3h12m)"});
  }
  {
    auto in = copying_input();
    in.phase = Phase::kCuttingOver;
    in.detail = "attempt 2";
    in.next_cut_over_window = "02:00 UTC";  // irrelevant once cutting over
    cases.push_back({"cutting over", in, "cutting over: attempt 2 | applier backlog 12 lag 0.15s"});
  }
  {
    auto in = copying_input();
    in.phase = Phase::kDone;
    in.rows_copied = 999956;
    in.elapsed = 65s;
    in.throttled = true;  // stale: not shown once done
    cases.push_back({"done", in, "done: 999,956 rows copied in 1m05s"});
  }
  {
    auto in = copying_input();
    in.phase = Phase::kFailed;
    in.detail = "DDL on shop.orders seen in the binlog";
    cases.push_back({"failed", in, "failed: DDL on shop.orders seen in the binlog"});
  }
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(format_status_line(c.input), c.want);
  }
}

TEST(StatusLine, PercentEtaAndLagVariants) {
  struct Case {
    const char* name;
    void (*tweak)(StatusLineInput&);
    std::string want;
  };
  const std::vector<Case> cases{
      {"key range preferred", [](StatusLineInput& in) { in.key_range_percent = 55.55; },
       "copying 55.5% (412,000/1,000,000 rows) 52,000 rows/s ETA 11s | applier backlog 12 lag 0.15s"},
      {"estimate too low is capped", [](StatusLineInput& in) { in.rows_estimated = 1000; },
       "copying 100.0% (412,000/1,000 rows) 52,000 rows/s ETA 11s | applier backlog 12 lag 0.15s"},
      {"no estimate, no rows",
       [](StatusLineInput& in) {
         in.rows_estimated = 0;
         in.rows_copied = 0;
       },
       "copying 0.0% (0/0 rows) 52,000 rows/s ETA 11s | applier backlog 12 lag 0.15s"},
      {"eta unknown, lag unknown",
       [](StatusLineInput& in) {
         in.eta.reset();
         in.applier_lag_seconds.reset();
       },
       "copying 41.2% (412,000/1,000,000 rows) 52,000 rows/s ETA n/a | applier backlog 12 lag n/a"},
      {"eta due", [](StatusLineInput& in) { in.eta = 0s; },
       "copying 41.2% (412,000/1,000,000 rows) 52,000 rows/s ETA due | applier backlog 12 lag 0.15s"},
      {"long eta", [](StatusLineInput& in) { in.eta = 7384s; },
       "copying 41.2% (412,000/1,000,000 rows) 52,000 rows/s ETA 2h03m04s | applier backlog 12 lag 0.15s"},
      {"throttled without reason", [](StatusLineInput& in) { in.throttled = true; },
       "copying 41.2% (412,000/1,000,000 rows) 52,000 rows/s ETA 11s | applier backlog 12 lag 0.15s | throttled"},
      {"window while copying", [](StatusLineInput& in) { in.next_cut_over_window = "Sat 02:00"; },
       "copying 41.2% (412,000/1,000,000 rows) 52,000 rows/s ETA 11s | applier backlog 12 lag 0.15s | next cut-over "
       "window Sat 02:00"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto in = copying_input();
    c.tweak(in);
    EXPECT_EQ(format_status_line(in), c.want);
  }
}

TEST(StatusLine, FromProgressSnapshot) {
  ghostcut::engine::ProgressSnapshot p;
  p.rows_copied = 500;
  p.rows_estimated = 1000;
  p.copy_started = true;
  p.copy_elapsed = 2s;
  p.backlog = 3;
  p.applier_lag_ms = 1250;
  const auto in = status_input_from(p, Phase::kCopying);
  EXPECT_EQ(in.phase, Phase::kCopying);
  EXPECT_DOUBLE_EQ(in.rows_per_second, 250.0);
  ASSERT_TRUE(in.eta);
  EXPECT_EQ(*in.eta, 2s);
  EXPECT_EQ(format_status_line(in), "copying 50.0% (500/1,000 rows) 250 rows/s ETA 2s | applier backlog 3 lag 1.25s");

  p.key_range_percent = 62.5;
  p.throttle_reason = "flag-file";
  p.total_elapsed = 30s;
  const auto t = status_input_from(p, Phase::kCopying);
  EXPECT_EQ(t.elapsed, 30s);
  EXPECT_EQ(format_status_line(t),
            "copying 62.5% (500/1,000 rows) 250 rows/s ETA 2s | applier backlog 3 lag 1.25s | throttled: flag-file");
}

TEST(StatusLine, GroupThousands) {
  struct Case {
    std::uint64_t n;
    const char* want;
  };
  for (const auto& c : std::vector<Case>{{0, "0"},
                                         {999, "999"},
                                         {1000, "1,000"},
                                         {999999, "999,999"},
                                         {1000000, "1,000,000"},
                                         {18446744073709551615ull, "18,446,744,073,709,551,615"}}) {
    SCOPED_TRACE(c.n);
    EXPECT_EQ(group_thousands(c.n), c.want);
  }
}

TEST(StatusLine, TruncateToWidth) {
  struct Case {
    std::string text;
    std::size_t columns;
    std::string want;
  };
  const std::vector<Case> cases{
      {"hello", 10, "hello"}, {"hello", 5, "hello"}, {"hello", 4, "hel…"},
      {"hello", 1, "…"},      {"hello", 0, ""},      {"", 3, ""},
      {"héllo", 5, "héllo"},  {"héllo", 3, "hé…"},   {"日本語テキスト", 4, "日本語…"},
      {"a🚀b", 2, "a…"},       {"a🚀b", 3, "a🚀b"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text + " / " + std::to_string(c.columns));
    EXPECT_EQ(truncate_to_width(c.text, c.columns), c.want);
  }
}

TEST(StatusDisplay, NotATtyPrintsNothing) {
  TempFile f;
  StatusDisplay d(f.get(), false, [] { return std::size_t{80}; });
  d.update("copying 1%");
  d.clear();
  d.print_above([&] { std::fputs("log line\n", f.get()); });
  d.finish();
  EXPECT_EQ(f.contents(), "log line\n");
}

TEST(StatusDisplay, TtyRedrawsInPlaceAndTruncates) {
  TempFile f;
  std::size_t width = 11;  // 10 usable columns: the last one stays free
  StatusDisplay d(f.get(), true, [&] { return width; });
  d.update("copying 1%");
  d.update("copying 2% and more text");
  width = 200;  // a resize counts at the next draw
  d.update("copying 3%");
  EXPECT_EQ(f.contents(), "\r\033[Kcopying 1%\r\033[Kcopying 2…\r\033[Kcopying 3%");
}

TEST(StatusDisplay, ClearAndFinish) {
  TempFile f;
  StatusDisplay d(f.get(), true, [] { return std::size_t{80}; });
  d.clear();  // nothing drawn yet: nothing to erase
  d.update("a");
  d.clear();
  d.clear();  // already clear
  d.finish();
  d.update("b");  // after finish: silent
  d.finish();
  EXPECT_EQ(f.contents(), "\r\033[Ka\r\033[K");
}

TEST(StatusDisplay, TtyAwareSinkPrintsLogLinesAboveTheStatusLine) {
  TempFile f;
  auto display = std::make_shared<StatusDisplay>(f.get(), true, [] { return std::size_t{80}; });
  spdlog::logger logger("t", make_tty_aware_sink(display, std::make_shared<FileSink>(f.get())));
  logger.info("before any status");  // nothing to clear or redraw
  display->update("copying 5%");
  logger.info("chunk done");
  logger.debug("filtered out by the logger level: no redraw either");
  display->finish();
  logger.info("after finish");
  EXPECT_EQ(f.contents(),
            "before any status\n"
            "\r\033[Kcopying 5%"
            "\r\033[Kchunk done\n\r\033[Kcopying 5%"
            "\r\033[K"
            "after finish\n");
}

TEST(StatusDisplay, DefaultWidthWhenNotATerminal) {
  TempFile f;  // a regular file: TIOCGWINSZ fails, so the default width applies
  StatusDisplay d(f.get(), true);
  d.update(std::string(300, 'x'));
  const std::string out = f.contents();
  EXPECT_EQ(out, "\r\033[K" + std::string(StatusDisplay::kDefaultWidth - 2, 'x') + "…");
}

TEST(StatusDisplay, ConcurrentLogLinesStayWhole) {
  TempFile f;
  auto display = std::make_shared<StatusDisplay>(f.get(), true, [] { return std::size_t{80}; });
  spdlog::logger logger("t", make_tty_aware_sink(display, std::make_shared<FileSink>(f.get())));
  constexpr int kThreads = 4, kLines = 200;
  std::atomic<bool> done{false};
  // Drawn before any thread starts: on a loaded machine the ticker may first run after the writers
  // are done, and finish() clears only a drawn line.
  display->update("status start");
  std::thread ticker([&] {
    for (int i = 0; !done; ++i) display->update("status " + std::to_string(i));
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) logger.info("line {}-{}", t, i);
    });
  for (auto& w : writers) w.join();
  done = true;
  ticker.join();
  display->finish();

  // Every newline ends a log line; whatever the status line drew before it was erased first
  // (the log line follows the last "\r\033[K").
  const std::string out = f.contents();
  std::set<std::string> seen;
  std::size_t start = 0;
  for (std::size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string piece = out.substr(start, nl - start);
    const auto erase = piece.rfind("\r\033[K");
    if (erase != std::string::npos) piece = piece.substr(erase + 4);
    ASSERT_TRUE(piece.starts_with("line ")) << piece;
    EXPECT_TRUE(seen.insert(piece).second) << "twice: " << piece;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kLines));
  EXPECT_TRUE(out.ends_with("\r\033[K"));  // finish() left a clean line
}

TEST(StatusDisplay, TtyAwareSinkForwardsTheJsonFormatter) {
  TempFile f;
  auto display = std::make_shared<StatusDisplay>(f.get(), true, [] { return std::size_t{80}; });
  std::ostringstream json;
  auto logger = make_logger(LogFormat::kJson, Verbosity::kNormal,
                            make_tty_aware_sink(display, std::make_shared<spdlog::sinks::ostream_sink_mt>(json)));
  display->update("copying 5%");
  logger->info("hello");
  EXPECT_TRUE(json.str().starts_with("{\"ts\":\"")) << json.str();
  EXPECT_NE(json.str().find("\"msg\":\"hello\",\"event\":\"log\""), std::string::npos) << json.str();
  // The status line was erased before the log line and drawn again after it.
  EXPECT_EQ(f.contents(), "\r\033[Kcopying 5%\r\033[K\r\033[Kcopying 5%");
}
