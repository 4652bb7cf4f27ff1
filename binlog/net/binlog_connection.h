// A MySQL/MariaDB client connection for replication, on Boost.Asio C++20 coroutines.
//
// It runs the pure wire layer (FrameAssembler, HandshakeAlgorithm, TextResultSetReader) over a
// TCP or unix socket, optionally upgraded to TLS after the SSLRequest. One operation at a time.
// It delivers each binlog event's raw bytes (the dump packet's payload after its 0x00 byte);
// decoding them is binlog/event's job.
//
// Errors: every failure throws ConnectionError (this is the I/O edge). It carries an error_code
// (a binlog Errc such as auth_failed/server_error/protocol_error/packet_too_large, or an Asio/system
// code for socket errors), the server's ERR packet when there was one (code, SQL state, message),
// and connection_lost() for a dropped or killed connection. The password is never logged and
// never put into an error message.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "binlog/wire/frame_assembler.h"
#include "binlog/wire/handshake.h"
#include "binlog/wire/packets.h"
#include "binlog/wire/text_resultset.h"
#include "common/connection_settings.h"

namespace spdlog {
class logger;
}

namespace ghostcut::binlog {

// The common settings (host, credentials, TLS, timeouts) plus what only a replica client needs.
// Over a unix socket, TLS preferred means no TLS.
struct BinlogConnectionSettings : ConnectionSettings {
  std::uint32_t server_id = 0;                          // our replica server_id (unique among the source's replicas)
  std::chrono::milliseconds heartbeat_period{5'000};    // asked of the source before a dump; 0 = none
  std::size_t max_packet_size = kDefaultMaxPacketSize;  // largest packet (binlog event) accepted
};

class ConnectionError : public std::runtime_error {
 public:
  ConnectionError(std::error_code code, const std::string& what, std::optional<ErrPacket> server = std::nullopt);

  const std::error_code& code() const noexcept { return code_; }
  // The server's ERR packet, when the server said why.
  const std::optional<ErrPacket>& server_error() const noexcept { return server_; }
  std::uint16_t server_code() const noexcept { return server_ ? server_->code : 0; }
  // The socket closed or was reset, or the server killed / shut down the connection.
  bool connection_lost() const noexcept;

 private:
  std::error_code code_;
  std::optional<ErrPacket> server_;
};

class BinlogConnection {
 public:
  BinlogConnection(boost::asio::any_io_executor executor, BinlogConnectionSettings settings,
                   std::shared_ptr<spdlog::logger> logger = nullptr);
  ~BinlogConnection();
  BinlogConnection(const BinlogConnection&) = delete;
  BinlogConnection& operator=(const BinlogConnection&) = delete;

  // Connects, negotiates TLS per tls_mode and authenticates.
  boost::asio::awaitable<void> async_connect();
  // COM_QUERY → the whole text result set (columns + rows); a statement without rows gives
  // an empty result with `ok` filled in.
  boost::asio::awaitable<TextResultSet> async_query(std::string_view sql);
  // COM_QUERY for a statement; any rows are read and dropped.
  boost::asio::awaitable<OkPacket> async_execute(std::string_view sql);
  boost::asio::awaitable<void> async_ping();
  // COM_REGISTER_SLAVE with settings.server_id.
  boost::asio::awaitable<void> async_register_replica();
  // Sets the session variables a dump needs (checksum, heartbeat, MariaDB capability), then sends
  // COM_BINLOG_DUMP. flags: kBinlogDumpNonBlock ends the stream at the end of the last binlog.
  boost::asio::awaitable<void> async_start_dump(std::string file, std::uint32_t position, std::uint16_t flags = 0);
  // The next event's bytes (header included, checksum not stripped); nullopt at the end of a
  // non-blocking dump. An ERR from the server throws with its code.
  boost::asio::awaitable<std::optional<std::vector<std::uint8_t>>> async_read_event();
  // Same, without a copy: a view into the connection's receive buffer, valid only until the
  // next operation on this connection (the stream decodes each event before reading the next).
  boost::asio::awaitable<std::optional<Bytes>> async_read_event_view();
  // Sends COM_QUIT and closes.
  boost::asio::awaitable<void> async_quit();
  // Closes the socket; a pending read fails with a connection-lost error.
  void close();

  bool is_open() const noexcept;
  bool tls_active() const noexcept;
  bool dumping() const noexcept;
  std::uint32_t connection_id() const noexcept;  // the server's thread id (for KILL)
  const Handshake& server_handshake() const noexcept;
  bool is_mariadb() const noexcept { return server_handshake().is_mariadb(); }
  const BinlogConnectionSettings& settings() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghostcut::binlog
