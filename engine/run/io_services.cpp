#include "engine/run/io_services.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <thread>
#include <vector>

#include "common/thread_name.h"
#include "engine/metrics/metrics_server.h"

namespace ghostcut::engine {

struct IoServices::Impl {
  std::shared_ptr<spdlog::logger> log;
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
  std::promise<void> done;
  std::unique_ptr<ControlServer> control;
  std::unique_ptr<MetricsServer> metrics;
  // Every stream started; only the last one runs (a new one stops the others: they share our
  // replica id). Kept until the io thread has finished.
  std::vector<std::unique_ptr<binlog::ReplicationStream>> streams;

  // Lets the loop end once its users have stopped; forces it after a grace period.
  void finish() {
    if (!thread.joinable()) return;
    work.reset();
    if (done.get_future().wait_for(std::chrono::seconds(5)) != std::future_status::ready) ioc.stop();
    thread.join();
  }
};

IoServices::IoServices(std::shared_ptr<spdlog::logger> log) : impl_(std::make_unique<Impl>()) {
  impl_->log = std::move(log);
}

IoServices::~IoServices() {
  for (auto& s : impl_->streams) s->stop();
  if (impl_->control) impl_->control->stop();
  if (impl_->metrics) impl_->metrics->stop();
  impl_->finish();
}

std::uint16_t IoServices::serve_control(const ControlServerConfig& config, ControlLineHandler handler) {
  impl_->control = std::make_unique<ControlServer>(impl_->ioc.get_executor(), config, std::move(handler), impl_->log);
  impl_->control->start();
  return impl_->control->tcp_port();  // the server logs where it listens
}

std::uint16_t IoServices::serve_metrics(const std::string& bind, std::uint16_t port,
                                        std::function<std::string()> body) {
  impl_->metrics = std::make_unique<MetricsServer>(impl_->ioc.get_executor(), bind, port, std::move(body), impl_->log);
  impl_->metrics->start();
  return impl_->metrics->port();
}

void IoServices::start() {
  impl_->thread = std::thread([impl = impl_.get()] {
    name_this_thread("gc-io");
    impl->ioc.run();
    impl->done.set_value();
  });
}

binlog::ReplicationStream& IoServices::start_stream(binlog::StreamSettings settings,
                                                    binlog::ChangeDecoder::TableFilter filter,
                                                    binlog::ChangeDecoder::ColumnsLookup lookup) {
  for (auto& s : impl_->streams) s->stop();
  impl_->streams.push_back(std::make_unique<binlog::ReplicationStream>(
      impl_->ioc.get_executor(), std::move(settings), std::move(filter), std::move(lookup), impl_->log));
  impl_->streams.back()->start();
  return *impl_->streams.back();
}

}  // namespace ghostcut::engine
