#include "binlog/net/binlog_connection.h"

#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <charconv>
#include <fstream>
#include <sstream>

namespace ghostcut::binlog {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::awaitable;
using asio::use_awaitable;

// Coroutine note: GCC 12 mishandles some temporaries that live across a co_await (crashes seen
// with a conditional-expression std::string), so arguments of co_await calls are named locals.

namespace {

// Server error codes that mean the connection is gone.
constexpr std::uint16_t kErServerShutdown = 1053;
constexpr std::uint16_t kErConnectionKilled = 1927;  // MariaDB
constexpr std::uint16_t kCrServerLost = 2013;

// The socket, plain or TLS; one concrete type per socket kind.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual awaitable<std::size_t> read_some(asio::mutable_buffer buf) = 0;
  virtual awaitable<void> write(asio::const_buffer buf) = 0;
  virtual awaitable<void> start_tls(ssl::context& ctx, std::string server_name) = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  virtual bool tls() const = 0;
};

template <class Socket>
class SocketTransport final : public Transport {
 public:
  explicit SocketTransport(Socket socket) : socket_(std::move(socket)) {}

  awaitable<std::size_t> read_some(asio::mutable_buffer buf) override {
    if (tls_) co_return co_await tls_->async_read_some(buf, use_awaitable);
    co_return co_await socket_.async_read_some(buf, use_awaitable);
  }
  awaitable<void> write(asio::const_buffer buf) override {
    if (tls_) {
      co_await asio::async_write(*tls_, buf, use_awaitable);
    } else {
      co_await asio::async_write(socket_, buf, use_awaitable);
    }
  }
  awaitable<void> start_tls(ssl::context& ctx, std::string server_name) override {
    tls_.emplace(socket_, ctx);
    if (!server_name.empty()) SSL_set_tlsext_host_name(tls_->native_handle(), server_name.c_str());
    co_await tls_->async_handshake(ssl::stream_base::client, use_awaitable);
  }
  void close() override {
    boost::system::error_code ec;
    socket_.shutdown(Socket::shutdown_both, ec);
    socket_.close(ec);
  }
  bool is_open() const override { return socket_.is_open(); }
  bool tls() const override { return tls_.has_value(); }

  Socket& socket() { return socket_; }

 private:
  Socket socket_;
  std::optional<ssl::stream<Socket&>> tls_;
};

using TcpTransport = SocketTransport<asio::ip::tcp::socket>;
using UnixTransport = SocketTransport<asio::local::stream_protocol::socket>;

// Asio's error enums as std::error_code (Boost.System maps its categories onto std ones).
template <class E>
std::error_code std_code(E e) {
  return std::error_code(boost::system::error_code(make_error_code(e)));
}

bool is_lost_code(const std::error_code& ec) {
  for (const std::error_code lost : {std_code(asio::error::eof), std_code(asio::error::connection_reset),
                                     std_code(asio::error::broken_pipe), std_code(asio::error::connection_aborted),
                                     std_code(asio::error::operation_aborted), std_code(asio::error::bad_descriptor),
                                     std_code(asio::error::not_connected), std_code(ssl::error::stream_truncated)}) {
    if (ec == lost) return true;
  }
  return false;
}

// "8.0.36-log" → 80036; 0 when unparsable.
int version_number(std::string_view v) {
  int parts[3] = {0, 0, 0};
  const char* p = v.data();
  const char* end = v.data() + v.size();
  for (int i = 0; i < 3 && p < end; ++i) {
    auto [next, ec] = std::from_chars(p, end, parts[i]);
    if (ec != std::errc()) break;
    p = next;
    if (p < end && *p == '.') ++p;
    else break;
  }
  return parts[0] * 10000 + parts[1] * 100 + parts[2];
}

std::shared_ptr<spdlog::logger> null_logger() {
  // A logger without sinks: logging calls cost a level check only.
  return std::make_shared<spdlog::logger>("ghostcut.binlog.connection");
}

}  // namespace

ConnectionError::ConnectionError(std::error_code code, const std::string& what, std::optional<ErrPacket> server)
    : std::runtime_error(what), code_(code), server_(std::move(server)) {}

bool ConnectionError::connection_lost() const noexcept {
  if (server_) {
    return server_->code == kErConnectionKilled || server_->code == kErServerShutdown || server_->code == kCrServerLost;
  }
  return is_lost_code(code_);
}

