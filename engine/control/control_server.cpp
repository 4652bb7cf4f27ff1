#include "engine/control/control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/fmt/fmt.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <type_traits>

#include "engine/control/control_access.h"

namespace ghostcut::engine {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
using UnixProtocol = asio::local::stream_protocol;
using Tcp = asio::ip::tcp;

namespace detail {

// Everything the coroutines touch. Only ever used on `strand`, so it needs no lock.
struct ControlServerState {
  asio::strand<asio::any_io_executor> strand;
  ControlLineHandler handler;
  std::shared_ptr<spdlog::logger> logger;
  std::string tcp_token;
  std::optional<UnixProtocol::acceptor> unix_acceptor;
  std::optional<Tcp::acceptor> tcp_acceptor;
  std::map<std::uint64_t, std::function<void()>> clients;  // id → closes that client's socket
  std::uint64_t next_client_id = 1;
  bool stopped = false;

  void close_all() {
    stopped = true;
    error_code ignored;
    if (unix_acceptor) unix_acceptor->close(ignored);
    if (tcp_acceptor) tcp_acceptor->close(ignored);
    // A closer does not erase itself (the coroutine does, on its way out), so iterating is safe.
    for (auto& [id, close] : clients) close();
  }
};

}  // namespace detail

namespace {

using State = detail::ControlServerState;

std::string endpoint_text(const Tcp::endpoint& ep) {
  const auto addr = ep.address();
  return addr.is_v6() ? fmt::format("[{}]:{}", addr.to_string(), ep.port())
                      : fmt::format("{}:{}", addr.to_string(), ep.port());
}

// Errors that just mean "the client went away" or "we are closing": not worth a warning.
bool is_disconnect(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor || ec == asio::error::not_connected;
}

std::string reply_text(const CommandReply& reply) {
  return reply.ok ? reply.text + "\n" : "ERROR: " + reply.text + "\n";
}

// What a connection may do: the unix socket everything, TCP read-only until "auth <token>".
enum class ControlChannel { kUnix, kTcp };
struct ControlSession {
  ControlChannel channel;
  bool authenticated = false;
  bool close = false;  // set after a wrong token
};

// The server's own "auth" line; nullopt when `line` is not one.
std::optional<CommandReply> authenticate_line(State& s, ControlSession& session, std::string_view line,
                                              const std::string& peer) {
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return std::nullopt;
  line.remove_prefix(start);
  if (line.substr(0, 4) != "auth" || (line.size() > 4 && line[4] != ' ' && line[4] != '\t')) return std::nullopt;
  std::string_view token = line.substr(4);
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (session.channel == ControlChannel::kUnix) return CommandReply{true, "ok: the unix socket needs no token"};
  if (!s.tcp_token.empty() && token_equals(token, s.tcp_token)) {
    session.authenticated = true;
    return CommandReply{true, "ok: authenticated"};
  }
  s.logger->warn("control {}: wrong control token; closing the connection", peer);
  session.close = true;
  return CommandReply{false, s.tcp_token.empty()
                                 ? "this migration accepts no token over TCP (it was started without one)"
                                 : "wrong token; closing the connection"};
}

// nullopt: go ahead; otherwise the refusal.
std::optional<CommandReply> refuse_on_channel(const ControlSession& session, std::string_view line) {
  if (session.channel == ControlChannel::kUnix) return std::nullopt;
  const auto command = parse_command(line);
  if (!command) return std::nullopt;  // the handler answers the parse error and changes nothing
  switch (command_access(*command)) {
    case CommandAccess::kReadOnly: return std::nullopt;
    case CommandAccess::kUnixOnly:
      return CommandReply{false,
                          "this command makes ghostcut run SQL or connect to a host: it is accepted only on the "
                          "unix control socket"};
    case CommandAccess::kMutating:
      if (session.authenticated) return std::nullopt;
      return CommandReply{false,
                          "this command changes the migration: over TCP send the token first "
                          "(ghostcut ctl --tcp HOST:PORT --token-file FILE)"};
  }
  return std::nullopt;
}

CommandReply run_handler(State& s, std::string_view line, const std::string& peer) {
  s.logger->debug("control {}: command '{}'", peer, line);
  try {
    return s.handler(line);
  } catch (const std::exception& e) {
    s.logger->warn("control {}: command '{}' failed: {}", peer, line, e.what());
    return {false, std::string("internal error: ") + e.what()};
  }
}

// One client: read a line, answer it, repeat, until EOF, an error or stop().
template <typename Socket>
awaitable<void> serve_client(std::shared_ptr<State> s, Socket socket, std::string peer, ControlSession session) {
  if (s->stopped) co_return;
  const std::uint64_t id = s->next_client_id++;
  s->clients.emplace(id, [&socket] {
    error_code ignored;
    socket.close(ignored);
  });
  // Unregisters on every exit path, including the frame being destroyed with its io_context.
  struct Unregister {
    State& s;
    std::uint64_t id;
    ~Unregister() { s.clients.erase(id); }
  } unregister{*s, id};
  s->logger->debug("control: {} connected", peer);

  std::string buffer;
  error_code ec;
  bool more = true;
  while (more && !s->stopped) {
    std::string reply;
    const std::size_t n = co_await asio::async_read_until(
        socket, asio::dynamic_buffer(buffer, kMaxControlLineBytes + 1), '\n', asio::redirect_error(use_awaitable, ec));
    std::string line;
    if (!ec) {
      line = buffer.substr(0, n - 1);
      buffer.erase(0, n);
    } else if (ec == asio::error::eof) {
      line = std::move(buffer);  // a last line without "\n" still counts
      buffer.clear();
      more = false;
    } else if (ec == asio::error::not_found) {
      s->logger->warn("control {}: line longer than {} bytes; closing the connection", peer, kMaxControlLineBytes);
      reply = fmt::format("ERROR: line longer than {} bytes; closing the connection\n", kMaxControlLineBytes);
      more = false;
    } else {
      if (!is_disconnect(ec)) s->logger->warn("control {}: read failed: {}", peer, ec.message());
      break;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && !s->stopped) {
      if (auto auth = authenticate_line(*s, session, line, peer)) {
        reply = reply_text(*auth);
        if (session.close) more = false;
      } else if (auto no = refuse_on_channel(session, line)) {
        s->logger->info("control {}: refused '{}': {}", peer, line.substr(0, line.find('=')), no->text);
        reply = reply_text(*no);
      } else {
        reply = reply_text(run_handler(*s, line, peer));
      }
    }
    if (reply.empty()) continue;
    co_await asio::async_write(socket, asio::buffer(reply), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (!is_disconnect(ec)) s->logger->warn("control {}: write failed: {}", peer, ec.message());
      break;
    }
  }
  error_code ignored;
  socket.shutdown(Socket::shutdown_both, ignored);
  socket.close(ignored);
  s->logger->debug("control: {} disconnected", peer);
}

std::string peer_name(const UnixProtocol::socket&, std::uint64_t n) { return fmt::format("unix client #{}", n); }
std::string peer_name(const Tcp::socket& socket, std::uint64_t) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("tcp client") : "tcp client " + endpoint_text(ep);
}

template <typename Acceptor>
awaitable<void> accept_loop(std::shared_ptr<State> s, Acceptor& acceptor, std::string where) {
  std::uint64_t accepted = 0;
  asio::steady_timer backoff(s->strand);
  while (!s->stopped) {
    error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
    if (s->stopped || ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) {
      // Out of descriptors and the like: say so, wait a moment, keep serving.
      s->logger->warn("control {}: accept failed: {}", where, ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    std::string peer = peer_name(socket, ++accepted);
    const ControlSession session{std::is_same_v<Acceptor, Tcp::acceptor> ? ControlChannel::kTcp
                                                                         : ControlChannel::kUnix};
    asio::co_spawn(s->strand, serve_client(s, std::move(socket), std::move(peer), session), asio::detached);
  }
  s->logger->debug("control {}: no longer accepting", where);
}

}  // namespace

ControlServer::ControlServer(asio::any_io_executor executor, ControlServerConfig config, ControlLineHandler handler,
                             std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      state_(std::make_shared<State>(State{asio::make_strand(executor),
                                           std::move(handler),
                                           logger ? std::move(logger) : std::make_shared<spdlog::logger>("control"),
                                           config_.tcp_token,
                                           std::nullopt,
                                           std::nullopt,
                                           {},
                                           1,
                                           false})) {
  if (!state_->handler) throw std::invalid_argument("ControlServer: no line handler");
}

ControlServer::~ControlServer() { stop(); }

void ControlServer::start() {
  // The accept loops hold references to the acceptors: a second start() would pull them away.
  if (started_.exchange(true)) throw std::logic_error("ControlServer::start() called twice");
  try {
    if (!config_.socket_path.empty()) start_unix();
    if (config_.tcp_port) start_tcp();
  } catch (...) {
    // Leave nothing half open: start() runs before the io_context or on its thread, so this is safe.
    error_code ignored;
    if (state_->unix_acceptor) state_->unix_acceptor->close(ignored);
    if (state_->tcp_acceptor) state_->tcp_acceptor->close(ignored);
    remove_socket_file();
    throw;
  }
}

void ControlServer::start_unix() {
  const std::string& path = config_.socket_path;
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    throw std::runtime_error(
        fmt::format("control socket path {} is {} bytes long; a unix socket path must be shorter than {} bytes", path,
                    path.size(), sizeof(sockaddr_un::sun_path)));
  }
  const UnixProtocol::endpoint endpoint(path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw std::runtime_error(fmt::format("{} exists and is not a socket; refusing to replace it", path));
    }
    // Another user's socket may be a squatter waiting for our clients (or theirs): never talk to
    // it nor replace it.
    if (st.st_uid != ::geteuid()) {
      throw std::runtime_error(
          fmt::format("control socket path {} is owned by uid {}, not by this user (uid {}); "
                      "refusing it",
                      path, st.st_uid, ::geteuid()));
    }
    // A live server answers a connect; a stale file (its process died) refuses it.
    UnixProtocol::socket probe(state_->strand);
    error_code ec;
    probe.connect(endpoint, ec);
    if (!ec) throw std::runtime_error(fmt::format("another ghostcut is serving {}", path));
    if (ec != asio::error::connection_refused) {
      throw std::runtime_error(fmt::format("cannot check the existing control socket {}: {}", path, ec.message()));
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      throw std::runtime_error(
          fmt::format("cannot replace the stale control socket {}: {}", path, std::strerror(errno)));
    }
    state_->logger->info("control: replaced the stale socket file {}", path);
  } else if (errno != ENOENT) {
    throw std::runtime_error(fmt::format("cannot use control socket path {}: {}", path, std::strerror(errno)));
  }

  auto& acceptor = state_->unix_acceptor.emplace(state_->strand);
  error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create control socket {}: {}", path, ec.message()));
  // bind() creates the file with the process umask; 077 closes the window before the chmod.
  // (umask is process-wide; this is a few microseconds at startup.)
  const mode_t old_mask = ::umask(077);
  acceptor.bind(endpoint, ec);
  ::umask(old_mask);
  if (ec) throw std::runtime_error(fmt::format("cannot create control socket {}: {}", path, ec.message()));
  if (::lstat(path.c_str(), &st) != 0) {
    throw std::runtime_error(fmt::format("control socket {} vanished after bind: {}", path, std::strerror(errno)));
  }
  socket_dev_ = st.st_dev;
  socket_ino_ = st.st_ino;
  socket_file_created_ = true;
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0) {
    throw std::runtime_error(fmt::format("cannot set mode 0600 on control socket {}: {}", path, std::strerror(errno)));
  }
  if (!S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != 0600) {
    throw std::runtime_error(fmt::format("control socket {} has mode {:o}, not 0600", path, st.st_mode & 07777));
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot listen on control socket {}: {}", path, ec.message()));
  state_->logger->info("control: serving on unix socket {}", path);
  asio::co_spawn(state_->strand, accept_loop(state_, acceptor, path), asio::detached);
}

void ControlServer::start_tcp() {
  error_code ec;
  const auto address = asio::ip::make_address(config_.tcp_bind, ec);
  if (ec) throw std::runtime_error(fmt::format("control TCP bind address '{}' is not an IP address", config_.tcp_bind));
  const Tcp::endpoint endpoint(address, *config_.tcp_port);
  auto& acceptor = state_->tcp_acceptor.emplace(state_->strand);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot listen on {}: {}", endpoint_text(endpoint), ec.message()));
  const auto local = acceptor.local_endpoint(ec);
  if (ec) throw std::runtime_error(fmt::format("cannot read the bound TCP port: {}", ec.message()));
  tcp_port_ = local.port();
  state_->logger->info("control: serving on tcp {}", endpoint_text(local));
  asio::co_spawn(state_->strand, accept_loop(state_, acceptor, endpoint_text(local)), asio::detached);
}

void ControlServer::stop() {
  asio::post(state_->strand, [s = state_] { s->close_all(); });
  remove_socket_file();
}

void ControlServer::remove_socket_file() {
  if (!socket_file_created_.exchange(false)) return;
  const std::string& path = config_.socket_path;
  // Only the file we created: another process may have replaced it since.
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (static_cast<std::uint64_t>(st.st_dev) != socket_dev_ || static_cast<std::uint64_t>(st.st_ino) != socket_ino_) {
    state_->logger->warn("control: {} is no longer the socket this process created; leaving it", path);
    return;
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    state_->logger->warn("control: cannot remove {}: {}", path, std::strerror(errno));
  }
}

std::uint16_t ControlServer::tcp_port() const { return tcp_port_.load(); }

const std::string& ControlServer::socket_path() const { return config_.socket_path; }

std::string default_socket_path(std::string_view database, std::string_view table) {
  auto clean = [](std::string_view name) {
    std::string out(name);
    for (char& c : out) {
      if (c == '/' || c == '\0') c = '_';
    }
    return out;
  };
  return fmt::format("{}/ghostcut.{}.{}.sock", default_socket_dir(), clean(database), clean(table));
}

}  // namespace ghostcut::engine
