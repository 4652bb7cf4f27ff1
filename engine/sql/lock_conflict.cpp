#include "engine/sql/lock_conflict.h"

#include <algorithm>

#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

void ApplierPriority::set_applier_retrying(bool on) {
  {
    std::lock_guard lk(mu_);
    retrying_ = on;
  }
  cv_.notify_all();
}

bool ApplierPriority::applier_retrying() const {
  std::lock_guard lk(mu_);
  return retrying_;
}

void ApplierPriority::wait_for_applier(std::stop_token stop, std::chrono::milliseconds max_wait) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, stop, max_wait, [&] { return !retrying_; });
}

std::string describe_lock_holders(SqlConnection& conn) {
  try {
    auto r = conn.query(
        "SELECT trx_mysql_thread_id, trx_state, TIMESTAMPDIFF(SECOND, trx_started, NOW()), trx_rows_locked,"
        " LEFT(COALESCE(trx_query, '(idle in transaction)'), 200) FROM information_schema.INNODB_TRX"
        " WHERE trx_mysql_thread_id <> CONNECTION_ID() ORDER BY trx_started LIMIT 5");
    if (r.empty()) return "no other open transaction now";
    std::string out;
    for (const auto& row : r.rows) {
      if (!out.empty()) out += "; ";
      out += "session " + row[0].value_or("?") + " (" + row[1].value_or("?") + ", open " + row[2].value_or("?") +
             " s, " + row[3].value_or("?") + " rows locked): " + row[4].value_or("");
    }
    return "open transactions: " + out;
  } catch (const std::exception& e) {
    return std::string("could not read information_schema.INNODB_TRX: ") + e.what();
  }
}

}  // namespace ghostcut::engine