struct BinlogConnection::Impl {
  asio::any_io_executor executor;
  BinlogConnectionSettings settings;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<Transport> transport;
  std::optional<ssl::context> tls_context;
  FrameAssembler assembler;
  std::uint8_t seq = 0;
  std::array<std::uint8_t, 64 * 1024> read_buf{};
  Handshake handshake;
  std::uint32_t capabilities = 0;
  bool dumping = false;
  bool busy = false;

  Impl(asio::any_io_executor ex, BinlogConnectionSettings s, std::shared_ptr<spdlog::logger> l)
      : executor(std::move(ex)),
        settings(std::move(s)),
        log(l ? std::move(l) : null_logger()),
        assembler(settings.max_packet_size) {}

  std::string endpoint() const {
    if (!settings.socket.empty()) return settings.socket;
    return settings.host + ":" + std::to_string(settings.port);
  }

  // A "one operation at a time" guard.
  struct Busy {
    Impl& impl;
    explicit Busy(Impl& i) : impl(i) {
      if (impl.busy) throw std::logic_error("BinlogConnection: an operation is already running");
      if (!impl.transport || !impl.transport->is_open())
        throw ConnectionError(std_code(asio::error::not_connected), "not connected to " + impl.endpoint());
      impl.busy = true;
    }
    ~Busy() { impl.busy = false; }
  };

  // After an I/O or framing error the stream is out of step: close it so is_open() tells the truth.
  [[noreturn]] void throw_io(const boost::system::system_error& e, const std::string& doing) {
    const std::error_code ec = e.code();
    transport->close();
    dumping = false;
    std::string msg = (is_lost_code(ec) ? "connection lost to " : "I/O error with ") + endpoint() + " while " + doing +
                      ": " + ec.message();
    throw ConnectionError(ec, msg);
  }

  awaitable<std::vector<std::uint8_t>> read_packet(const char* doing) {
    const Bytes p = co_await read_packet_view(doing);
    co_return std::vector<std::uint8_t>(p.data(), p.data() + p.size());
  }

  // read_packet without the copy: valid until the next read (FrameAssembler::next_view).
  awaitable<Bytes> read_packet_view(const char* doing) {
    for (;;) {
      auto p = assembler.next_view();
      if (!p) {
        transport->close();
        dumping = false;
        throw ConnectionError(p.error().code, std::string(doing) + ": " + p.error().message());
      }
      if (*p) {
        seq = assembler.expected_sequence();
        co_return **p;
      }
      std::size_t n = 0;
      try {
        n = co_await transport->read_some(asio::buffer(read_buf));
      } catch (const boost::system::system_error& e) {
        throw_io(e, doing);
      }
      assembler.feed(Bytes(read_buf.data(), n));
    }
  }

  awaitable<void> write_packet(Bytes payload, const char* doing) {
    auto wire = frame_payload(payload, seq);
    assembler.set_expected_sequence(seq);
    try {
      co_await transport->write(asio::buffer(wire));
    } catch (const boost::system::system_error& e) {
      throw_io(e, doing);
    }
  }

  awaitable<void> write_command(Bytes payload, const char* doing) {
    seq = 0;
    co_await write_packet(payload, doing);
  }

  // verify-ca: the certificate must chain to ssl_ca / ssl_capath (else the system store);
  // verify-identity: it must also name the host (DNS name or IP address; "localhost" over a socket).
  // A client certificate is sent when one is set. Bad files throw ConnectionError.
  ssl::context& ssl_context() {
    if (tls_context) return *tls_context;
    try {
      ssl::context ctx(ssl::context::tls_client);
      ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (verifies_server(settings.tls_mode)) {
        ctx.set_verify_mode(ssl::verify_peer);
        if (settings.ssl_ca.empty() && settings.ssl_capath.empty()) ctx.set_default_verify_paths();
        if (!settings.ssl_ca.empty()) ctx.load_verify_file(settings.ssl_ca);
        if (!settings.ssl_capath.empty()) ctx.add_verify_path(settings.ssl_capath);
        if (settings.tls_mode == TlsMode::kVerifyIdentity) {
          ctx.set_verify_callback(ssl::host_name_verification(settings.socket.empty() ? settings.host : "localhost"));
        }
      } else {
        ctx.set_verify_mode(ssl::verify_none);
      }
      if (!settings.ssl_cert.empty()) ctx.use_certificate_chain_file(settings.ssl_cert);
      if (!settings.ssl_key.empty()) ctx.use_private_key_file(settings.ssl_key, ssl::context::pem);
      tls_context.emplace(std::move(ctx));
    } catch (const boost::system::system_error& e) {
      throw ConnectionError(e.code(), "TLS set-up for " + endpoint() +
                                          " failed (ssl-ca/ssl-capath/ssl-cert/ssl-key): " + e.code().message());
    }
    return *tls_context;
  }

