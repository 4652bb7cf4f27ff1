// Load readings on the primary for --max-load, --critical-load and --throttle-query: one connection,
// kept between probes and reopened after any error. Methods throw SqlError (or
// std::invalid_argument for a throttle query whose first column is not an integer); the Throttler
// catches and turns errors into a throttle, never into an escaped exception.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/connection_settings.h"
#include "engine/sql/result.h"

namespace ghostcut::engine {

class SqlConnection;

// PURE: SHOW GLOBAL STATUS rows (Variable_name, Value) → name → value; non-integer values
// (e.g. "ON", "3.5") are left out.
std::map<std::string, std::int64_t> parse_global_status(const ResultTable& rows);

// PURE: the throttle query's answer: first column of the first row; no row or NULL → 0;
// throws std::invalid_argument when it is not an integer.
std::int64_t throttle_query_answer(const ResultTable& rows);

class LoadProbe {
 public:
  explicit LoadProbe(ConnectionSettings primary);
  ~LoadProbe();
  LoadProbe(const LoadProbe&) = delete;
  LoadProbe& operator=(const LoadProbe&) = delete;

  std::map<std::string, std::int64_t> global_status();
  std::int64_t throttle_query(const std::string& sql);

 private:
  ResultTable run(const std::string& sql);

  ConnectionSettings primary_;
  std::unique_ptr<SqlConnection> conn_;
};

}  // namespace ghostcut::engine
