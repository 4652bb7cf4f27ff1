// Runs the real ghostcut binary.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <string>

#include "support/process.h"

namespace {
// `ghostcut ARGS`, stdout and stderr together.
ghostcut::test::CommandResult run_cli(const std::string& args) {
  return ghostcut::test::run_shell(std::string(GHOSTCUT_BINARY) + " " + args);
}
}  // namespace

TEST(Cli, Version) {
  auto r = run_cli("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("ghostcut ", 0), 0u) << r.out;
}

TEST(Cli, HelpListsSubcommands) {
  auto r = run_cli("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* c : {"migrate", "tail", "ctl"}) EXPECT_NE(r.out.find(c), std::string::npos) << c;
}

TEST(Cli, UnknownCommandIsAUsageError) {
  auto r = run_cli("frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unknown command 'frobnicate'"), std::string::npos) << r.out;
}

TEST(Cli, NoArgumentsIsAUsageError) {
  auto r = run_cli("");
  EXPECT_EQ(r.status, 2);
}

// ctl exists now: with nothing listening it fails (1, not "not implemented" 3) and says where it looked.
TEST(Cli, UnbuiltSubcommandSaysSoAndFails) {
  auto r = run_cli("ctl --socket /nonexistent status");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("cannot connect to /nonexistent"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("No such file or directory"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("not implemented"), std::string::npos) << r.out;
}

// --ask-pass prompts only on a terminal: with stdin from /dev/null it fails before any prompt or
// connection, and says what to use instead.
TEST(Cli, AskPassWithoutTerminalIsRefused) {
  for (const char* cmd : {"migrate --no-defaults --user u --ask-pass --database d --table t --alter 'ADD COLUMN c INT'",
                          "tail --no-defaults --user u --ask-pass --table d.t"}) {
    SCOPED_TRACE(cmd);
    auto r = run_cli(std::string(cmd) + " </dev/null");
    EXPECT_NE(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("--ask-pass needs a terminal"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("GHOSTCUT_PASSWORD"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Password:"), std::string::npos) << r.out;
  }
}

TEST(Cli, SslModeMustBeKnown) {
  auto r =
      run_cli("migrate --no-defaults --user u --ssl-mode verify --database d --table t --alter 'ADD COLUMN c INT'");
  EXPECT_NE(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("verify-ca or verify-identity"), std::string::npos) << r.out;
}