  // Makes the (unconnected) socket, so a connect timeout can close it at any step.
  void make_transport() {
    if (!settings.socket.empty()) {
      transport = std::make_unique<UnixTransport>(asio::local::stream_protocol::socket(executor));
    } else {
      transport = std::make_unique<TcpTransport>(asio::ip::tcp::socket(executor));
    }
  }

  awaitable<void> open_socket(asio::ip::tcp::resolver& resolver) {
    if (!settings.socket.empty()) {
      auto& socket = static_cast<UnixTransport&>(*transport).socket();
      co_await socket.async_connect(asio::local::stream_protocol::endpoint(settings.socket), use_awaitable);
      co_return;
    }
    auto& socket = static_cast<TcpTransport&>(*transport).socket();
    const std::string service = std::to_string(settings.port);
    auto endpoints = co_await resolver.async_resolve(settings.host, service, use_awaitable);
    co_await asio::async_connect(socket, endpoints, use_awaitable);
    socket.set_option(asio::ip::tcp::no_delay(true));
  }

  awaitable<void> authenticate() {
    HandshakeConfig cfg;
    cfg.user = settings.user;
    cfg.password = settings.password;
    if (!settings.database.empty()) cfg.database = settings.database;
    cfg.tls_mode = settings.tls_mode;
    cfg.transport_secure = !settings.socket.empty();
    if (!settings.socket.empty() && cfg.tls_mode == TlsMode::kPreferred) cfg.tls_mode = TlsMode::kDisabled;
    cfg.get_server_public_key = settings.get_server_public_key;
    if (!settings.server_public_key_path.empty()) {
      std::ifstream in(settings.server_public_key_path);
      std::stringstream pem;
      pem << in.rdbuf();
      if (!in || pem.str().empty())
        throw ConnectionError(std::make_error_code(std::errc::no_such_file_or_directory),
                              "cannot read the server public key file " + settings.server_public_key_path);
      cfg.server_public_key = pem.str();
    }
    cfg.max_packet_size = static_cast<std::uint32_t>(std::min<std::size_t>(settings.max_packet_size, 0x40000000));
    HandshakeAlgorithm hs(std::move(cfg));

    auto packet = co_await read_packet("reading the server greeting");
    for (;;) {
      HandshakeStep step = hs.on_packet(packet);
      if (step.action == HandshakeAction::kSendAndStartTls) {
        co_await write_packet(step.payload, "sending the SSL request");
        // Named, not a temporary: GCC 12 mishandles temporaries that live across a co_await.
        std::string server_name = settings.socket.empty() ? settings.host : std::string();
        ssl::context& ctx = ssl_context();
        try {
          co_await transport->start_tls(ctx, server_name);
        } catch (const boost::system::system_error& e) {
          throw ConnectionError(e.code(), "TLS handshake with " + endpoint() + " failed: " + e.code().message());
        }
        step = hs.on_tls_established();
      }
      switch (step.action) {
        case HandshakeAction::kSend: co_await write_packet(step.payload, "authenticating"); break;
        case HandshakeAction::kWait: break;
        case HandshakeAction::kDone:
          handshake = hs.greeting();
          capabilities = hs.capabilities();
          co_return;
        case HandshakeAction::kFailed:
          throw ConnectionError(
              step.error.code,
              "cannot connect to " + endpoint() + " as '" + settings.user + "': " + step.error.message(),
              step.server_error);
        case HandshakeAction::kSendAndStartTls: throw ConnectionError(Errc::kProtocolError, "TLS requested twice");
      }
      packet = co_await read_packet("authenticating");
    }
  }

  awaitable<TextResultSet> query(std::string_view sql) {
    const auto command = build_com_query(sql);
    co_await write_command(command, "sending a query");
    TextResultSetReader reader(capabilities);
    for (;;) {
      auto packet = co_await read_packet("reading a query result");
      auto done = reader.on_packet(packet);
      if (!done) {
        throw ConnectionError(done.error().code, "query on " + endpoint() + " failed: " + done.error().message(),
                              reader.server_error());
      }
      if (*done) co_return reader.take();
    }
  }

