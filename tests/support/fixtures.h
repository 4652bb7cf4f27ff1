// The real binlog fixtures live in ../shared/fixtures beside the checkout (GHOSTCUT_FIXTURES_DIR).
// Suites that read them derive from RequiresFixtures, so a checkout without them skips, never fails.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace ghostcut::test {

inline bool fixtures_present() {
  return std::filesystem::exists(std::string(GHOSTCUT_FIXTURES_DIR) + "/manifest.json");
}

class RequiresFixtures : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fixtures_present()) GTEST_SKIP() << "no fixtures at " << GHOSTCUT_FIXTURES_DIR;
  }
};

}  // namespace ghostcut::test
