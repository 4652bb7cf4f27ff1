// What a JSON log line says besides its message (issue #16): the migration it belongs to
// (database, table), the phase it is in, and, for the lines that report something, an event name
// and the numbers as numbers. The JSON formatter (cli/logging.cpp) reads these; text logs ignore them.
#pragma once
#include <functional>
#include <string>

namespace ghostcut::engine {

// Process-wide: set once the flags are known (thread-safe).
void set_log_migration(std::string database, std::string table);
// Where the phase comes from ("copying", "cut-over", ...); empty function: no phase field.
void set_log_phase_source(std::function<std::string()> phase);

struct LogMigration {
  std::string database, table, phase;
};
LogMigration log_migration();

// For the log lines this thread writes while it lives: the event name and, optionally, a JSON
// object whose members are added to the line (e.g. a ProgressSnapshot's to_json()).
class LogEvent {
 public:
  explicit LogEvent(std::string event, std::string json_fields = {});
  ~LogEvent();
  LogEvent(const LogEvent&) = delete;
  LogEvent& operator=(const LogEvent&) = delete;

  static const LogEvent* current();  // this thread's innermost, or nullptr
  const std::string& event() const { return event_; }
  const std::string& json_fields() const { return json_fields_; }

 private:
  std::string event_, json_fields_;
  const LogEvent* outer_;
};

}  // namespace ghostcut::engine
