// What Migrator::run() and Migrator::resume_reverse_sync() both set up first (engine-internal):
// the query builder and session settings the phases share, the hook queue, the MigrationContext
// (aborted when the caller's stop is), and the io thread serving the control socket and /metrics.
// Members are destroyed in reverse: the io thread ends before anything it serves.
#pragma once
#include <functional>
#include <stop_token>

#include "engine/hooks/hook_queue.h"
#include "engine/migrator.h"
#include "engine/run/context.h"
#include "engine/run/io_services.h"
#include "engine/sql/query_builder.h"

namespace ghostcut::engine {

struct Migrator::Session {
  Session(Migrator& self, std::stop_token stop);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const QueryBuilder qb;
  const ConnectionSettings cs;
  HookQueue hooks;
  MigrationContext m;
  std::stop_callback<std::function<void()>> forward;
  IoServices io;
};

}  // namespace ghostcut::engine
