// Whether a connection uses TLS. Shared by the binlog client and the engine's SQL connections.
#pragma once

namespace ghostcut::binlog {

enum class TlsMode {
  kDisabled,   // never ask for TLS
  kPreferred,  // use TLS when the server offers it
  kRequired,   // fail when the server does not offer it
};

}  // namespace ghostcut::binlog
