// Where and how to connect to a server: one type for the engine's SQL connections and the binlog
// client (which adds its replica-only fields in binlog::BinlogConnectionSettings).
// The password is never printed: use redacted().
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ghostcut {

// MySQL's --ssl-mode values, weakest first.
enum class TlsMode {
  kDisabled,        // never ask for TLS
  kPreferred,       // use TLS when the server offers it (over a unix socket: no TLS)
  kRequired,        // fail when the server does not offer it; the certificate is not checked
  kVerifyCa,        // required, and the certificate must chain to ssl_ca / ssl_capath
  kVerifyIdentity,  // verify-ca, and the certificate must name the host we connect to
};

// "disabled" … "verify-identity"; nullopt for anything else (case-insensitive, '_' = '-').
std::optional<TlsMode> parse_tls_mode(std::string_view text);
const char* to_string(TlsMode mode) noexcept;
// The server certificate is checked: a password may go over the channel in clear.
inline bool verifies_server(TlsMode mode) noexcept { return mode >= TlsMode::kVerifyCa; }

struct ConnectionSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3306;
  std::string user;
  std::string password;  // never logged
  std::string socket;    // unix socket path; when set it is used instead of host:port
  std::string database;  // default schema (may be empty)

  TlsMode tls_mode = TlsMode::kPreferred;
  std::string ssl_ca;      // PEM CA file the server certificate must chain to (verify-ca/-identity)
  std::string ssl_capath;  // directory of hashed PEM CA files (c_rehash), instead of or with ssl_ca
  std::string ssl_cert;    // client certificate (PEM), for servers that require X509
  std::string ssl_key;     // its private key (PEM)
  // caching_sha2_password over a connection that is neither TLS nor a unix socket needs the
  // server's RSA key: read from this PEM file, or (only when allowed) fetched from the server.
  std::string server_public_key_path;
  bool get_server_public_key = false;

  std::chrono::milliseconds connect_timeout{10'000};  // resolve, connect, TLS and authentication
  std::chrono::milliseconds read_timeout{0};          // 0 = none; long statements (copy chunks) must not be cut

  // "ghostcut@127.0.0.1:3306/db" — safe for logs and error messages.
  std::string redacted() const;
};

}  // namespace ghostcut
