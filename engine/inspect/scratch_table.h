#pragma once
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

// The Inspector's scratch table: dropped by drop() or, on an exception, by the destructor. When
// the inspecting connection fails, a fresh connection tries once more. Its DDL stays out of the
// binlog when the user may turn sql_log_bin off (SUPER / BINLOG ADMIN): replicas need no scratch
// table and the dry run then writes nothing to the binlog; without that privilege the CREATE,
// ALTER and DROP of an empty table are replicated, harmlessly.
class ScratchTable {
 public:
  ScratchTable(SqlConnection& conn, std::string database) : conn_(conn), database_(std::move(database)) {
    try {
      if (conn_.query("SELECT @@session.sql_log_bin").scalar().value_or("0") == "1") {
        conn_.execute("SET SESSION sql_log_bin = 0");
        unlogged_ = true;
      }
    } catch (const SqlError&) {  // not allowed: stay logged
    }
  }
  ~ScratchTable() {
    if (auto failed = drop()) spdlog::warn("{}", *failed);
    if (unlogged_) {
      try {
        conn_.execute("SET SESSION sql_log_bin = 1");
      } catch (const std::exception& e) {
        spdlog::warn("could not turn sql_log_bin back on for the inspecting session: {}", e.what());
      }
    }
  }
  ScratchTable(const ScratchTable&) = delete;
  ScratchTable& operator=(const ScratchTable&) = delete;
  void created(std::string name) { name_ = std::move(name); }
  // Its DDL is kept out of the binlog: so must every write to it be.
  bool unlogged() const noexcept { return unlogged_; }
  // nullopt once dropped (or never created); else what the operator must drop by hand.
  std::optional<std::string> drop() noexcept {
    if (name_.empty()) return std::nullopt;
    const std::string q = quote_qualified(database_, name_);
    const std::string sql = "DROP /* ghostcut inspect */ TABLE IF EXISTS " + q;
    std::string error;
    try {
      conn_.execute(sql);
      name_.clear();
      return std::nullopt;
    } catch (const std::exception& e) {
      error = e.what();
    }
    try {
      auto fresh = SqlConnection::open(conn_.settings());
      fresh->execute(sql);
      name_.clear();
      return std::nullopt;
    } catch (const std::exception& e) {
      error += "; " + std::string(e.what());
    }
    const std::string msg = "could not drop the scratch table " + q + " (" + error + "): drop it by hand";
    name_.clear();
    return msg;
  }

 private:
  SqlConnection& conn_;
  std::string database_;
  std::string name_;
  bool unlogged_ = false;
};

}  // namespace ghostcut::engine
