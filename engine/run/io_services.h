// IoServices: the one io thread (DESIGN §4) and what runs on it: the control server, the metrics
// server and the binlog stream. The destructor shuts them down in the only safe order: stop every
// user of the io thread, let the loop finish (forced after a grace period), then destroy them.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "binlog/net/replication_stream.h"
#include "engine/control/control_server.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class IoServices {
 public:
  explicit IoServices(std::shared_ptr<spdlog::logger> log);
  ~IoServices();
  IoServices(const IoServices&) = delete;
  IoServices& operator=(const IoServices&) = delete;

  // Servers are set up before start(); both return the bound TCP port (0: none).
  std::uint16_t serve_control(const ControlServerConfig& config, ControlLineHandler handler);
  std::uint16_t serve_metrics(const std::string& bind, std::uint16_t port, std::function<std::string()> body);
  void start();
  // The stream lives until the io thread has finished, however early its users are gone. A new
  // stream stops the earlier ones first (they would share the replica id).
  binlog::ReplicationStream& start_stream(binlog::StreamSettings settings, binlog::ChangeDecoder::TableFilter filter,
                                          binlog::ChangeDecoder::ColumnsLookup lookup);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghostcut::engine
