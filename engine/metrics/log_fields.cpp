#include "engine/metrics/log_fields.h"

#include <mutex>

namespace ghostcut::engine {
namespace {

std::mutex log_fields_mu;
std::string g_database, g_table;
std::function<std::string()> g_phase;
thread_local const LogEvent* t_current = nullptr;

}  // namespace

void set_log_migration(std::string database, std::string table) {
  std::lock_guard lk(log_fields_mu);
  g_database = std::move(database);
  g_table = std::move(table);
}

void set_log_phase_source(std::function<std::string()> phase) {
  std::lock_guard lk(log_fields_mu);
  g_phase = std::move(phase);
}

LogMigration log_migration() {
  std::function<std::string()> phase;
  LogMigration out;
  {
    std::lock_guard lk(log_fields_mu);
    out.database = g_database;
    out.table = g_table;
    phase = g_phase;
  }
  if (phase) out.phase = phase();  // outside the lock: it reads the migration's own state
  return out;
}

LogEvent::LogEvent(std::string event, std::string json_fields)
    : event_(std::move(event)), json_fields_(std::move(json_fields)), outer_(t_current) {
  t_current = this;
}

LogEvent::~LogEvent() { t_current = outer_; }

const LogEvent* LogEvent::current() { return t_current; }

}  // namespace ghostcut::engine
