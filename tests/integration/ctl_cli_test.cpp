// `ghostcut ctl` (the real binary) against a ControlServer running in this process. No database needed.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/sinks/null_sink.h>
#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/control/control_access.h"
#include "engine/control/control_server.h"
#include "support/temp_dir.h"

namespace {

using namespace ghostcut::engine;
namespace asio = boost::asio;

struct CtlRun {
  int status;
  std::string out;  // stdout
  std::string err;  // stderr
};

class CtlCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ghostcut::test::make_temp_dir("gc-ctlcli");
    ASSERT_FALSE(dir_.empty());
    path_ = dir_ + "/c.sock";
    // The default socket directory becomes <dir_>/ghostcut, for this process and the ctl it runs.
    ::setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    servers_.clear();
    guard_.reset();
    if (io_thread_.joinable()) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!io_.stopped() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      EXPECT_TRUE(io_.stopped());
      io_.stop();
      io_thread_.join();
    }
    ::unsetenv("XDG_RUNTIME_DIR");
    std::filesystem::remove_all(dir_);
  }

  // A server answering with the real command handler; its io_context runs on a thread.
  ControlServer& serve(ControlServerConfig config) {
    auto logger = std::make_shared<spdlog::logger>("ctl-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    servers_.push_back(std::make_unique<ControlServer>(
        io_.get_executor(), std::move(config),
        [this](std::string_view line) { return handle_command_line(line, settings_, "orders", callbacks_); }, logger));
    servers_.back()->start();
    if (!io_thread_.joinable()) io_thread_ = std::thread([this] { io_.run(); });
    return *servers_.back();
  }

  // `args` go through the shell: quote what needs it.
  CtlRun ctl(const std::string& args) {
    const std::string err_file = dir_ + "/stderr";
    const std::string cmd = std::string(GHOSTCUT_BINARY) + " ctl " + args + " 2>" + err_file;
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    const int st = pclose(p);
    std::ifstream in(err_file);
    std::stringstream err;
    err << in.rdbuf();
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out, err.str()};
  }

  // A 0600 token file holding token_ (written on first use).
  std::string token_file() {
    const std::string f = dir_ + "/token";
    if (!std::filesystem::exists(f)) {
      std::ofstream(f) << token_ << "\n";
      ::chmod(f.c_str(), 0600);
    }
    return f;
  }

  RuntimeSettings settings_;
  CommandCallbacks callbacks_;
  const std::string token_ = "0123456789abcdef0123456789abcdef";
  std::string dir_, path_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  std::thread io_thread_;
  std::vector<std::unique_ptr<ControlServer>> servers_;
};

// The wire text the server sends for `lines`, from the same handler on fresh settings.
std::string expected_replies(const std::vector<std::string>& lines) {
  RuntimeSettings model;
  std::string out;
  for (const auto& l : lines) {
    const auto r = handle_command_line(l, model, "orders");
    out += (r.ok ? "" : "ERROR: ") + r.text + "\n";
  }
  return out;
}

TEST_F(CtlCliTest, SendsEachCommandAndPrintsTheReplies) {
  serve({path_, std::nullopt, "127.0.0.1"});
  const auto r =
      ctl("--socket " + path_ + " 'chunk-size=500; threads=4' -e 'max-load=Threads_running=30' -e threads=?");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected_replies({"chunk-size=500", "threads=4", "max-load=Threads_running=30", "threads=?"}));
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(settings_.chunk_size(), 500u);
  EXPECT_EQ(settings_.threads(), 4u);
  EXPECT_EQ(settings_.max_load(), (LoadMap{{"Threads_running", 30}}));
}

