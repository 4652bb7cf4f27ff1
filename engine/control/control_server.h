// The control socket: a line server on the io thread (gh-ost's --serve-socket-file and
// --serve-tcp-port). Each connection is its own coroutine, so a slow or idle client never holds
// up another. Protocol: one command per line ("\n", "\r\n" tolerated), one reply per command,
// written as its text plus "\n"; a failed command's reply is "ERROR: <text>\n" so scripts can tell.
// Over TCP a command that changes anything needs the token first: a line "auth <token>" (a wrong
// one closes the connection); throttle-query= and throttle-control-replicas= (they make ghostcut
// run SQL or connect somewhere) are refused over TCP even then. The unix socket (mode 0600, and
// a path owned by another user is refused) accepts everything.
// Empty lines are ignored; a line over kMaxControlLineBytes gets an error and the connection
// closes; on the client's EOF the pending replies are written, then the server closes.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <boost/asio/any_io_executor.hpp>

#include "engine/control/command.h"

namespace ghostcut::engine {

inline constexpr std::size_t kMaxControlLineBytes = 64 * 1024;

struct ControlServerConfig {
  std::string socket_path;                // unix socket; empty = none
  std::optional<std::uint16_t> tcp_port;  // nullopt = no TCP; 0 = ephemeral (tests)
  std::string tcp_bind = "127.0.0.1";
  std::string tcp_token;  // what "auth <token>" must carry; empty: no TCP client may change anything
};

namespace detail {
struct ControlServerState;  // shared with the connection coroutines, which may outlive the server briefly
}

// One line in → one reply out. The handler runs on the io thread; it must be quick.
using ControlLineHandler = std::function<CommandReply(std::string_view line)>;

class ControlServer {
 public:
  ControlServer(boost::asio::any_io_executor executor, ControlServerConfig config, ControlLineHandler handler,
                std::shared_ptr<spdlog::logger> logger);
  // Closes (posted to the executor, as stop() does) and removes the socket file it created.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds and listens (call from any thread BEFORE the io_context runs, or on the io thread).
  // Throws std::runtime_error naming the path/endpoint: a live server already on the socket path,
  // a path that is not a socket or does not fit sun_path, an unwritable directory, a TCP port in
  // use. A stale socket file (nothing listening) is replaced. The socket file is mode 0600.
  // Once only (std::logic_error on a second call, even after a failed one).
  void start();
  // Thread-safe: closes the acceptors and every client (posted to the executor) and removes the
  // socket file (at once, before returning). Idempotent.
  void stop();
  std::uint16_t tcp_port() const;  // the bound port (after start), 0 when none
  const std::string& socket_path() const;

 private:
  void start_unix();
  void start_tcp();
  void remove_socket_file();

  ControlServerConfig config_;
  std::shared_ptr<detail::ControlServerState> state_;
  std::atomic<bool> started_{false};
  std::atomic<std::uint16_t> tcp_port_{0};
  std::atomic<bool> socket_file_created_{false};
  std::uint64_t socket_dev_ = 0;  // identity of the file we created: only that one is removed
  std::uint64_t socket_ino_ = 0;
};

// Default socket path: <default_socket_dir()>/ghostcut.<database>.<table>.sock ('/' in a name becomes '_');
// the directory is private to the user (control_access.h), so nobody else can squat the name.
std::string default_socket_path(std::string_view database, std::string_view table);

}  // namespace ghostcut::engine
