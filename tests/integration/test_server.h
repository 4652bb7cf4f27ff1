// Live-server fixture: reads GHOSTCUT_TEST_* (set by scripts/test-server). When they are
// missing the test calls GTEST_SKIP(), so it is reported as skipped, never as passed.
// Each test gets its own database, dropped afterwards.
#pragma once
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::testing {

inline std::optional<ghostcut::ConnectionSettings> test_server_settings() {
  const char* host = std::getenv("GHOSTCUT_TEST_HOST");
  const char* port = std::getenv("GHOSTCUT_TEST_PORT");
  const char* user = std::getenv("GHOSTCUT_TEST_USER");
  const char* pass = std::getenv("GHOSTCUT_TEST_PASSWORD");
  if (!host || !port || !user || !pass) return std::nullopt;
  ghostcut::ConnectionSettings s;
  s.host = host;
  s.port = static_cast<std::uint16_t>(std::atoi(port));
  s.user = user;
  s.password = pass;
  return s;
}

class LiveServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = test_server_settings();
    if (!s) GTEST_SKIP() << "no test server (GHOSTCUT_TEST_* unset; scripts/test starts one)";
    engine::sql_driver_init();
    settings_ = *s;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    static std::atomic<int> counter{0};
    db_ = "gct_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + info->name();
    if (db_.size() > 60) db_.resize(60);
    admin_ = engine::SqlConnection::open(settings_);
    admin_->execute("DROP DATABASE IF EXISTS " + engine::quote_identifier(db_));
    admin_->execute("CREATE DATABASE " + engine::quote_identifier(db_));
    settings_.database = db_;
    conn_ = engine::SqlConnection::open(settings_);
  }
  void TearDown() override {
    conn_.reset();
    if (admin_) {
      try {
        admin_->execute("DROP DATABASE IF EXISTS " + engine::quote_identifier(db_));
      } catch (...) {
      }
    }
  }

  ghostcut::ConnectionSettings settings_;  // database = this test's own
  std::string db_;
  std::unique_ptr<engine::SqlConnection> admin_;  // no default database
  std::unique_ptr<engine::SqlConnection> conn_;   // on db_
};

}  // namespace ghostcut::testing
