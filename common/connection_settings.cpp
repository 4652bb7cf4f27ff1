#include "common/connection_settings.h"

#include <cctype>

namespace ghostcut {

std::optional<TlsMode> parse_tls_mode(std::string_view text) {
  std::string t;
  for (char c : text) t += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (TlsMode m :
       {TlsMode::kDisabled, TlsMode::kPreferred, TlsMode::kRequired, TlsMode::kVerifyCa, TlsMode::kVerifyIdentity}) {
    if (t == to_string(m)) return m;
  }
  return std::nullopt;
}

const char* to_string(TlsMode mode) noexcept {
  switch (mode) {
    case TlsMode::kDisabled: return "disabled";
    case TlsMode::kPreferred: return "preferred";
    case TlsMode::kRequired: return "required";
    case TlsMode::kVerifyCa: return "verify-ca";
    case TlsMode::kVerifyIdentity: return "verify-identity";
  }
  return "?";
}

std::string ConnectionSettings::redacted() const {
  std::string where = socket.empty() ? host + ":" + std::to_string(port) : "unix:" + socket;
  return user + "@" + where + (database.empty() ? "" : "/" + database);
}

}  // namespace ghostcut
