// Inspector: read-only checks before anything is touched, then the MigrationPlan.
// Every refusal is collected (not just the first) and thrown together as an InspectionError, so
// the operator fixes them in one go. Nothing is created on the server: the ALTER is validated on
// a TEMPORARY copy of the table, which no other session sees and which is not binlogged in ROW mode.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace ghostcut::engine {

class SqlConnection;

struct InspectorConfig {
  bool allow_foreign_keys = false;      // --allow-foreign-keys
  bool allow_add_unique_key = false;    // --allow-add-unique-key (duplicates then fail loudly)
  bool drop_leftover_tables = false;    // --drop-leftover-tables: drop _t_gho/_t_ghc from an earlier run
  bool allow_nullable_unique_key = false;
};

class InspectionError : public std::runtime_error {
 public:
  explicit InspectionError(std::vector<std::string> refusals);
  const std::vector<std::string>& refusals() const noexcept { return refusals_; }

 private:
  std::vector<std::string> refusals_;
};

class Inspector {
 public:
  Inspector(SqlConnection& conn, InspectorConfig config);
  // Throws InspectionError listing every refusal; SqlError for server failures.
  MigrationPlan inspect(const std::string& database, const std::string& table, const std::string& alter);
  // Server flavour, version and binlog settings.
  ServerInfo server_info();

 private:
  SqlConnection& conn_;
  InspectorConfig config_;
};

}  // namespace ghostcut::engine
