// Log output for the ghostcut binary: text (spdlog's usual look, colour on a terminal) or JSON
// lines for log shippers, and the verbosity flags. Logs always go to stderr (stdout is data).
#pragma once
#include <spdlog/common.h>
#include <spdlog/formatter.h>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/error.h"

namespace spdlog {
class logger;
}

namespace ghostcut::cli {

enum class LogFormat { kText, kJson };

// --quiet: warnings and errors; (default): info; --verbose: debug; --debug: trace (everything,
// including per-chunk and per-event detail).
enum class Verbosity { kQuiet, kNormal, kVerbose, kDebug };

// "text" or "json" (exactly; case matters as for every flag value). Anything else: bad_value.
Result<LogFormat> parse_log_format(std::string_view text);
spdlog::level::level_enum level_for(Verbosity verbosity);

// One JSON object per line with stable field names, in this order:
//   {"ts":"2026-11-26T14:03:05.123Z","level":"info","logger":"ghostcut","msg":"…","event":"log",
//    "database":"shop","table":"orders","phase":"copying"}
// ts is UTC with milliseconds; level is trace|debug|info|warning|error|critical; event is "log"
// unless the line reports something (engine/metrics/log_fields.h: "progress", "usage-error",
// "refused", "done", ...); database/table/phase are null while unknown. A line's event may add
// fields after these (progress: rows_copied, rows_estimated, percent, eta_seconds, ... as
// numbers). Written by nlohmann-json: bytes that are not valid UTF-8 become U+FFFD.
class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// A logger named "ghostcut" writing to `sink` (nullptr: stderr, coloured when it is a terminal)
// in the given format and level. Made without the spdlog registry, so it can be called again.
std::shared_ptr<spdlog::logger> make_logger(LogFormat format, Verbosity verbosity, spdlog::sink_ptr sink = nullptr);
// make_logger(...) installed as spdlog's default logger (what every component logs through).
// Call it once, before the components are created (they keep the logger they were given).
void configure_logging(LogFormat format, Verbosity verbosity, spdlog::sink_ptr sink = nullptr);

// True when the command line asks for JSON logs ("--log-format json" or "--log-format=json"):
// then main() logs JSON from the very first line, flag errors included.
bool json_logs_requested(const std::vector<std::string>& args);
// A message that ends the command before it started (bad flags, unknown command): a JSON log line
// (event "usage-error") when JSON logs are on, else "<prefix>: <text>" on stderr.
void report_usage_error(const std::string& prefix, const std::string& text, const std::string& hint = "");

}  // namespace ghostcut::cli
