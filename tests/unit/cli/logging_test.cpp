#include "cli/logging.h"

#include <gtest/gtest.h>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sstream>

#include "engine/errc.h"
#include "support/mini_json.h"

using namespace ghostcut::cli;
using ghostcut::test::JsonNode;

namespace {

// True when `s` has the shape of `pattern`: '#' stands for one digit, every other character for itself.
bool has_shape(std::string_view s, std::string_view pattern) {
  if (s.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (pattern[i] == '#' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i]) return false;
  return true;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct Captured {
  std::ostringstream out;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
};

// Checks the stable shape: exactly ts, level, logger, msg, event, database, table, phase, in that
// order; strings, the last three null while no migration is set.
const JsonNode& check_shape(const JsonNode& n) {
  EXPECT_TRUE(n.is(JsonNode::Kind::kObject));
  std::vector<std::string> keys;
  for (const auto& [k, v] : n.members) {
    keys.push_back(k);
    EXPECT_TRUE(v.is(JsonNode::Kind::kString) || v.is(JsonNode::Kind::kNull)) << k;
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"ts", "level", "logger", "msg", "event", "database", "table", "phase"}));
  return n;
}

}  // namespace

TEST(Logging, ParseLogFormat) {
  struct Case {
    std::string text;
    std::optional<LogFormat> want;
  };
  for (const auto& c : std::vector<Case>{{"text", LogFormat::kText},
                                         {"json", LogFormat::kJson},
                                         {"JSON", std::nullopt},
                                         {"", std::nullopt},
                                         {" json", std::nullopt},
                                         {"xml", std::nullopt}}) {
    SCOPED_TRACE(c.text);
    auto r = parse_log_format(c.text);
    ASSERT_EQ(r.has_value(), c.want.has_value());
    if (c.want) {
      EXPECT_EQ(*r, *c.want);
    } else {
      EXPECT_TRUE(r.error().is(ghostcut::engine::EngineErrc::kBadSetting));
      EXPECT_NE(r.error().message().find("text or json"), std::string::npos) << r.error().message();
    }
  }
}

TEST(Logging, JsonLinesParseAndKeepTheMessage) {
  struct Case {
    const char* name;
    std::string msg;
    std::string decoded;  // what a JSON parser gets back
  };
  const std::vector<Case> cases{
      {"plain", "copy done", "copy done"},
      {"quotes", "table \"orders\" said 'hi'", "table \"orders\" said 'hi'"},
      {"backslash", "C:\\path\\x", "C:\\path\\x"},
      {"newlines", "line one\nline two\r\n\ttab", "line one\nline two\r\n\ttab"},
      {"control", std::string("nul\0bell\x07 del\x7f", 14), std::string("nul\0bell\x07 del\x7f", 14)},
      {"utf8", "héllo ✓ 日本 🚀", "héllo ✓ 日本 🚀"},
      // (nlohmann-json: one U+FFFD per bad byte, one for a sequence cut short at the end)
      {"invalid utf8", "bad \xff\xfe byte \xc3( end \xe2\x82",
       "bad \xef\xbf\xbd\xef\xbf\xbd byte \xef\xbf\xbd( end \xef\xbf\xbd"},
      {"overlong and surrogate", "\xc0\xaf \xed\xa0\x80",
       "\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"braces", "{} {{}} {0}", "{} {{}} {0}"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Captured cap;
    auto logger = make_logger(LogFormat::kJson, Verbosity::kNormal, cap.sink);
    logger->info(c.msg);  // as a plain string, not a format
    const auto lines = lines_of(cap.out.str());
    ASSERT_EQ(lines.size(), 1u) << cap.out.str();
    std::string error;
    auto node = ghostcut::test::parse_json(lines[0], &error);
    ASSERT_TRUE(node) << error << ": " << lines[0];
    check_shape(*node);
    EXPECT_EQ(node->find("msg")->text, c.decoded);
    EXPECT_EQ(node->find("level")->text, "info");
    EXPECT_EQ(node->find("logger")->text, "ghostcut");
    EXPECT_TRUE(has_shape(node->find("ts")->text, "####-##-##T##:##:##.###Z")) << node->find("ts")->text;
  }
}

// Any JSON reader takes the lines (first checked with Boost.PropertyTree, whose name the test keeps;
// the strict mini_json parser is the stronger check and compiles much faster).
TEST(Logging, JsonReadableByPropertyTree) {
  Captured cap;
  auto logger = make_logger(LogFormat::kJson, Verbosity::kDebug, cap.sink);
  logger->warn("cut-over: attempt {} failed: {}", 2, "lock wait timeout \"t\"");
  logger->debug("chunk {}", 7);
  const auto lines = lines_of(cap.out.str());
  ASSERT_EQ(lines.size(), 2u);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& line : lines) {
    const auto tree = ghostcut::test::parse_json(line);
    ASSERT_TRUE(tree) << line;
    got.emplace_back(ghostcut::test::json_get<std::string>(*tree, "level"),
                     ghostcut::test::json_get<std::string>(*tree, "msg"));
  }
  EXPECT_EQ(got[0],
            (std::pair<std::string, std::string>{"warning", "cut-over: attempt 2 failed: lock wait timeout \"t\""}));
  EXPECT_EQ(got[1], (std::pair<std::string, std::string>{"debug", "chunk 7"}));
}

