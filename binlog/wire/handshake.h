// The client side of the connection phase as a pure step function.
//
//   server: Handshake v10                 → client: [SSLRequest, start TLS,] HandshakeResponse41
//   server: AuthSwitchRequest (0xFE)      → client: auth response for the named plugin + new salt
//   server: AuthMoreData (0x01) 0x03      → (caching_sha2 fast auth ok) wait for OK
//   server: AuthMoreData (0x01) 0x04      → (caching_sha2 full auth) password+NUL over TLS or a unix
//                                           socket; else RSA with the configured key, else 0x02
//                                           (request the public key) when allowed, else fail
//   mysql_clear_password                  → only over a unix socket or TLS with a verified server
//   server: AuthMoreData (0x01) PEM key   → RSA-OAEP((password + NUL) XOR salt)
//   server: OK (0x00)                     → done
//   server: ERR (0xFF)                    → failed (auth_failed; the server's code/message kept)
// No I/O here: the connection feeds each server payload to on_packet() and does what comes out.
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "binlog/error.h"
#include "binlog/wire/packets.h"
#include "common/connection_settings.h"

namespace ghostcut::binlog {

struct HandshakeConfig {
  std::string user;
  std::string password;
  std::optional<std::string> database;
  TlsMode tls_mode = TlsMode::kPreferred;
  // A unix socket counts as secure: caching_sha2 may send the password in clear over it.
  bool transport_secure = false;
  // caching_sha2 full authentication without TLS or a socket: RSA-encrypt the password with this
  // PEM key (the operator's --server-public-key-path), or, only when get_server_public_key is set,
  // with the key the server sends (unauthenticated: a man in the middle could send his own).
  std::string server_public_key;
  bool get_server_public_key = false;
  std::uint32_t max_packet_size = 0x40000000;
  std::uint8_t charset = kDefaultCharset;
};

enum class HandshakeAction {
  kSend,             // write payload, then feed the server's next packet
  kSendAndStartTls,  // write payload (SSLRequest), run the TLS handshake, call on_tls_established()
  kWait,             // nothing to write; feed the server's next packet
  kDone,             // authenticated
  kFailed,           // see error (and server_error when the server said why)
};

struct HandshakeStep {
  HandshakeAction action = HandshakeAction::kWait;
  std::vector<std::uint8_t> payload;
  Error error;
  std::optional<ErrPacket> server_error;
};

class HandshakeAlgorithm {
 public:
  explicit HandshakeAlgorithm(HandshakeConfig config) : config_(std::move(config)) {}

  // Feed one server packet payload (framing already removed).
  [[nodiscard]] HandshakeStep on_packet(Bytes payload);
  // After send_and_start_tls, once TLS is up: returns the HandshakeResponse41 to send.
  [[nodiscard]] HandshakeStep on_tls_established();

  const Handshake& greeting() const noexcept { return greeting_; }
  std::uint32_t capabilities() const noexcept { return capabilities_; }  // negotiated client flags
  bool tls_requested() const noexcept { return (capabilities_ & capability::kSsl) != 0; }
  const std::string& plugin() const noexcept { return plugin_; }
  bool finished() const noexcept { return state_ == State::kDone || state_ == State::kFailed; }

 private:
  enum class State { kGreeting, kTls, kAuthResult, kPublicKey, kDone, kFailed };

  HandshakeStep on_greeting(Bytes payload);
  HandshakeStep on_auth_result(Bytes payload);
  HandshakeStep on_public_key(Bytes payload);
  HandshakeStep response41();
  HandshakeStep fail(Error e, std::optional<ErrPacket> server = std::nullopt);
  HandshakeStep send(std::vector<std::uint8_t> payload);
  Result<std::vector<std::uint8_t>> auth_response(const std::string& plugin) const;
  bool secure() const noexcept { return config_.transport_secure || tls_requested(); }
  // The password may go in clear: a unix socket, or TLS whose server certificate was verified.
  bool clear_allowed() const noexcept {
    return config_.transport_secure || (tls_requested() && verifies_server(config_.tls_mode));
  }

  HandshakeConfig config_;
  State state_ = State::kGreeting;
  Handshake greeting_;
  std::uint32_t capabilities_ = 0;
  std::string plugin_;
  std::vector<std::uint8_t> salt_;
};

}  // namespace ghostcut::binlog
