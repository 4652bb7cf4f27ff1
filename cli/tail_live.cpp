#include "cli/tail_live.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "binlog/net/replication_stream.h"
#include "binlog/row/value_json.h"
#include "cli/app.h"
#include "engine/schema/table_schema.h"
#include "engine/sql/binlog_settings.h"
#include "engine/sql/sql_connection.h"

namespace po = boost::program_options;

namespace ghostcut::cli {

int tail_live(const po::variables_map& vm, const std::optional<TableRef>& table) {
  if (!table || table->schema.empty()) {
    std::cerr << "ghostcut tail: live mode needs --table db.tbl (or --binlog-file PATH for a file)\n";
    return kExitUsage;
  }
  if (vm.count("from-current") && vm.count("file")) {
    std::cerr << "ghostcut tail: --from-current and --file exclude each other\n";
    return kExitUsage;
  }
  ConnectionSettings cs;
  try {
    cs = connection_settings(vm);
  } catch (const std::exception& e) {
    std::cerr << "ghostcut tail: " << e.what() << "\n";
    return kExitUsage;
  }

  // Column names and signedness come from the schema: the binlog may carry neither.
  engine::sql_driver_init();
  binlog::TableColumns columns;
  std::vector<std::string> charsets;  // per column: text is printed transcoded to UTF-8
  try {
    auto sql = engine::SqlConnection::open(cs);
    auto schema = engine::load_table_schema(*sql, table->schema, table->table);
    columns.names = schema.column_names();
    columns.signs = schema.signs();
    for (const auto& col : schema.columns) charsets.push_back(col.charset.value_or(""));
  } catch (const std::exception& e) {
    std::cerr << "ghostcut tail: " << e.what() << "\n";
    return kExitFailure;
  }

  binlog::StreamSettings ss;
  ss.connection = engine::to_binlog_settings(
      cs, vm.count("server-id") ? vm["server-id"].as<std::uint32_t>() : engine::random_server_id());
  if (vm.count("file"))
    ss.start =
        binlog::BinlogPosition{vm["file"].as<std::string>(), vm.count("pos") ? vm["pos"].as<std::uint64_t>() : 4};
  const auto max_events = vm.count("max-events") ? vm["max-events"].as<std::uint64_t>() : 0;
  const double idle_timeout = vm.count("idle-timeout") ? vm["idle-timeout"].as<double>() : 0;

  boost::asio::io_context ioc;
  const TableRef ref = *table;
  binlog::ReplicationStream stream(
      ioc.get_executor(), ss, [ref](std::string_view s, std::string_view t) { return ref.matches(s, t); },
      [&columns](const binlog::TableMap& m) -> const binlog::TableColumns* {
        return m.column_count() == columns.names.size() ? &columns : nullptr;
      });
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) stream.stop();
  });
  stream.start();
  std::thread io([&] { ioc.run(); });

  std::uint64_t printed = 0;
  auto last = std::chrono::steady_clock::now();
  int rc = kExitOk;
  for (;;) {
    auto trx = stream.pop(std::chrono::milliseconds(100));
    if (trx) {
      for (const auto& c : trx->changes) {
        std::cout << binlog::row_change_json(c, columns.names, charsets) << '\n';
        ++printed;
        if (max_events && printed >= max_events) break;
      }
      std::cout.flush();
      last = std::chrono::steady_clock::now();
      if (max_events && printed >= max_events) break;
      continue;
    }
    if (auto f = stream.failure()) {
      try {
        std::rethrow_exception(f);
      } catch (const std::exception& e) {
        std::cerr << "ghostcut tail: " << e.what() << "\n";
      }
      rc = kExitFailure;
      break;
    }
    if (!stream.running()) break;  // stopped by a signal
    if (idle_timeout > 0 && std::chrono::steady_clock::now() - last > std::chrono::duration<double>(idle_timeout))
      break;
  }
  stream.stop();
  signals.cancel();
  io.join();
  return rc;
}

}  // namespace ghostcut::cli