TEST_F(CtlCliTest, AnErrorReplyExitsOneButEarlierCommandsApply) {
  serve({path_, std::nullopt, "127.0.0.1"});
  const auto r = ctl("--socket " + path_ + " 'threads=6;bogus;chunk-size=5'");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(r.out, expected_replies({"threads=6", "bogus", "chunk-size=5"}));
  EXPECT_NE(r.out.find("ERROR: unknown command 'bogus'"), std::string::npos) << r.out;
  EXPECT_EQ(settings_.threads(), 6u);
  EXPECT_NE(settings_.chunk_size(), 5u);
}

TEST_F(CtlCliTest, StatusJsonIsOneCommandAndUnavailableReportsFail) {
  callbacks_.status_json = [] { return std::string(R"({"state":"copying","rows_copied":42})"); };
  serve({path_, std::nullopt, "127.0.0.1"});
  auto r = ctl("--socket " + path_ + " 'status json'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"state\":\"copying\",\"rows_copied\":42}\n");
  r = ctl("--socket " + path_ + " coordinates");  // no callback: the server says so, ctl exits 1
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind("ERROR: ", 0), 0u) << r.out;
}

TEST_F(CtlCliTest, TalksOverTcp) {
  auto& s = serve({"", 0, "127.0.0.1", token_});
  const auto r = ctl("--tcp 127.0.0.1:" + std::to_string(s.tcp_port()) + " --token-file " + token_file() +
                     " 'nice-ratio=0.5; throttle'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected_replies({"nice-ratio=0.5", "throttle"}));
  EXPECT_EQ(settings_.nice_ratio(), 0.5);
  EXPECT_TRUE(settings_.manual_throttle());
}

TEST_F(CtlCliTest, DatabaseAndTableFindTheDefaultSocket) {
  const std::string db = "ctltest" + std::to_string(::getpid());
  const std::string path = default_socket_path(db, "orders");
  EXPECT_EQ(path, dir_ + "/ghostcut/ghostcut." + db + ".orders.sock");
  ensure_private_dir(default_socket_dir(), true);
  serve({path, std::nullopt, "127.0.0.1"});
  const auto r = ctl("--database " + db + " --table orders postpone");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected_replies({"postpone"}));
  EXPECT_TRUE(settings_.postpone_cut_over());
}

TEST_F(CtlCliTest, UsageErrorsExitTwo) {
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"--socket /tmp/x.sock", "no command given"},
      {"status", "say where the migration listens"},
      {"--socket /tmp/x.sock --tcp 127.0.0.1:1 status", "give one of --socket, --tcp"},
      {"--database shop status", "--database and --table go together"},
      {"--tcp nohost status", "--tcp must be HOST:PORT"},
      {"--tcp 127.0.0.1:0 status", "--tcp must be HOST:PORT"},
      {"--tcp 127.0.0.1:99999 status", "--tcp must be HOST:PORT"},
      {"--tcp ::1:9000 status", "--tcp must be HOST:PORT"},
      {"--tcp 127.0.0.1: status", "--tcp must be HOST:PORT"},
      {"--socket /tmp/x.sock --timeout 0 status", "--timeout must be"},
      {"--socket /tmp/x.sock --timeout abc status", "timeout"},
      {"--socket /tmp/x.sock --frobnicate status", "frobnicate"},
      {"--socket /tmp/x.sock --sock /tmp/y.sock status", "unrecognised option '--sock'"},  // no prefix guessing
      {"--socket /tmp/x.sock --token-file /tmp/t status", "--token-file goes with --tcp"},
      {"--list status", "--list takes no command"},
      {"--socket /tmp/x.sock \"$(printf 'two\\nlines')\"", "a command must be one line"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.args);
    const auto r = ctl(tc.args);
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(tc.message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST_F(CtlCliTest, HelpPrintsUsageWithExamples) {
  const auto r = ctl("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* want : {"Usage: ghostcut ctl", "Examples:", "--socket", "--tcp", "--timeout", "chunk-size=500"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want;
  }
}

TEST_F(CtlCliTest, UnreachableServerExitsOneWithTheReason) {
  auto& s = serve({"", 0, "127.0.0.1"});
  const std::string closed_port = std::to_string(s.tcp_port());
  servers_.clear();  // nothing listens there now
  struct Case {
    std::string args;
    std::vector<std::string> messages;
  };
  const std::vector<Case> cases = {
      {"--socket " + dir_ + "/none.sock status",
       {"cannot connect to " + dir_ + "/none.sock: No such file or directory",
        "is a migration running with --serve-socket-file?"}},
      {"--tcp 127.0.0.1:" + closed_port + " status",
       {"cannot connect to 127.0.0.1:" + closed_port + ": Connection refused", "--serve-tcp-port"}},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.args);
    const auto r = ctl(tc.args);
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    for (const auto& m : tc.messages) EXPECT_NE(r.err.find(m), std::string::npos) << r.err;
  }
}

