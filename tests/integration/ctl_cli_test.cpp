// `ghostcut ctl` (the real binary) against a ControlServer running in this process. No database needed.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <spdlog/sinks/null_sink.h>
#include <string>
#include <thread>
#include <vector>

#include "engine/control/control_server.h"

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
    char tmpl[] = "/tmp/gc-ctlcli-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/c.sock";
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
    std::filesystem::remove_all(dir_);
  }

  // A server answering with the real command handler; its io_context runs on a thread.
  ControlServer& serve(ControlServerConfig config) {
    auto logger = std::make_shared<spdlog::logger>("ctl-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    servers_.push_back(std::make_unique<ControlServer>(
        io_.get_executor(), std::move(config),
        [this](std::string_view line) { return handle_command_line(line, settings_, "orders", callbacks_); },
        logger));
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

  RuntimeSettings settings_;
  CommandCallbacks callbacks_;
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
  const auto r = ctl("--socket " + path_ + " chunk-size=500 threads=4 'max-load=Threads_running=30' threads=?");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected_replies({"chunk-size=500", "threads=4", "max-load=Threads_running=30", "threads=?"}));
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(settings_.chunk_size(), 500u);
  EXPECT_EQ(settings_.threads(), 4u);
  EXPECT_EQ(settings_.max_load(), (LoadMap{{"Threads_running", 30}}));
}

TEST_F(CtlCliTest, AnErrorReplyExitsOneButEarlierCommandsApply) {
  serve({path_, std::nullopt, "127.0.0.1"});
  const auto r = ctl("--socket " + path_ + " threads=6 bogus 'chunk-size=5'");
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
  auto& s = serve({"", 0, "127.0.0.1"});
  const auto r = ctl("--tcp 127.0.0.1:" + std::to_string(s.tcp_port()) + " nice-ratio=0.5 throttle");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected_replies({"nice-ratio=0.5", "throttle"}));
  EXPECT_EQ(settings_.nice_ratio(), 0.5);
  EXPECT_TRUE(settings_.manual_throttle());
}

TEST_F(CtlCliTest, DatabaseAndTableFindTheDefaultSocket) {
  const std::string db = "ctltest" + std::to_string(::getpid());
  const std::string path = default_socket_path(db, "orders");
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

}  // namespace
