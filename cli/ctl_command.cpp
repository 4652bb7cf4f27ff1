// `ghostcut ctl`: sends commands to a running migration's control socket (unix or TCP) and prints
// the replies, so operators need no nc/socat. All commands go over one connection, one per line;
// then we half-close and print everything until the server closes.
#include <algorithm>
#include <array>
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
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/subcommands.h"
#include "engine/control/control_access.h"
#include "engine/control/control_server.h"

namespace po = boost::program_options;
namespace asio = boost::asio;

namespace ghostcut::cli {
namespace {

constexpr const char* kCtlUsage =
    R"(Usage: ghostcut ctl [--socket PATH | --tcp HOST:PORT [--token-file F] | --database D --table T] WORD...
       ghostcut ctl [target] -e COMMAND [-e COMMAND...]
       ghostcut ctl --list

The WORDs make one command, joined by spaces ("ghostcut ctl status json" sends "status json");
';' separates several ("ghostcut ctl 'threads=4; chunk-size=500'"). Each -e is one command, taken
as it is (';' included, e.g. a window=A;B list); -e commands are sent after the WORDs' ones.
The commands go, one per line, over one
connection to a running migration's control socket, and the replies are printed.
Over TCP, commands that change anything need --token-file (the migration's --serve-tcp-token-file);
throttle-query= and throttle-control-replicas= are accepted on the unix socket only.
--list shows the migrations serving a socket in the default directory (this user's).
Exit status: 0 when every command succeeded, 1 when a reply starts with "ERROR:" or the migration
cannot be reached, 2 on bad usage.

Examples:
  ghostcut ctl --database shop --table orders status      # the default socket of shop.orders
  ghostcut ctl --database shop --table orders status json
  ghostcut ctl --socket /run/gc/orders.sock 'chunk-size=500; threads=4'
  ghostcut ctl --socket /run/gc/orders.sock -e 'window=Mon-Fri 22:30-01:00 UTC;Sat 00:00-06:00 UTC'
  ghostcut ctl --tcp 127.0.0.1:9001 status                # read-only: needs no token
  ghostcut ctl --tcp 127.0.0.1:9001 --token-file ~/.gc-token throttle
  ghostcut ctl --list

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
  bool skip_first_reply = false;  // the answer to our "auth" line: printed only when it is an error
  std::string first_reply;
  std::string* capture = nullptr;  // set: replies go here instead of stdout
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
    const std::size_t n =
        co_await socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    std::string_view chunk(buf.data(), n);
    if (ex.skip_first_reply && !chunk.empty()) {
      const auto nl = chunk.find('\n');
      ex.first_reply.append(chunk.substr(0, nl));
      if (nl != std::string_view::npos) {
        ex.skip_first_reply = false;
        if (ex.first_reply.rfind("ERROR:", 0) == 0) {
          ex.errors.feed(ex.first_reply + "\n");
          std::cerr << "ghostcut ctl: token refused: " << ex.first_reply << "\n";
        }
        chunk.remove_prefix(nl + 1);
      } else {
        chunk = {};
      }
    }
    if (!chunk.empty()) {
      ex.errors.feed(chunk);
      if (ex.capture) ex.capture->append(chunk);
      else std::cout << chunk << std::flush;
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

// Positional words: one command, split at ';'. -e commands: each as given.
std::vector<std::string> commands_from(const std::vector<std::string>& words, const std::vector<std::string>& each) {
  std::vector<std::string> out;
  std::string joined;
  for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
  std::size_t start = 0;
  while (!joined.empty()) {
    const auto semi = joined.find(';', start);
    std::string part = joined.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
    const auto b = part.find_first_not_of(" \t");
    const auto e = part.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(part.substr(b, e - b + 1));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  for (const auto& c : each) out.push_back(c);
  return out;
}

// "ghostcut.<db>.<table>.sock" → "<db>.<table>"; empty when the name is not one of ours.
std::string migration_of(const std::string& name) {
  constexpr std::string_view prefix = "ghostcut.", suffix = ".sock";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return {};
  return name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
}

// `ctl --list`: every socket in the default directory, with its one-line progress ("sup").
int list_migrations(std::chrono::milliseconds timeout) {
  const std::string dir = engine::default_socket_dir();
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::cout << "no running migrations (" << dir << " does not exist)\n";
    return kExitOk;
  }
  try {
    engine::ensure_private_dir(dir, false);
  } catch (const std::exception& e) {
    std::cerr << "ghostcut ctl: " << e.what() << "\n";
    return kExitFailure;
  }
  std::vector<std::pair<std::string, std::string>> found;  // migration, path
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string m = migration_of(entry.path().filename().string());
    if (!m.empty() && entry.is_socket(ec)) found.emplace_back(m, entry.path().string());
  }
  if (ec) {
    std::cerr << "ghostcut ctl: cannot list " << dir << ": " << ec.message() << "\n";
    return kExitFailure;
  }
  std::sort(found.begin(), found.end());
  std::size_t live = 0;
  for (const auto& [migration, path] : found) {
    std::string reply;
    Exchange ex;
    ex.payload = "sup\n";
    ex.timeout = timeout;
    ex.where = path;
    ex.capture = &reply;
    asio::io_context ctx;
    asio::local::stream_protocol::socket socket(ctx);
    run_exchange(
        ctx, socket,
        [&]() -> asio::awaitable<void> {
          co_await socket.async_connect(asio::local::stream_protocol::endpoint(path), asio::use_awaitable);
        },
        ex);
    while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.pop_back();
    if (ex.failure.empty()) ++live;
    std::cout << migration << "\t" << path << "\t"
              << (ex.failure.empty() ? reply : "(not answering: " + ex.failure + ")") << "\n";
  }
  if (found.empty()) std::cout << "no running migrations in " << dir << "\n";
  return kExitOk;
}

}  // namespace

int run_ctl(const std::vector<std::string>& args) {
  po::options_description opts("ghostcut ctl options");
  std::string socket_path, tcp, database, table, token_file;
  double timeout_seconds = 10;
  opts.add_options()("help,h", "show this help")("socket", po::value(&socket_path),
                                                 "the migration's unix control socket (its --serve-socket-file)")(
      "tcp", po::value(&tcp), "HOST:PORT of the migration's --serve-tcp-port")(
      "token-file", po::value(&token_file),
      "with --tcp: the migration's token file (mode 0600), sent first on the connection")(
      "execute,e", po::value<std::vector<std::string>>()->composing(), "one command, as it is (repeatable)")(
      "list", "list the migrations serving a socket in the default directory")(
      "database", po::value(&database), "with --table: use the default socket <dir>/ghostcut.<database>.<table>.sock")(
      "table", po::value(&table), "the migrated table (with --database)")(
      "timeout", po::value(&timeout_seconds)->default_value(10), "seconds to wait to connect and for each reply");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::vector<std::string>>(), "commands");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description positional;
  positional.add("command", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args)
                  .options(all)
                  .positional(positional)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
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

  if (!std::isfinite(timeout_seconds) || timeout_seconds <= 0 || timeout_seconds > 86400) {
    return usage_error("--timeout must be a number of seconds greater than 0");
  }
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(timeout_seconds * 1000)));
  const auto words = vm.count("command") ? vm["command"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const auto each = vm.count("execute") ? vm["execute"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (vm.count("list")) {
    if (!words.empty() || !each.empty() || !socket_path.empty() || !tcp.empty() || !database.empty() || !table.empty())
      return usage_error("--list takes no command and no target");
    return list_migrations(timeout);
  }
  const auto commands = commands_from(words, each);
  if (commands.empty()) return usage_error("no command given (try 'status' or 'help')");
  if (!token_file.empty() && tcp.empty())
    return usage_error("--token-file goes with --tcp (the unix socket needs no token)");
  std::string payload;
  if (!token_file.empty()) {
    try {
      payload = "auth " + engine::read_token_file(token_file) + "\n";
    } catch (const std::exception& e) {
      std::cerr << "ghostcut ctl: " << e.what() << "\n";
      return kExitUsage;
    }
  }
  for (const auto& c : commands) {
    if (c.find_first_of("\r\n") != std::string::npos) return usage_error("a command must be one line");
    payload += c;
    payload += '\n';
  }
  const int targets = !socket_path.empty() + !tcp.empty() + (!database.empty() || !table.empty());
  if (targets > 1) return usage_error("give one of --socket, --tcp, or --database with --table");
  if (targets == 0)
    return usage_error("say where the migration listens: --socket PATH, --tcp HOST:PORT, or --database D --table T");
  if (database.empty() != table.empty()) return usage_error("--database and --table go together");

  Exchange ex;
  ex.payload = std::move(payload);
  ex.skip_first_reply = !token_file.empty();
  ex.timeout = timeout;
  asio::io_context ctx;
  if (!tcp.empty()) {
    const auto hp = parse_host_port(tcp);
    if (!hp) return usage_error("--tcp must be HOST:PORT (IPv6 as [ADDR]:PORT), got '" + tcp + "'");
    ex.where = tcp;
    ex.hint = " — is a migration running with --serve-tcp-port?";
    asio::ip::tcp::socket socket(ctx);
    asio::ip::tcp::resolver resolver(ctx);
    run_exchange(
        ctx, socket,
        [&]() -> asio::awaitable<void> {
          const auto endpoints =
              co_await resolver.async_resolve(hp->host, std::to_string(hp->port), asio::use_awaitable);
          co_await asio::async_connect(socket, endpoints, asio::use_awaitable);
        },
        ex);
  } else {
    if (socket_path.empty()) socket_path = engine::default_socket_path(database, table);
    ex.where = socket_path;
    ex.hint = " — is a migration running with --serve-socket-file?";
    asio::local::stream_protocol::socket socket(ctx);
    run_exchange(
        ctx, socket,
        [&]() -> asio::awaitable<void> {
          co_await socket.async_connect(asio::local::stream_protocol::endpoint(socket_path), asio::use_awaitable);
        },
        ex);
  }
  std::cout.flush();
  if (!ex.failure.empty()) {
    std::cerr << "ghostcut ctl: " << ex.failure << "\n";
    return kExitFailure;
  }
  return ex.errors.seen() ? kExitFailure : kExitOk;
}

}  // namespace ghostcut::cli
