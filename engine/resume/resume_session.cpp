#include "engine/resume/resume_session.h"

#include <spdlog/spdlog.h>

#include <condition_variable>

#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

ResumeSession::ResumeSession(ConnectionSettings settings, const MigrationPlan& plan, ResumeSessionConfig config,
                             std::shared_ptr<spdlog::logger> logger)
    : settings_(std::move(settings)),
      plan_(plan),
      config_(std::move(config)),
      log_(logger ? std::move(logger) : spdlog::default_logger()) {}

ResumeSession::~ResumeSession() { stop(); }

std::optional<Checkpoint> ResumeSession::begin(SqlConnection& conn) {
  guard_ = RunGuard::acquire(settings_, plan_.database, plan_.table, log_);
  identity_ = plan_identity(conn, plan_, config_.version);
  auto exists = [&](const std::string& t) {
    return !conn.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                       {plan_.database, t})
                .empty();
  };
  if (!config_.resume || !exists(plan_.changelog_table)) return std::nullopt;
  const auto found = CheckpointStore(plan_.database, plan_.changelog_table).read(conn);
  const auto d = decide_resume(found, identity_, exists(plan_.ghost_table), false);
  if (d.verdict == ResumeVerdict::kRefuse) throw ResumeRefused("cannot resume: " + d.reason);
  if (d.verdict == ResumeVerdict::kFresh) return std::nullopt;
  require_binlog_present(conn, found->applied);
  resumed_ = found;
  if (!found->ranges.empty()) copy_ = found->ranges.front();
  log_->info("{} (checkpoint of {} s ago; {} rows were copied below its low-water mark)", d.reason,
             found->written_micros > 0
                 ? std::max<std::int64_t>(0, (std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count() -
                                              found->written_micros) /
                                                 1000000)
                 : 0,
             found->ranges.empty() ? 0 : found->ranges.front().rows_below);
  return resumed_;
}

Checkpoint ResumeSession::snapshot() {
  Checkpoint c;
  c.plan = identity_;
  if (applied_) c.applied = applied_();
  c.phase = config_.phase ? config_.phase() : std::string("running");
  std::lock_guard lk(mu_);
  if (copier_) copy_ = copier_->progress_mark();
  if (copy_) c.ranges.push_back(*copy_);
  return c;
}

void ResumeSession::copier_started(const Copier* copier) {
  std::lock_guard lk(mu_);
  copier_ = copier;
}

void ResumeSession::copier_finished(const Copier& copier) {
  {
    std::lock_guard lk(mu_);
    copier_ = nullptr;
    copy_ = copier.progress_mark();
  }
  {
    std::lock_guard lk(skipped_mu_);
    skipped_ = copier.rows_skipped();
  }
  if (writer_) writer_->write_now();
}

void ResumeSession::start_writer(std::function<binlog::BinlogPosition()> applied) {
  applied_ = std::move(applied);
  writer_ = std::make_unique<CheckpointWriter>(
      settings_, CheckpointStore(plan_.database, plan_.changelog_table), [this] { return snapshot(); },
      config_.interval, log_);
  writer_->start();
  writer_->write_now();
  if (config_.phase)
    phase_watch_ = std::jthread([this](std::stop_token st) {
      std::string last = config_.phase();
      std::mutex m;
      std::condition_variable_any cv;
      while (!st.stop_requested()) {
        {
          std::unique_lock lk(m);
          cv.wait_for(lk, st, std::chrono::milliseconds(50), [] { return false; });
        }
        if (st.stop_requested()) break;
        if (auto now = config_.phase(); now != last) {
          last = std::move(now);
          writer_->write_now();
        }
      }
    });
}

void ResumeSession::stop() {
  phase_watch_.request_stop();
  if (phase_watch_.joinable()) phase_watch_.join();
  if (writer_) writer_->stop();
  writer_.reset();
}

std::uint64_t ResumeSession::rows_skipped() const {
  std::lock_guard lk(skipped_mu_);
  return skipped_;
}

std::optional<std::string> ResumeSession::failure() const { return guard_ ? guard_->failure() : std::nullopt; }

}  // namespace ghostcut::engine
