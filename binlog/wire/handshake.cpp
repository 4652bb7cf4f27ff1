#include "binlog/wire/handshake.h"

#include "binlog/wire/auth.h"

namespace ghostcut::binlog {
namespace {

// What we ask for; the server's greeting decides what we get.
constexpr std::uint32_t kWantedCapabilities =
    capability::kLongPassword | capability::kLongFlag | capability::kProtocol41 | capability::kTransactions |
    capability::kSecureConnection | capability::kMultiResults | capability::kPluginAuth |
    capability::kPluginAuthLenencClientData | capability::kDeprecateEof;

std::string fmt_hex(std::uint8_t b) {
  const char* digits = "0123456789ABCDEF";
  return {digits[b >> 4], digits[b & 0xF]};
}

}  // namespace

HandshakeStep HandshakeAlgorithm::fail(Error e, std::optional<ErrPacket> server) {
  state_ = State::kFailed;
  HandshakeStep s;
  s.action = HandshakeAction::kFailed;
  s.error = std::move(e);
  s.server_error = std::move(server);
  return s;
}

HandshakeStep HandshakeAlgorithm::send(std::vector<std::uint8_t> payload) {
  HandshakeStep s;
  s.action = HandshakeAction::kSend;
  s.payload = std::move(payload);
  return s;
}

HandshakeStep HandshakeAlgorithm::on_packet(Bytes payload) {
  switch (state_) {
    case State::kGreeting: return on_greeting(payload);
    case State::kAuthResult: return on_auth_result(payload);
    case State::kPublicKey: return on_public_key(payload);
    case State::kTls: return fail(Error(Errc::kProtocolError, "server packet while the TLS handshake was pending"));
    case State::kDone: return fail(Error(Errc::kProtocolError, "server packet after authentication finished"));
    case State::kFailed: break;
  }
  return fail(Error(Errc::kProtocolError, "handshake already failed"));
}

HandshakeStep HandshakeAlgorithm::on_greeting(Bytes payload) {
  if (is_err_packet(payload)) {
    auto err = parse_err_packet(payload);
    if (!err) return fail(err.error());
    return fail(Error(Errc::kServerError, "server refused the connection: " + err->to_string()), *err);
  }
  auto parsed = parse_handshake(payload);
  if (!parsed) return fail(parsed.error());
  greeting_ = std::move(*parsed);
  const std::uint32_t server = greeting_.capabilities;
  if (!(server & capability::kProtocol41) || !(server & capability::kSecureConnection))
    return fail(Error(Errc::kUnsupported,
                      "server " + greeting_.server_version + " lacks CLIENT_PROTOCOL_41 / SECURE_CONNECTION"));

  capabilities_ = kWantedCapabilities & server;
  if (config_.database && (server & capability::kConnectWithDb)) capabilities_ |= capability::kConnectWithDb;
  plugin_ = greeting_.auth_plugin_name.empty() ? std::string(kNativePasswordPlugin) : greeting_.auth_plugin_name;
  salt_ = greeting_.auth_plugin_data;

  const bool server_tls = (server & capability::kSsl) != 0;
  if (config_.tls_mode >= TlsMode::kRequired && !server_tls)
    return fail(Error(Errc::kUnsupported, std::string("TLS is required (ssl-mode ") + to_string(config_.tls_mode) +
                                              ") but the server does not offer it"));
  if (config_.tls_mode != TlsMode::kDisabled && server_tls) {
    capabilities_ |= capability::kSsl;
    state_ = State::kTls;
    HandshakeStep s;
    s.action = HandshakeAction::kSendAndStartTls;
    s.payload = build_ssl_request(capabilities_, config_.max_packet_size, config_.charset);
    return s;
  }
  return response41();
}

HandshakeStep HandshakeAlgorithm::on_tls_established() {
  if (state_ != State::kTls) return fail(Error(Errc::kProtocolError, "TLS established without an SSLRequest"));
  return response41();
}

HandshakeStep HandshakeAlgorithm::response41() {
  auto auth = auth_response(plugin_);
  if (!auth) {
    // A plugin we do not know: answer as mysql_native_password and let the server switch us.
    plugin_ = std::string(kNativePasswordPlugin);
    auth = auth_response(plugin_);
    if (!auth) return fail(auth.error());
  }
  HandshakeResponse r;
  r.capabilities = capabilities_;
  r.max_packet_size = config_.max_packet_size;
  r.charset = config_.charset;
  r.user = config_.user;
  r.auth_response = std::move(*auth);
  r.database = config_.database;
  r.auth_plugin_name = plugin_;
  state_ = State::kAuthResult;
  return send(build_handshake_response(r));
}

Result<std::vector<std::uint8_t>> HandshakeAlgorithm::auth_response(const std::string& plugin) const {
  if (plugin == kNativePasswordPlugin) return scramble_native_password(config_.password, salt_);
  if (plugin == kCachingSha2PasswordPlugin) return scramble_caching_sha2_password(config_.password, salt_);
  if (plugin == kClearPasswordPlugin) {
    if (!clear_allowed())
      return Error(Errc::kAuthFailed,
                   "mysql_clear_password refused: the password would go in clear to a server that is not verified "
                   "(use ssl-mode verify-ca or verify-identity, or a unix socket)");
    return clear_password_with_nul(config_.password);
  }
  return Error(Errc::kUnsupported, "authentication plugin " + plugin);
}

HandshakeStep HandshakeAlgorithm::on_auth_result(Bytes payload) {
  if (payload.empty()) return fail(Error(Errc::kProtocolError, "empty packet during authentication"));
  switch (payload[0]) {
    case kOkHeader: {
      auto ok = parse_ok_packet(payload);
      if (!ok) return fail(ok.error());
      state_ = State::kDone;
      HandshakeStep s;
      s.action = HandshakeAction::kDone;
      return s;
    }
    case kErrHeader: {
      auto err = parse_err_packet(payload);
      if (!err) return fail(err.error());
      return fail(Error(Errc::kAuthFailed, err->to_string()), *err);
    }
    case kAuthSwitchHeader: {
      if (payload.size() == 1)
        return fail(Error(Errc::kUnsupported, "server asks for the pre-4.1 password hash (old_passwords)"));
      auto req = parse_auth_switch_request(payload);
      if (!req) return fail(req.error());
      plugin_ = std::move(req->plugin_name);
      salt_ = std::move(req->plugin_data);
      auto auth = auth_response(plugin_);
      if (!auth) return fail(Error(Errc::kAuthFailed, "auth switch: " + auth.error().message()));
      return send(std::move(*auth));
    }
    case kAuthMoreDataHeader: {
      if (plugin_ != kCachingSha2PasswordPlugin)
        return fail(Error(Errc::kProtocolError, "AuthMoreData for plugin " + plugin_));
      if (payload.size() != 2)
        return fail(Error(Errc::kProtocolError, "caching_sha2_password: unexpected AuthMoreData"));
      if (payload[1] == kCachingSha2FastAuthOk) return HandshakeStep{};  // OK follows
      if (payload[1] == kCachingSha2PerformFullAuth) {
        if (secure()) return send(clear_password_with_nul(config_.password));
        if (!config_.server_public_key.empty()) {
          auto encrypted = rsa_encrypt_password(config_.password, salt_, config_.server_public_key);
          if (!encrypted) return fail(encrypted.error());
          return send(std::move(*encrypted));
        }
        if (!config_.get_server_public_key)
          return fail(Error(Errc::kAuthFailed,
                            "caching_sha2_password needs the full password, and the connection is neither TLS nor a "
                            "unix socket: use TLS (ssl-mode), --server-public-key-path FILE, or "
                            "--get-server-public-key (trusts the RSA key the server sends)"));
        state_ = State::kPublicKey;
        return send({kCachingSha2RequestPublicKey});
      }
      return fail(Error(Errc::kProtocolError,
                        "caching_sha2_password: unknown AuthMoreData code " + std::to_string(payload[1])));
    }
    default:
      return fail(Error(Errc::kProtocolError, "unexpected packet 0x" + fmt_hex(payload[0]) + " during authentication"));
  }
}

HandshakeStep HandshakeAlgorithm::on_public_key(Bytes payload) {
  if (is_err_packet(payload)) {
    auto err = parse_err_packet(payload);
    if (!err) return fail(err.error());
    return fail(Error(Errc::kAuthFailed, err->to_string()), *err);
  }
  auto key = parse_auth_more_data(payload);
  if (!key) return fail(Error(Errc::kProtocolError, "caching_sha2_password: expected the server's public key"));
  auto encrypted = rsa_encrypt_password(config_.password, salt_, as_chars(*key));
  if (!encrypted) return fail(encrypted.error());
  state_ = State::kAuthResult;
  return send(std::move(*encrypted));
}

}  // namespace ghostcut::binlog