TEST_F(CtlCliTest, NoReplyWithinTheTimeoutExitsOne) {
  // Listens but never answers: the connect succeeds (backlog), the reply never comes.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path_.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  const auto start = std::chrono::steady_clock::now();
  const auto r = ctl("--socket " + path_ + " --timeout 0.3 status");
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("no reply from " + path_ + " within the timeout"), std::string::npos) << r.err;
  EXPECT_LT(took, std::chrono::seconds(5));
}

// Every setting and flag a command can change, as text: equal snapshots mean nothing changed.
std::string snapshot(const RuntimeSettings& s) {
  RuntimeSettings& m = const_cast<RuntimeSettings&>(s);
  std::string out;
  for (const char* name : {"chunk-size", "threads", "dml-batch-size", "max-lag-millis", "nice-ratio", "max-load",
                           "critical-load", "throttle-query", "throttle-control-replicas", "window"})
    out += handle_command_line(std::string(name) + "=?", m, "orders").text + "\n";
  out += "throttle " + std::to_string(s.manual_throttle()) + " postpone " + std::to_string(s.postpone_cut_over()) +
         " cut-over " + std::to_string(s.cut_over_requested()) + " panic " + std::to_string(s.panic()) + " revert " +
         std::to_string(s.revert_requested());
  return out;
}

// Every command that changes something (one per kind), with a value other than the default.
const std::vector<std::string> kMutating = {"chunk-size=500",
                                            "threads=4",
                                            "dml-batch-size=50",
                                            "max-lag-millis=2000",
                                            "nice-ratio=0.5",
                                            "max-load=Threads_running=30",
                                            "critical-load=Threads_running=90",
                                            "throttle-query=SELECT 1",
                                            "throttle-control-replicas=evil.example:3306",
                                            "window=Mon-Fri 22:30-01:00 UTC",
                                            "throttle",
                                            "pause",
                                            "postpone",
                                            "unpostpone",
                                            "cut-over",
                                            "panic=orders",
                                            "revert=orders"};

TEST_F(CtlCliTest, TcpWithoutTheTokenChangesNothingButReadsAnswer) {
  callbacks_.status_text = [] { return std::string("state: copying"); };
  auto& s = serve({"", 0, "127.0.0.1", token_});
  const std::string tcp = "--tcp 127.0.0.1:" + std::to_string(s.tcp_port());
  const std::string before = snapshot(settings_);
  ASSERT_EQ(kMutating.size(), 17u);
  for (const auto& c : kMutating) {
    SCOPED_TRACE(c);
    const auto r = ctl(tcp + " -e '" + c + "'");
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_EQ(r.out.rfind("ERROR: ", 0), 0u) << r.out;
    const bool unix_only = c.rfind("throttle-query", 0) == 0 || c.rfind("throttle-control-replicas", 0) == 0;
    EXPECT_NE(r.out.find(unix_only ? "accepted only on the unix control socket" : "send the token first"),
              std::string::npos)
        << r.out;
  }
  EXPECT_EQ(snapshot(settings_), before);
  // A wrong token closes the connection before the command.
  const std::string wrong = dir_ + "/wrong";
  std::ofstream(wrong) << "ffffffffffffffffffffffffffffffff\n";
  ::chmod(wrong.c_str(), 0600);
  auto r = ctl(tcp + " --token-file " + wrong + " threads=9");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("token refused: ERROR: wrong token"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(snapshot(settings_), before);
  // The read-only ones answer without a token.
  r = ctl(tcp + " status");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "state: copying\n");
  r = ctl(tcp + " threads=?");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "threads: " + std::to_string(settings_.threads()) + "\n");
}

