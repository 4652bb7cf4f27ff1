// Runs a ReplicationStream on its own io thread for a test.
#pragma once
#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>

#include "binlog/net/replication_stream.h"
#include "common/connection_settings.h"
#include "engine/sql/binlog_settings.h"

namespace ghostcut::testing {

inline binlog::BinlogConnectionSettings binlog_settings(const ghostcut::ConnectionSettings& s,
                                                        std::uint32_t server_id) {
  auto b = engine::to_binlog_settings(s, server_id);
  b.tls_mode = ghostcut::TlsMode::kDisabled;
  return b;
}

class StreamHarness {
 public:
  StreamHarness(binlog::StreamSettings settings, binlog::ChangeDecoder::TableFilter filter,
                binlog::ChangeDecoder::ColumnsLookup lookup = {}) {
    stream_ = std::make_unique<binlog::ReplicationStream>(ioc_.get_executor(), std::move(settings), std::move(filter),
                                                          std::move(lookup));
    stream_->start();
    io_ = std::thread([this] { ioc_.run(); });
  }
  ~StreamHarness() {
    stream_->stop();
    io_.join();
  }
  binlog::ReplicationStream& operator*() { return *stream_; }
  binlog::ReplicationStream* operator->() { return stream_.get(); }

 private:
  boost::asio::io_context ioc_;
  std::unique_ptr<binlog::ReplicationStream> stream_;
  std::thread io_;
};

}  // namespace ghostcut::testing