  awaitable<OkPacket> expect_ok(const char* doing) {
    auto packet = co_await read_packet(doing);
    if (is_err_packet(packet)) {
      auto err = parse_err_packet(packet);
      if (!err) throw ConnectionError(err.error().code, std::string(doing) + ": " + err.error().message());
      throw ConnectionError(Errc::kServerError, std::string(doing) + " failed: " + err->to_string(), *err);
    }
    auto ok = parse_ok_packet(packet);
    if (!ok) throw ConnectionError(ok.error().code, std::string(doing) + ": " + ok.error().message());
    co_return *ok;
  }
};

BinlogConnection::BinlogConnection(asio::any_io_executor executor, BinlogConnectionSettings settings,
                                   std::shared_ptr<spdlog::logger> logger)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(settings), std::move(logger))) {}

BinlogConnection::~BinlogConnection() { close(); }

awaitable<void> BinlogConnection::async_connect() {
  Impl& d = *impl_;
  if (d.busy) throw std::logic_error("BinlogConnection: an operation is already running");
  d.busy = true;
  struct Unbusy {
    Impl& d;
    ~Unbusy() { d.busy = false; }
  } unbusy{d};
  close();
  d.assembler = FrameAssembler(d.settings.max_packet_size);
  d.seq = 0;
  d.dumping = false;
  d.log->debug("connecting to {} as '{}' (tls {})", d.endpoint(), d.settings.user, to_string(d.settings.tls_mode));

  // The timer closes the socket (and cancels the resolver); that fails whatever step is pending.
  // The state is shared so a late timer callback never touches a finished coroutine frame.
  struct TimeoutState {
    bool fired = false;
    Transport* transport = nullptr;
    asio::ip::tcp::resolver* resolver = nullptr;
  };
  d.make_transport();
  asio::ip::tcp::resolver resolver(d.executor);
  auto state = std::make_shared<TimeoutState>();
  state->transport = d.transport.get();
  state->resolver = &resolver;
  asio::steady_timer timer(d.executor);
  timer.expires_after(d.settings.connect_timeout);
  timer.async_wait([state](const boost::system::error_code& ec) {
    if (ec || !state->transport) return;
    state->fired = true;
    state->resolver->cancel();
    state->transport->close();
  });
  auto timed_out = [&]() {
    return ConnectionError(std_code(asio::error::timed_out), "connecting to " + d.endpoint() + " timed out after " +
                                                                 std::to_string(d.settings.connect_timeout.count()) +
                                                                 " ms");
  };
  auto disarm = [&]() {
    state->transport = nullptr;
    state->resolver = nullptr;
    timer.cancel();
  };

  try {
    try {
      co_await d.open_socket(resolver);
    } catch (const boost::system::system_error& e) {
      if (state->fired) throw timed_out();
      throw ConnectionError(e.code(), "cannot connect to " + d.endpoint() + ": " + e.code().message());
    }
    co_await d.authenticate();
  } catch (const ConnectionError& e) {
    disarm();
    close();
    if (state->fired) {
      auto t = timed_out();
      d.log->warn("{}", t.what());
      throw t;
    }
    d.log->warn("{}", e.what());
    throw;
  }
  disarm();
  d.log->info("connected to {} ({}), connection id {}{}", d.endpoint(), d.handshake.server_version,
              d.handshake.connection_id, tls_active() ? ", TLS" : "");
}

awaitable<TextResultSet> BinlogConnection::async_query(std::string_view sql) {
  Impl::Busy busy(*impl_);
  if (impl_->dumping) throw std::logic_error("BinlogConnection: no queries while a binlog dump is running");
  co_return co_await impl_->query(sql);
}

awaitable<OkPacket> BinlogConnection::async_execute(std::string_view sql) {
  Impl::Busy busy(*impl_);
  if (impl_->dumping) throw std::logic_error("BinlogConnection: no statements while a binlog dump is running");
  auto rs = co_await impl_->query(sql);
  co_return rs.ok;
}

awaitable<void> BinlogConnection::async_ping() {
  Impl::Busy busy(*impl_);
  const auto command = build_com_ping();
  co_await impl_->write_command(command, "sending COM_PING");
  co_await impl_->expect_ok("COM_PING");
}

awaitable<void> BinlogConnection::async_register_replica() {
  Impl::Busy busy(*impl_);
  RegisterReplica r;
  r.server_id = impl_->settings.server_id;
  auto packet = build_com_register_slave(r);
  if (!packet) throw ConnectionError(packet.error().code, packet.error().message());
  co_await impl_->write_command(*packet, "sending COM_REGISTER_SLAVE");
  co_await impl_->expect_ok("COM_REGISTER_SLAVE");
}

