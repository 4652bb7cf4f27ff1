#include "cli/logging.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <chrono>
#include <ctime>
#include <iostream>
#include <string>
#include "engine/errc.h"
#include "engine/metrics/log_fields.h"

#include <nlohmann/json.hpp>

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

bool& json_logs_on() {
  static bool on = false;
  return on;
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
  const auto where = engine::log_migration();
  const auto* event = engine::LogEvent::current();
  auto text_or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s);
  };
  nlohmann::ordered_json line;
  line["ts"] = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                           tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  line["level"] = level_name(msg.level);
  line["logger"] = std::string(msg.logger_name.data(), msg.logger_name.size());
  line["msg"] = std::string(msg.payload.data(), msg.payload.size());
  line["event"] = event ? event->event() : std::string("log");
  line["database"] = text_or_null(where.database);
  line["table"] = text_or_null(where.table);
  line["phase"] = text_or_null(where.phase);
  if (event && !event->json_fields().empty()) {
    // The event's numbers at the top level (a key the line already has is not overwritten).
    const auto fields = nlohmann::ordered_json::parse(event->json_fields(), nullptr, false);
    if (fields.is_object())
      for (const auto& [key, value] : fields.items())
        if (!line.contains(key)) line[key] = value;
  }
  // Bytes that are not UTF-8 become U+FFFD: the line stays valid JSON whatever a message holds.
  const std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  dest.append(text.data(), text.data() + text.size());
  dest.push_back('\n');
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
  json_logs_on() = format == LogFormat::kJson;
}

bool json_logs_requested(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--log-format=json") return true;
    if (args[i] == "--log-format" && i + 1 < args.size() && args[i + 1] == "json") return true;
  }
  return false;
}

void report_usage_error(const std::string& prefix, const std::string& text, const std::string& hint) {
  if (json_logs_on()) {
    const engine::LogEvent event("usage-error");
    spdlog::error("{}: {}", prefix, text);
    return;
  }
  std::cerr << prefix << ": " << text << "\n" << hint;
}

}  // namespace ghostcut::cli
