// The option files (port checks, !include/!includedir, --defaults-extra-file, --no-defaults, gh-ost's
// --conf, the group/other-readable warning), the TLS flags and --ask-pass without a terminal.
#include "cli/connection_options.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace po = boost::program_options;

namespace ghostcut::cli {
namespace {

ghostcut::ConnectionSettings with_file(const std::string& body) {
  const std::string path = "/tmp/ghostcut-optfile-" + std::to_string(::getpid()) + ".cnf";
  std::ofstream(path) << body;
  po::options_description opts;
  add_connection_options(opts);
  po::variables_map vm;
  const char* argv[] = {"x", "--defaults-file", path.c_str()};
  po::store(po::parse_command_line(3, argv, opts), vm);
  po::notify(vm);
  struct Remove {
    std::string p;
    ~Remove() { std::remove(p.c_str()); }
  } remove{path};
  return connection_settings(vm);
}

TEST(OptionFile, PortIsAWholeNumberInRange) {
  EXPECT_EQ(with_file("[client]\nuser = u\nport = 3307\n").port, 3307);
  EXPECT_EQ(with_file("[client]\nuser = u\nport=\"65535\"\n").port, 65535);
  for (const char* bad : {"33o6", "99999", "0", "-1", "", "1e3", "123456", "0x50"}) {
    SCOPED_TRACE(bad);
    try {
      (void)with_file(std::string("[client]\nport=") + bad + "\n");
      FAIL() << "accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("port must be a number from 1 to 65535"), std::string::npos) << e.what();
    }
  }
}

// A scratch directory as $HOME (so ~/.my.cnf is ours), without GHOSTCUT_PASSWORD; restored after.
class OptionFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ghostcut-optfiles-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (const char* h = std::getenv("HOME")) old_home_ = h;
    if (const char* p = std::getenv("GHOSTCUT_PASSWORD")) old_password_ = p;
    ::setenv("HOME", dir_.c_str(), 1);
    ::unsetenv("GHOSTCUT_PASSWORD");
  }
  void TearDown() override {
    if (old_home_) ::setenv("HOME", old_home_->c_str(), 1);
    if (old_password_) ::setenv("GHOSTCUT_PASSWORD", old_password_->c_str(), 1);
    std::filesystem::remove_all(dir_);
  }
  std::string write(const std::string& name, const std::string& body, mode_t mode = 0600) {
    const auto p = dir_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << body;
    ::chmod(p.c_str(), mode);
    return p.string();
  }
  static po::variables_map parse(std::vector<std::string> args) {
    po::options_description opts;
    add_connection_options(opts);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
    return vm;
  }
  static ConnectionSettings settings(std::vector<std::string> args) {
    return connection_settings(parse(std::move(args)));
  }
  static std::string error_of(std::vector<std::string> args) {
    try {
      (void)settings(std::move(args));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(no error)";
  }

  std::filesystem::path dir_;
  std::optional<std::string> old_home_, old_password_;
};

TEST_F(OptionFiles, IncludeAndIncludeDirReadInOrderLaterWins) {
  write("conf.d/20-b.cnf", "[client]\nhost = from-b\n");
  write("conf.d/10-a.cnf", "[client]\nhost = from-a\nport = 3310\n");
  write("conf.d/99-ignored.txt", "[client]\nhost = from-txt\n");
  write("other.cnf", "[client]\nuser = included-user\npassword = included-pw\n");
  const auto main = write("main.cnf", "[client]\nuser = first\n!include " + (dir_ / "other.cnf").string() +
                                          "\n!includedir " + (dir_ / "conf.d").string() + "\n");
  const auto s = settings({"--defaults-file", main});
  EXPECT_EQ(s.user, "included-user");  // the include came after user = first
  EXPECT_EQ(s.password, "included-pw");
  EXPECT_EQ(s.host, "from-b");  // *.cnf in name order: 20-b after 10-a; .txt skipped
  EXPECT_EQ(s.port, 3310);
}

TEST_F(OptionFiles, MissingIncludeIsAnError) {
  const auto main = write("main.cnf", "[client]\nuser = u\n!include " + (dir_ / "nope.cnf").string() + "\n");
  EXPECT_NE(error_of({"--defaults-file", main}).find("cannot read option file"), std::string::npos);
  const auto dir = write("main2.cnf", "[client]\nuser = u\n!includedir " + (dir_ / "no-dir").string() + "\n");
  EXPECT_NE(error_of({"--defaults-file", dir}).find("!includedir"), std::string::npos);
}

TEST_F(OptionFiles, HomeFileExtraFileAndNoDefaults) {
  write(".my.cnf", "[client]\nuser = home-user\n");
  const auto extra = write("extra.cnf", "[client]\nuser = extra-user\npassword = extra-pw\n");
  EXPECT_EQ(settings({}).user, "home-user");
  // The extra file is read before ~/.my.cnf (as the mysql client does): home wins where both say.
  const auto s = settings({"--defaults-extra-file", extra});
  EXPECT_EQ(s.user, "home-user");
  EXPECT_EQ(s.password, "extra-pw");
  // --no-defaults: no file at all.
  EXPECT_NE(error_of({"--no-defaults"}).find("no user given"), std::string::npos);
  const auto bare = settings({"--no-defaults", "--user", "cli"});
  EXPECT_EQ(bare.user, "cli");
  EXPECT_EQ(bare.password, "");
  EXPECT_NE(error_of({"--no-defaults", "--defaults-extra-file", extra}).find("--no-defaults"), std::string::npos);
}

// The environment variable outranks the option file, but a set-but-empty one does not hide it.
TEST_F(OptionFiles, PasswordFromEnvironmentUnlessEmpty) {
  const auto file = write("pw.cnf", "[client]\nuser = u\npassword = file-pw\n");
  ::setenv("GHOSTCUT_PASSWORD", "env-pw", 1);
  EXPECT_EQ(settings({"--defaults-file", file}).password, "env-pw");
  ::setenv("GHOSTCUT_PASSWORD", "", 1);
  EXPECT_EQ(settings({"--defaults-file", file}).password, "file-pw");
  ::unsetenv("GHOSTCUT_PASSWORD");
  EXPECT_EQ(settings({"--defaults-file", file}).password, "file-pw");
}

// gh-ost's --conf: a my.cnf-style file with [client] user/password, read instead of ~/.my.cnf.
TEST_F(OptionFiles, GhostConfIsTheOptionFile) {
  write(".my.cnf", "[client]\nuser = home-user\npassword = home-pw\n");
  const auto conf = write("gh-ost.cnf", "[client]\nuser=gromit\npassword=123456\n");
  const auto s = settings({"--conf", conf});
  EXPECT_EQ(s.user, "gromit");
  EXPECT_EQ(s.password, "123456");
  EXPECT_NE(error_of({"--conf", conf, "--defaults-file", conf}).find("give one"), std::string::npos);
  EXPECT_NE(error_of({"--conf", (dir_ / "missing.cnf").string()}).find("cannot read option file"), std::string::npos);
}

TEST_F(OptionFiles, ReadableByOthersWarns) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  const auto open = write("open.cnf", "[client]\nuser = u\npassword = p\n", 0644);
  const auto closed = write("closed.cnf", "[client]\nuser = u\npassword = p\n", 0600);
  (void)settings({"--defaults-file", closed});
  const std::string after_closed = log.str();
  (void)settings({"--defaults-file", open});
  const std::string after_open = log.str();
  spdlog::set_default_logger(previous);
  EXPECT_EQ(after_closed.find("readable by other users"), std::string::npos) << after_closed;
  EXPECT_NE(after_open.find(open + " is readable by other users (mode 0644)"), std::string::npos) << after_open;
}

