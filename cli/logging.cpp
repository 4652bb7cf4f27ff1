#include "cli/logging.h"

#include <chrono>
#include <ctime>
#include <spdlog/fmt/fmt.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <string>
#include "engine/errc.h"

namespace ghostcut::cli {
namespace {

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warning";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 if the bytes there are not one
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  return n;
}

void append_json_string(std::string_view s, spdlog::memory_buf_t& out) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    const auto uc = static_cast<unsigned char>(c);
    if (uc >= 0x80) {
      const std::size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        fmt::format_to(std::back_inserter(out), "\\ufffd");
        ++i;
      } else {
        out.append(s.data() + i, s.data() + i + n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': fmt::format_to(std::back_inserter(out), "\\\""); break;
      case '\\': fmt::format_to(std::back_inserter(out), "\\\\"); break;
      case '\n': fmt::format_to(std::back_inserter(out), "\\n"); break;
      case '\r': fmt::format_to(std::back_inserter(out), "\\r"); break;
      case '\t': fmt::format_to(std::back_inserter(out), "\\t"); break;
      default:
        if (uc < 0x20 || uc == 0x7F) fmt::format_to(std::back_inserter(out), "\\u{:04x}", uc);
        else out.push_back(c);
    }
    ++i;
  }
  out.push_back('"');
}

}  // namespace

Result<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return Error(engine::EngineErrc::kBadSetting, "--log-format must be text or json, not '" + std::string(text) + "'");
}

spdlog::level::level_enum level_for(Verbosity verbosity) {
  switch (verbosity) {
    case Verbosity::kQuiet: return spdlog::level::warn;
    case Verbosity::kNormal: return spdlog::level::info;
    case Verbosity::kVerbose: return spdlog::level::debug;
    case Verbosity::kDebug: return spdlog::level::trace;
  }
  return spdlog::level::info;
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  const auto since_epoch = msg.time.time_since_epoch();
  const auto secs = duration_cast<seconds>(since_epoch);
  const auto millis = duration_cast<milliseconds>(since_epoch - secs).count();
  const std::time_t t = secs.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(dest), "{{\"ts\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\",\"level\":\"{}\",\"logger\":",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis,
                 level_name(msg.level));
  append_json_string(std::string_view(msg.logger_name.data(), msg.logger_name.size()), dest);
  fmt::format_to(std::back_inserter(dest), ",\"msg\":");
  append_json_string(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  fmt::format_to(std::back_inserter(dest), "}}\n");
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const { return std::make_unique<JsonLogFormatter>(); }

std::shared_ptr<spdlog::logger> make_logger(LogFormat format, Verbosity verbosity, spdlog::sink_ptr sink) {
  if (!sink) sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("ghostcut", std::move(sink));
  // Text keeps spdlog's default pattern: "[2026-11-26 14:03:05.123] [ghostcut] [info] msg".
  if (format == LogFormat::kJson) logger->set_formatter(std::make_unique<JsonLogFormatter>());
  logger->set_level(level_for(verbosity));
  // A warning or worse reaches the terminal or file at once, even if the process dies next.
  logger->flush_on(spdlog::level::warn);
  return logger;
}

void configure_logging(LogFormat format, Verbosity verbosity, spdlog::sink_ptr sink) {
  spdlog::set_default_logger(make_logger(format, verbosity, std::move(sink)));
}

}  // namespace ghostcut::cli
