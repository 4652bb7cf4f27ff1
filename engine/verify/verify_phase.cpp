#include "engine/verify/verify_phase.h"

#include <spdlog/spdlog.h>

#include "engine/run/sync.h"
#include "engine/text.h"

namespace ghostcut::engine {

ChecksumResult verify_tables(MigrationContext& m, Sync& sync) {
  const auto& config = m.config;
  m.status.set_state(Phase::kVerifying, "waiting for the applier");
  for (int attempt = 1;;) {
    sync.check_failures();
    if (sync.not_caught_up(config.cut_over_lag_threshold)) {
      m.sleep(std::chrono::milliseconds(50));
      continue;
    }
    m.status.set_state(Phase::kVerifying, "comparing " + m.plan.table + " and " + m.plan.ghost_table);
    auto& applier = sync.applier_control();
    applier.take(ApplierControl::Owner::kChecksum);
    Checksum checksum(
        m.cs, m.plan, config.cut_over.lock_timeout,
        [&](const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline) {
          return applier.drain_to(pos, deadline);
        },
        [&] { applier.resume(); }, m.log);
    try {
      auto r = checksum.run();
      applier.release();
      m.log->info("checksum: {} rows equal in {} and {} ({} columns compared{}); writes waited {} ms, took {} ms", r.rows,
                  m.plan.table, m.plan.ghost_table, r.compared.size(),
                  r.skipped.empty() ? std::string() : "; not compared, type changed: " + join(r.skipped),
                  r.write_stall.count(), r.took.count());
      return r;
    } catch (const ChecksumNotTaken& e) {
      applier.release();
      if (attempt > config.cut_over.retries) throw std::runtime_error(std::string("checksum: ") + e.what());
      m.log->warn("checksum: {}; retrying in {} ms", e.what(), config.cut_over.retry_backoff.count());
      m.sleep(config.cut_over.retry_backoff);
      ++attempt;
    } catch (...) {
      applier.release();
      throw;
    }
  }
}

}  // namespace ghostcut::engine