TEST_F(CtlCliTest, TcpWithTheTokenChangesAllButSqlAndConnectingCommands) {
  auto& s = serve({path_, 0, "127.0.0.1", token_});
  const std::string tcp = "--tcp 127.0.0.1:" + std::to_string(s.tcp_port()) + " --token-file " + token_file();
  auto r = ctl(tcp + " 'chunk-size=500; threads=4; throttle; postpone'");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, expected_replies({"chunk-size=500", "threads=4", "throttle", "postpone"}));  // no "auth" reply
  EXPECT_EQ(settings_.chunk_size(), 500u);
  EXPECT_EQ(settings_.threads(), 4u);
  EXPECT_TRUE(settings_.manual_throttle());
  EXPECT_TRUE(settings_.postpone_cut_over());
  // Even with the token: never over TCP.
  for (const char* c : {"throttle-query=SELECT 1", "throttle-control-replicas=evil.example:3306"}) {
    r = ctl(tcp + " -e '" + std::string(c) + "'");
    EXPECT_EQ(r.status, 1) << c;
    EXPECT_NE(r.out.find("accepted only on the unix control socket"), std::string::npos) << r.out;
  }
  EXPECT_EQ(settings_.throttle_query(), "");
  EXPECT_TRUE(settings_.throttle_control_replicas().empty());
  // The unix socket takes them.
  r = ctl("--socket " + path_ + " -e 'throttle-query=SELECT 1' -e 'throttle-control-replicas=replica1:3307'");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(settings_.throttle_query(), "SELECT 1");
  ASSERT_EQ(settings_.throttle_control_replicas().size(), 1u);
}

TEST_F(CtlCliTest, TokenFilesMustBePrivateAndOurs) {
  // ctl refuses a looser file (and never sends it).
  const std::string f = token_file();
  ::chmod(f.c_str(), 0644);
  auto r = ctl("--tcp 127.0.0.1:1 --token-file " + f + " threads=2");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("has mode 0644; refusing a token others can read"), std::string::npos) << r.err;
  EXPECT_THROW(read_token_file(f), std::runtime_error);
  bool created = true;
  EXPECT_THROW(load_or_create_token_file(f, created), std::runtime_error);
  // Owned by someone else: refused although 0600.
  ::chmod(f.c_str(), 0600);
  ASSERT_EQ(::chown(f.c_str(), 65534, 65534), 0);  // nobody
  try {
    read_token_file(f);
    ADD_FAILURE() << "a token file owned by nobody was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is owned by uid 65534, not by this user"), std::string::npos) << e.what();
  }
  // The server creates a missing one, 0600, random, and reads it back the same the next time.
  const std::string fresh = dir_ + "/fresh.token";
  const auto token = load_or_create_token_file(fresh, created);
  EXPECT_TRUE(created);
  EXPECT_EQ(token.size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(load_or_create_token_file(fresh, created), token);
  EXPECT_FALSE(created);
  EXPECT_NE(load_or_create_token_file(dir_ + "/other.token", created), token);
}