awaitable<void> BinlogConnection::async_start_dump(std::string file, std::uint32_t position, std::uint16_t flags) {
  Impl& d = *impl_;
  Impl::Busy busy(d);
  if (d.dumping) throw std::logic_error("BinlogConnection: a binlog dump is already running");
  // Tell the source we understand checksums; otherwise it refuses to send CRC32 binlogs.
  co_await d.query("SET @master_binlog_checksum = @@global.binlog_checksum");
  const bool mariadb = d.handshake.is_mariadb();
  const bool mysql_source_names = !mariadb && version_number(d.handshake.server_version) >= 80026;
  if (mysql_source_names) co_await d.query("SET @source_binlog_checksum = @@global.binlog_checksum");
  if (d.settings.heartbeat_period.count() > 0) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d.settings.heartbeat_period).count();
    const std::string master_heartbeat = "SET @master_heartbeat_period = " + std::to_string(ns);
    const std::string source_heartbeat = "SET @source_heartbeat_period = " + std::to_string(ns);
    co_await d.query(master_heartbeat);
    if (mysql_source_names) co_await d.query(source_heartbeat);
  }
  // MariaDB sends GTID events only to replicas that say they understand them (MARIA_SLAVE_CAPABILITY_GTID).
  if (mariadb) co_await d.query("SET @mariadb_slave_capability = 4");

  BinlogDump dump{.file = std::move(file), .position = position, .flags = flags, .server_id = d.settings.server_id};
  d.log->info("starting binlog dump from {}:{} as server_id {}", dump.file, dump.position, dump.server_id);
  const auto command = build_com_binlog_dump(dump);
  co_await d.write_command(command, "sending COM_BINLOG_DUMP");
  d.dumping = true;
}

awaitable<std::optional<std::vector<std::uint8_t>>> BinlogConnection::async_read_event() {
  auto view = co_await async_read_event_view();
  if (!view) co_return std::nullopt;
  co_return std::optional<std::vector<std::uint8_t>>(std::vector<std::uint8_t>(view->begin(), view->end()));
}

awaitable<std::optional<Bytes>> BinlogConnection::async_read_event_view() {
  Impl& d = *impl_;
  Impl::Busy busy(d);
  if (!d.dumping) throw std::logic_error("BinlogConnection: async_read_event without a running dump");
  const Bytes packet = co_await d.read_packet_view("reading a binlog event");
  if (packet.empty()) throw ConnectionError(Errc::kProtocolError, "empty packet in the binlog stream");
  switch (packet[0]) {
    case kOkHeader: co_return std::optional<Bytes>(packet.subspan(1));
    case kErrHeader: {
      d.dumping = false;
      auto err = parse_err_packet(packet);
      if (!err) throw ConnectionError(err.error().code, "binlog stream: " + err.error().message());
      throw ConnectionError(Errc::kServerError, "binlog dump from " + d.endpoint() + " failed: " + err->to_string(),
                            *err);
    }
    case kEofHeader: d.dumping = false; co_return std::nullopt;
    default:
      close();
      throw ConnectionError(Errc::kProtocolError,
                            "binlog stream: unexpected packet header " + std::to_string(packet[0]));
  }
}

awaitable<void> BinlogConnection::async_quit() {
  if (!is_open()) co_return;
  {
    Impl::Busy busy(*impl_);
    try {
      const auto command = build_com_quit();
      co_await impl_->write_command(command, "sending COM_QUIT");
    } catch (const ConnectionError&) {
      // The server may already be gone; closing is all that is left.
    }
  }
  close();
}

void BinlogConnection::close() {
  if (impl_->transport) impl_->transport->close();
  impl_->dumping = false;
}

bool BinlogConnection::is_open() const noexcept { return impl_->transport && impl_->transport->is_open(); }
bool BinlogConnection::tls_active() const noexcept { return impl_->transport && impl_->transport->tls(); }
bool BinlogConnection::dumping() const noexcept { return impl_->dumping; }
std::uint32_t BinlogConnection::connection_id() const noexcept { return impl_->handshake.connection_id; }
const Handshake& BinlogConnection::server_handshake() const noexcept { return impl_->handshake; }
const BinlogConnectionSettings& BinlogConnection::settings() const noexcept { return impl_->settings; }

}  // namespace ghostcut::binlog
