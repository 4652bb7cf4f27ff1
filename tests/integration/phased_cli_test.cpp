// #15 dry run: the cost estimate (sizes, binlog volume, copy time from a timed sample, retention,
// read-only) and the metadata-lock holders, as one JSON object (--plan-format json); the size
// and binlog estimates are then held against what the real migration measured.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include "engine/sql/quoting.h"
#include "integration/test_server.h"
#include "support/mini_json.h"
#include "support/process.h"

using namespace ghostcut::engine;
using ghostcut::test::CommandResult;
using ghostcut::test::run_ghostcut;
using ghostcut::test::shell_quote;
using ghostcut::testing::LiveServerTest;

namespace {

// The number after "key": in a one-line JSON object (first occurrence).
double number_after(const std::string& json, const std::string& key) {
  const auto p = json.find("\"" + key + "\":");
  if (p == std::string::npos) return -1;
  return std::stod(json.substr(p + key.size() + 3));
}

class PhasedCliTest : public LiveServerTest {
 protected:
  CommandResult migrate(const std::string& alter, const std::string& extra, bool with_stderr = false) {
    return run_ghostcut("migrate --host " + settings_.host + " --port " + std::to_string(settings_.port) + " --user " +
                            shell_quote(settings_.user) + " --ssl-mode disabled --database " + shell_quote(db_) +
                            " --table t --alter " + shell_quote(alter) + " " + extra,
                        settings_.password, with_stderr);
  }
  std::uint64_t binlog_offset() {
    const auto r = admin_->query("SHOW MASTER STATUS");
    return std::stoull(r.rows.at(0).at(1).value_or("0"));
  }
};

// With the secondary keys built after the copy, the sample copies into a ghost without them and
// the keys' build is predicted on its own (#19); with them kept, there is no such term.
TEST_F(PhasedCliTest, TheDryRunPredictsTheDeferredKeysBuildApart) {
  conn_->execute(
      "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL, KEY ka (a))");
  conn_->execute("INSERT INTO t SELECT seq, seq * 7, REPEAT(CHAR(97 + seq % 26), 40) FROM seq_1_to_60000");
  const std::string alter = "MODIFY b VARCHAR(80) CHARACTER SET latin1 NOT NULL";
  const auto kept = migrate(alter, "--plan-format json --defer-secondary-indexes=off");
  ASSERT_EQ(kept.status, 0) << kept.out;
  EXPECT_EQ(number_after(kept.out, "key_build_seconds"), 0) << kept.out;
  const auto deferred = migrate(alter, "--plan-format json --defer-secondary-indexes=on");
  ASSERT_EQ(deferred.status, 0) << deferred.out;
  EXPECT_NE(deferred.out.find("\"deferred\":true"), std::string::npos) << deferred.out;
  const double keys = number_after(deferred.out, "key_build_seconds"),
               copy = number_after(deferred.out, "copy_seconds"),
               check = number_after(deferred.out, "checksum_seconds"),
               total = number_after(deferred.out, "run_seconds");
  EXPECT_GE(keys, 0) << deferred.out;
  EXPECT_GT(copy, 0) << deferred.out;
  // MariaDB: the checksum runs behind the copy, the run takes the longer of the two.
  EXPECT_NE(deferred.out.find("\"checksum_during_copy\":true"), std::string::npos) << deferred.out;
  EXPECT_GE(total, std::max(copy, check) + keys - 1e-6) << deferred.out;
  const auto text = migrate(alter, "--defer-secondary-indexes=on");
  ASSERT_EQ(text.status, 0) << text.out;
  EXPECT_NE(text.out.find("1 deferred key(s) ~"), std::string::npos) << text.out;
  // Only the scratch tables' traces are gone: t alone remains.
  EXPECT_EQ(conn_->query("SHOW TABLES").size(), 1u);
}

TEST_F(PhasedCliTest, TheDryRunPredictsTheCostAndNamesABlocker) {
  conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, seq * 7, REPEAT(CHAR(97 + seq % 26), 40) FROM seq_1_to_100000");
  const std::string alter = "MODIFY b VARCHAR(80) CHARACTER SET latin1 NOT NULL";  // not instant: copied
  auto blocker = SqlConnection::open(settings_);
  blocker->execute("BEGIN");
  blocker->query("SELECT COUNT(*) FROM t");
  const auto dry = migrate(alter, "--plan-format json");
  ASSERT_EQ(dry.status, 0) << dry.out;
  ASSERT_EQ(dry.out.front(), '{') << dry.out;
  EXPECT_NE(dry.out.find("\"id\":" + std::to_string(blocker->connection_id())), std::string::npos)
      << "the open transaction is named: " << dry.out;
  EXPECT_NE(dry.out.find("\"read_only\":false"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("\"possible\":false"), std::string::npos) << dry.out;
  const double rows = number_after(dry.out, "rows"), binlog = number_after(dry.out, "binlog_bytes"),
               ghost = number_after(dry.out, "ghost_bytes"), secs = number_after(dry.out, "copy_seconds"),
               check = number_after(dry.out, "checksum_seconds"), total = number_after(dry.out, "run_seconds");
  EXPECT_GT(rows, 50000) << dry.out;
  EXPECT_GT(number_after(dry.out, "sample_chunks"), 1) << dry.out;
  EXPECT_GT(secs, 0) << dry.out;
  EXPECT_GT(check, 0) << "the checksum runs by default, so its time is predicted: " << dry.out;
  EXPECT_GE(total, std::max(secs, check)) << dry.out;
  blocker->execute("COMMIT");
  // The whole checksum after the copy: its time adds up.
  const auto after = migrate(alter, "--plan-format json --checksum-during-copy=off");
  ASSERT_EQ(after.status, 0) << after.out;
  EXPECT_NE(after.out.find("\"checksum_during_copy\":false"), std::string::npos) << after.out;
  EXPECT_GE(number_after(after.out, "run_seconds"),
            number_after(after.out, "copy_seconds") + number_after(after.out, "checksum_seconds") - 1e-6)
      << after.out;
  // The sample went into a scratch table that is gone again; --skip-checksum drops its share.
  EXPECT_EQ(conn_->query("SHOW TABLES").size(), 1u);
  const auto unchecked = migrate(alter, "--plan-format json --skip-checksum");
  ASSERT_EQ(unchecked.status, 0) << unchecked.out;
  EXPECT_EQ(number_after(unchecked.out, "checksum_seconds"), 0) << unchecked.out;

  // The real migration: its binlog volume and the new table's size against the estimates (2×).
  const auto before = binlog_offset();
  const auto run = migrate(alter, "--execute --no-attempt-instant --ok-to-drop-table --no-serve-socket", true);
  ASSERT_EQ(run.status, 0) << run.out;
  const double written = static_cast<double>(binlog_offset() - before);
  conn_->execute("ANALYZE TABLE t");
  const auto size = conn_->query(
      "SELECT DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES WHERE "
      "TABLE_SCHEMA = ? AND TABLE_NAME = 't'",
      {db_});
  const double real_size = std::stod(size.scalar().value_or("0"));
  std::printf("estimate vs real: binlog %.0f vs %.0f bytes, ghost %.0f vs %.0f bytes, copy %.1f s (estimate)\n", binlog,
              written, ghost, real_size, secs);
  EXPECT_GT(binlog, written / 2);
  EXPECT_LT(binlog, written * 2);
  EXPECT_GT(ghost, real_size / 2);
  EXPECT_LT(ghost, real_size * 2);
}

}  // namespace