TEST_F(CtlCliTest, ASocketPathOwnedByAnotherUserIsRefused) {
  // A stale socket file (nothing listens) owned by nobody: a squatter's. Ours would be replaced.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path_.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ::close(fd);
  ASSERT_EQ(::chown(path_.c_str(), 65534, 65534), 0);
  auto logger = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  ControlServer squatted(
      io_.get_executor(), {path_, std::nullopt, "127.0.0.1"}, [](std::string_view) { return CommandReply{}; }, logger);
  try {
    squatted.start();
    ADD_FAILURE() << "started on a socket path owned by nobody";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is owned by uid 65534, not by this user"), std::string::npos) << e.what();
  }
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);  // left alone
  EXPECT_EQ(st.st_uid, 65534u);
  // Our own stale file is replaced.
  ASSERT_EQ(::chown(path_.c_str(), ::geteuid(), ::getegid()), 0);
  serve({path_, std::nullopt, "127.0.0.1"});
  EXPECT_EQ(ctl("--socket " + path_ + " help").status, 0);
}

TEST_F(CtlCliTest, TheDefaultDirectoryMustBePrivateAndOurs) {
  const std::string dir = default_socket_dir();
  EXPECT_EQ(dir, dir_ + "/ghostcut");
  ::unsetenv("XDG_RUNTIME_DIR");
  EXPECT_EQ(default_socket_dir(), "/tmp/ghostcut-" + std::to_string(::geteuid()));
  ::setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
  ensure_private_dir(dir, true);
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  auto refused = [&](const std::string& why) {
    try {
      ensure_private_dir(dir, true);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
    const auto r = ctl("--list");  // ctl --list refuses it too
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
  };
  ::chmod(dir.c_str(), 0755);
  refused("has mode 0755; it must be private");
  ::chmod(dir.c_str(), 0700);
  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  refused("is owned by uid 65534, not by this user");
  std::filesystem::remove(dir);
  std::filesystem::create_directory_symlink("/tmp", dir);
  refused("is not a directory (a symlink?)");
}

TEST_F(CtlCliTest, WordsMakeOneCommandAndSemicolonsOrDashESeparate) {
  callbacks_.status_json = [] { return std::string(R"({"state":"copying"})"); };
  serve({path_, std::nullopt, "127.0.0.1"});
  auto r = ctl("--socket " + path_ + " status json");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "{\"state\":\"copying\"}\n");
  r = ctl("--socket " + path_ + " threads=3 \\; chunk-size=700");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, expected_replies({"threads=3", "chunk-size=700"}));
  // -e is taken as it is: a window list keeps its ';'.
  r = ctl("--socket " + path_ + " -e 'window=Mon-Fri 22:30-01:00 UTC;Sat 00:00-06:00 UTC' -e window=?");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, expected_replies({"window=Mon-Fri 22:30-01:00 UTC;Sat 00:00-06:00 UTC", "window=?"}));
  EXPECT_EQ(settings_.cut_over_windows().size(), 2u);
  // Two words that are no one command: one error, nothing changed.
  r = ctl("--socket " + path_ + " threads=5 chunk-size=900");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(settings_.threads(), 3u);
}

TEST_F(CtlCliTest, ListShowsTheMigrationsInTheDefaultDirectory) {
  auto r = ctl("--list");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "no running migrations (" + dir_ + "/ghostcut does not exist)\n");
  ensure_private_dir(default_socket_dir(), true);
  callbacks_.sup = [] { return std::string("Copy: 10/100 10.0%; Applied: 0"); };
  serve({default_socket_path("shop", "orders"), std::nullopt, "127.0.0.1"});
  serve({default_socket_path("shop", "items"), std::nullopt, "127.0.0.1"});
  // A dead migration's socket.
  const std::string stale = default_socket_path("old", "t");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", stale.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ::close(fd);
  r = ctl("--list");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "old.t\t" + stale + "\t(not answering: cannot connect to " + stale + ": Connection refused)\n" +
                       "shop.items\t" + default_socket_path("shop", "items") + "\tCopy: 10/100 10.0%; Applied: 0\n" +
                       "shop.orders\t" + default_socket_path("shop", "orders") + "\tCopy: 10/100 10.0%; Applied: 0\n")
      << r.out;
}

}  // namespace
