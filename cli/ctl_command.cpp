// `ghostcut ctl`: sends commands to a running migration's control socket (unix or TCP) and prints
// the replies, so operators need no nc/socat. All commands go over one connection, one per line;
// then we half-close and print everything until the server closes.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/program_options.hpp>
#include <array>
#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/subcommands.h"
#include "engine/control/control_server.h"

namespace po = boost::program_options;
namespace asio = boost::asio;

namespace ghostcut::cli {
namespace {

constexpr const char* kCtlUsage = R"(Usage: ghostcut ctl [--socket PATH | --tcp HOST:PORT | --database D --table T] COMMAND...

Sends each COMMAND, one per line, over one connection to a running migration's control socket and
prints the replies. Exit status: 0 when every command succeeded, 1 when a reply starts with
"ERROR:" or the migration cannot be reached, 2 on bad usage.

Examples:
  ghostcut ctl --database shop --table orders status      # socket /tmp/ghostcut.shop.orders.sock
  ghostcut ctl --socket /tmp/ghostcut.shop.orders.sock 'status json'
  ghostcut ctl --socket /tmp/ghostcut.shop.orders.sock chunk-size=500 threads=4
  ghostcut ctl --socket /tmp/ghostcut.shop.orders.sock 'max-load=Threads_running=30'
  ghostcut ctl --tcp 127.0.0.1:9001 throttle
  ghostcut ctl --tcp 127.0.0.1:9001 help                  # every command the server understands

)";

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// "host:port" or "[v6addr]:port"; port 1..65535.
std::optional<HostPort> parse_host_port(const std::string& s) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) return std::nullopt;
  std::string host = s.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return std::nullopt;  // a bare IPv6 address is ambiguous: it needs brackets
  }
  const std::string digits = s.substr(colon + 1);
  if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const unsigned long port = std::stoul(digits);
  if (port == 0 || port > 65535) return std::nullopt;
  return HostPort{host, static_cast<std::uint16_t>(port)};
}

// Watches for "ERROR:" at the start of any line of the server's output, across read boundaries.
class ErrorLineDetector {
 public:
  void feed(std::string_view chunk) {
    for (char c : chunk) {
      if (c == '\n') {
        prefix_.clear();
        continue;
      }
      if (prefix_.size() < kMarker.size()) {
        prefix_.push_back(c);
        if (prefix_ == kMarker) seen_ = true;
      }
    }
  }
  bool seen() const { return seen_; }

 private:
  static constexpr std::string_view kMarker = "ERROR:";
  std::string prefix_;
  bool seen_ = false;
};

struct Exchange {
  std::string where;  // the path or endpoint, for messages
  std::string hint;   // what to check when it cannot connect
  std::string payload;
  std::chrono::milliseconds timeout{10000};
  ErrorLineDetector errors;
  bool timed_out = false;
  std::string failure;  // empty: talked to the end
};

// Every wait (connect, each read) is bounded by the timeout: on expiry the socket closes,
// which cancels the pending operation.
template <typename Socket>
class Watchdog {
 public:
  Watchdog(asio::io_context& ctx, Socket& socket, Exchange& ex) : timer_(ctx), socket_(socket), ex_(ex) {}
  void arm() {
    timer_.expires_after(ex_.timeout);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;  // re-armed or cancelled
      ex_.timed_out = true;
      boost::system::error_code ignored;
      socket_.close(ignored);
    });
  }
  void disarm() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
  Socket& socket_;
  Exchange& ex_;
};

template <typename Socket>
asio::awaitable<void> talk(Socket& socket, Watchdog<Socket>& dog, Exchange& ex) {
  co_await asio::async_write(socket, asio::buffer(ex.payload), asio::use_awaitable);
  socket.shutdown(Socket::shutdown_send);
  std::array<char, 8192> buf{};
  for (;;) {
    dog.arm();
    boost::system::error_code ec;
    const std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) {
      const std::string_view chunk(buf.data(), n);
      ex.errors.feed(chunk);
      std::cout << chunk << std::flush;
    }
    if (ec == asio::error::eof) break;
    if (ec) throw boost::system::system_error(ec);
  }
  dog.disarm();
}