TEST(Logging, JsonTimestampAndLevelNames) {
  JsonLogFormatter f;
  // 2026-11-26T14:03:05Z is 1795701785 s after the epoch.
  const auto at = std::chrono::system_clock::time_point(
      std::chrono::seconds(1795701785) + std::chrono::milliseconds(123) + std::chrono::microseconds(999));
  struct Case {
    spdlog::level::level_enum level;
    const char* name;
  };
  for (const auto& c : std::vector<Case>{{spdlog::level::trace, "trace"},
                                         {spdlog::level::debug, "debug"},
                                         {spdlog::level::info, "info"},
                                         {spdlog::level::warn, "warning"},
                                         {spdlog::level::err, "error"},
                                         {spdlog::level::critical, "critical"}}) {
    SCOPED_TRACE(c.name);
    spdlog::details::log_msg msg(at, spdlog::source_loc{}, "cutover", c.level, "hello");
    spdlog::memory_buf_t buf;
    f.format(msg, buf);
    EXPECT_EQ(std::string(buf.data(), buf.size()),
              std::string("{\"ts\":\"2026-11-26T14:03:05.123Z\",\"level\":\"") + c.name +
                  "\",\"logger\":\"cutover\",\"msg\":\"hello\",\"event\":\"log\",\"database\":null,\"table\":null,"
                  "\"phase\":null}\n");
  }
  EXPECT_NE(f.clone(), nullptr);
}

TEST(Logging, VerbosityFilters) {
  struct Case {
    Verbosity verbosity;
    std::vector<std::string> want;  // which of trace/debug/info/warning/error get through
  };
  const std::vector<Case> cases{
      {Verbosity::kQuiet, {"warning", "error"}},
      {Verbosity::kNormal, {"info", "warning", "error"}},
      {Verbosity::kVerbose, {"debug", "info", "warning", "error"}},
      {Verbosity::kDebug, {"trace", "debug", "info", "warning", "error"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.verbosity));
    Captured cap;
    auto logger = make_logger(LogFormat::kJson, c.verbosity, cap.sink);
    logger->trace("m");
    logger->debug("m");
    logger->info("m");
    logger->warn("m");
    logger->error("m");
    std::vector<std::string> got;
    for (const auto& line : lines_of(cap.out.str())) {
      auto node = ghostcut::test::parse_json(line);
      ASSERT_TRUE(node) << line;
      got.push_back(node->find("level")->text);
    }
    EXPECT_EQ(got, c.want);
  }
}

TEST(Logging, TextKeepsTheUsualLook) {
  Captured cap;
  auto logger = make_logger(LogFormat::kText, Verbosity::kNormal, cap.sink);
  logger->info("Copy: 1/2 50.0%");
  logger->debug("hidden");
  const auto lines = lines_of(cap.out.str());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(has_shape(lines[0], "[####-##-## ##:##:##.###] [ghostcut] [info] Copy: 1/2 50.0%")) << lines[0];
}

TEST(Logging, ConfigureSetsTheDefaultLogger) {
  auto previous = spdlog::default_logger();
  Captured cap;
  configure_logging(LogFormat::kJson, Verbosity::kQuiet, cap.sink);
  spdlog::info("not shown");
  spdlog::warn("shown");
  configure_logging(LogFormat::kJson, Verbosity::kNormal, cap.sink);  // a second call is fine
  spdlog::info("now shown");
  spdlog::set_default_logger(previous);
  const auto lines = lines_of(cap.out.str());
  ASSERT_EQ(lines.size(), 2u) << cap.out.str();
  EXPECT_EQ(ghostcut::test::parse_json(lines[0])->find("msg")->text, "shown");
  EXPECT_EQ(ghostcut::test::parse_json(lines[1])->find("msg")->text, "now shown");
}