TEST_F(OptionFiles, TlsFlagsAndFileKeys) {
  const auto ca = write("ca.pem", "x", 0644), cert = write("cert.pem", "x", 0644), key = write("key.pem", "x");
  const auto file = write("tls.cnf", "[client]\nuser = u\nssl_mode = VERIFY_IDENTITY\nssl-ca = " + ca +
                                         "\nssl-cert = " + cert + "\nssl-key = " + key + "\nget-server-public-key\n");
  auto s = settings({"--defaults-file", file});
  EXPECT_EQ(s.tls_mode, TlsMode::kVerifyIdentity);
  EXPECT_EQ(s.ssl_ca, ca);
  EXPECT_EQ(s.ssl_cert, cert);
  EXPECT_EQ(s.ssl_key, key);
  EXPECT_TRUE(s.get_server_public_key);
  s = settings({"--defaults-file", file, "--ssl-mode", "verify-ca", "--ssl-capath", dir_.string()});
  EXPECT_EQ(s.tls_mode, TlsMode::kVerifyCa);  // the command line wins
  EXPECT_EQ(s.ssl_capath, dir_.string());
  for (const char* m : {"disabled", "preferred", "required", "verify-ca", "verify-identity"})
    EXPECT_EQ(to_string(settings({"--user", "u", "--ssl-mode", m}).tls_mode), std::string(m));
  EXPECT_EQ(settings({"--user", "u", "--no-defaults"}).tls_mode, TlsMode::kPreferred);  // as the engine's default
  EXPECT_EQ(ConnectionSettings{}.tls_mode, TlsMode::kPreferred);
  EXPECT_NE(error_of({"--user", "u", "--ssl-mode", "verify"}).find("verify-identity"), std::string::npos);
  EXPECT_NE(error_of({"--user", "u", "--ssl-cert", cert}).find("go together"), std::string::npos);
  EXPECT_NE(error_of({"--user", "u", "--ssl-ca", (dir_ / "nope.pem").string()}).find("cannot read"), std::string::npos);
  s = settings({"--user", "u", "--server-public-key-path", ca});
  EXPECT_EQ(s.server_public_key_path, ca);
  EXPECT_FALSE(s.get_server_public_key);
  EXPECT_TRUE(settings({"--user", "u", "--get-server-public-key"}).get_server_public_key);
}

TEST_F(OptionFiles, GhostSslFlags) {
  EXPECT_EQ(settings({"--user", "u", "--ssl"}).tls_mode, TlsMode::kVerifyIdentity);
  EXPECT_EQ(settings({"--user", "u", "--ssl", "--ssl-allow-insecure"}).tls_mode, TlsMode::kRequired);
  EXPECT_NE(error_of({"--user", "u", "--ssl-allow-insecure"}).find("needs --ssl"), std::string::npos);
  EXPECT_NE(error_of({"--user", "u", "--ssl", "--ssl-mode", "required"}).find("give one"), std::string::npos);
}

// --ask-pass prompts only on a terminal; with stdin from /dev/null it refuses, clearly.
TEST_F(OptionFiles, AskPassRefusedWithoutTerminal) {
  const int saved = ::dup(STDIN_FILENO);
  const int null = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(null, 0);
  ::dup2(null, STDIN_FILENO);
  ::close(null);
  const std::string err = error_of({"--user", "u", "--ask-pass"});
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  EXPECT_NE(err.find("--ask-pass needs a terminal"), std::string::npos) << err;
  EXPECT_NE(error_of({"--user", "u", "--ask-pass", "--password", "x"}).find("exclude each other"), std::string::npos);
}

}  // namespace
}  // namespace ghostcut::cli