// Runs connect + talk on ctx; fills ex.failure on any failure.
template <typename Socket, typename Connect>
void run_exchange(asio::io_context& ctx, Socket& socket, Connect connect, Exchange& ex) {
  Watchdog<Socket> dog(ctx, socket, ex);
  auto body = [&]() -> asio::awaitable<void> {
    dog.arm();
    try {
      co_await connect();
    } catch (const boost::system::system_error& e) {
      ex.failure = ex.timed_out ? "cannot connect to " + ex.where + ": no answer within the timeout" + ex.hint
                                : "cannot connect to " + ex.where + ": " + e.code().message() + ex.hint;
      dog.disarm();
      co_return;
    }
    try {
      co_await talk(socket, dog, ex);
    } catch (const boost::system::system_error& e) {
      ex.failure = ex.timed_out ? "no reply from " + ex.where + " within the timeout"
                                : "connection to " + ex.where + " failed: " + e.code().message();
    }
    dog.disarm();
  };
  asio::co_spawn(ctx, body(), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      ex.failure = x.what();
    }
  });
  ctx.run();
}

}  // namespace

int run_ctl(const std::vector<std::string>& args) {
  po::options_description opts("ghostcut ctl options");
  std::string socket_path, tcp, database, table;
  double timeout_seconds = 10;
  opts.add_options()
      ("help,h", "show this help")
      ("socket", po::value(&socket_path), "the migration's unix control socket (its --serve-socket-file)")
      ("tcp", po::value(&tcp), "HOST:PORT of the migration's --serve-tcp-port")
      ("database", po::value(&database), "with --table: use the default socket /tmp/ghostcut.<database>.<table>.sock")
      ("table", po::value(&table), "the migrated table (with --database)")
      ("timeout", po::value(&timeout_seconds)->default_value(10), "seconds to wait to connect and for each reply");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::vector<std::string>>(), "commands");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description positional;
  positional.add("command", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "ghostcut ctl: " << e.what() << "\n" << kCtlUsage << opts;
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << kCtlUsage << opts;
    return kExitOk;
  }
  auto usage_error = [&](const std::string& message) {
    std::cerr << "ghostcut ctl: " << message << "\n" << kCtlUsage << opts;
    return kExitUsage;
  };

  const auto commands = vm.count("command") ? vm["command"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (commands.empty()) return usage_error("no command given (try 'status' or 'help')");
  std::string payload;
  for (const auto& c : commands) {
    if (c.find_first_of("\r\n") != std::string::npos) return usage_error("a command must be one line");
    payload += c;
    payload += '\n';
  }
  const int targets = !socket_path.empty() + !tcp.empty() + (!database.empty() || !table.empty());
  if (targets > 1) return usage_error("give one of --socket, --tcp, or --database with --table");
  if (targets == 0) return usage_error("say where the migration listens: --socket PATH, --tcp HOST:PORT, or --database D --table T");
  if (database.empty() != table.empty()) return usage_error("--database and --table go together");
  if (!std::isfinite(timeout_seconds) || timeout_seconds <= 0 || timeout_seconds > 86400) {
    return usage_error("--timeout must be a number of seconds greater than 0");
  }

  Exchange ex;
  ex.payload = std::move(payload);
  ex.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(timeout_seconds * 1000)));
  asio::io_context ctx;
  if (!tcp.empty()) {
    const auto hp = parse_host_port(tcp);
    if (!hp) return usage_error("--tcp must be HOST:PORT (IPv6 as [ADDR]:PORT), got '" + tcp + "'");
    ex.where = tcp;
    ex.hint = " — is a migration running with --serve-tcp-port?";
    asio::ip::tcp::socket socket(ctx);
    asio::ip::tcp::resolver resolver(ctx);
    run_exchange(ctx, socket, [&]() -> asio::awaitable<void> {
      const auto endpoints = co_await resolver.async_resolve(hp->host, std::to_string(hp->port), asio::use_awaitable);
      co_await asio::async_connect(socket, endpoints, asio::use_awaitable);
    }, ex);
  } else {
    if (socket_path.empty()) socket_path = engine::default_socket_path(database, table);
    ex.where = socket_path;
    ex.hint = " — is a migration running with --serve-socket-file?";
    asio::local::stream_protocol::socket socket(ctx);
    run_exchange(ctx, socket, [&]() -> asio::awaitable<void> {
      co_await socket.async_connect(asio::local::stream_protocol::endpoint(socket_path), asio::use_awaitable);
    }, ex);
  }
  std::cout.flush();
  if (!ex.failure.empty()) {
    std::cerr << "ghostcut ctl: " << ex.failure << "\n";
    return kExitFailure;
  }
  return ex.errors.seen() ? kExitFailure : kExitOk;
}

}  // namespace ghostcut::cli
