#include "engine/resume/run_guard.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>

#include "common/thread_name.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

constexpr std::size_t kMaxLockName = 64;

// One session for the lock: it must outlive quiet periods of any length.
std::unique_ptr<SqlConnection> open_lock_session(const ConnectionSettings& s) {
  auto c = SqlConnection::open(s);
  c->execute("SET SESSION wait_timeout = 31536000");
  return c;
}

// Takes the lock on `c`; false when another session holds it.
bool take(SqlConnection& c, const std::string& name) {
  const auto got = c.query("SELECT GET_LOCK(?, 0)", {name}).scalar();
  return got && *got == "1";
}

std::string describe_holder(SqlConnection& c, const std::string& name, const std::string& what) {
  std::string msg = "another ghostcut is already migrating " + what + " (it holds the server lock '" + name + "'";
  try {
    const auto id = c.query("SELECT IS_USED_LOCK(?)", {name}).scalar();
    if (id) {
      msg += "; its connection: id " + *id;
      const auto p =
          c.query("SELECT USER, HOST, COMMAND, TIME FROM information_schema.PROCESSLIST WHERE ID = ?", {to_uint64(id)});
      if (!p.empty())
        msg += ", " + p.at(0, "USER").value_or("?") + "@" + p.at(0, "HOST").value_or("?") + ", connected for " +
               p.at(0, "TIME").value_or("?") + " s in state " + p.at(0, "COMMAND").value_or("?");
    }
  } catch (const std::exception& e) {
    msg += std::string("; its connection could not be looked up: ") + e.what();
  }
  return msg +
         "). Wait for it to finish, or stop it; if that connection is a stale session, KILL it on the server. "
         "A second migration of the same table would corrupt both.";
}

}  // namespace

std::string run_lock_name(const std::string& database, const std::string& table) {
  std::string name = "ghostcut:" + database + "." + table;
  if (name.size() <= kMaxLockName) return name;
  const std::string tail = "~" + fnv1a64_hex(name);
  std::size_t cut = kMaxLockName - tail.size();
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
  return name.substr(0, cut) + tail;
}

RunGuard::RunGuard(ConnectionSettings settings, std::string name, std::string what,
                   std::shared_ptr<spdlog::logger> logger)
    : settings_(std::move(settings)), name_(std::move(name)), what_(std::move(what)), log_(std::move(logger)) {}

std::unique_ptr<RunGuard> RunGuard::acquire(const ConnectionSettings& settings, const std::string& database,
                                            const std::string& table, std::shared_ptr<spdlog::logger> logger,
                                            std::chrono::milliseconds keepalive) {
  if (!logger) logger = std::make_shared<spdlog::logger>("run-guard");
  std::unique_ptr<RunGuard> g(
      new RunGuard(settings, run_lock_name(database, table), "`" + database + "`.`" + table + "`", std::move(logger)));
  g->conn_ = open_lock_session(settings);
  if (!take(*g->conn_, g->name_)) throw TableBusy(describe_holder(*g->conn_, g->name_, g->what_));
  g->log_->info("holding the lock '{}' for this run (connection {})", g->name_, g->conn_->connection_id());
  g->thread_ = std::jthread([raw = g.get(), keepalive](std::stop_token st) { raw->keepalive(st, keepalive); });
  return g;
}

RunGuard::~RunGuard() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lk(mu_);
  if (!conn_) return;
  try {
    conn_->query("SELECT RELEASE_LOCK(?)", {name_});
  } catch (...) {  // the lock goes with the connection anyway
  }
  conn_.reset();
}

std::uint64_t RunGuard::connection_id() const {
  std::lock_guard lk(mu_);
  return conn_ ? conn_->connection_id() : 0;
}

std::optional<std::string> RunGuard::failure() const {
  std::lock_guard lk(mu_);
  return failure_;
}

void RunGuard::keepalive(std::stop_token stop, std::chrono::milliseconds every) {
  name_this_thread("gc-run-guard");
  SqlThreadGuard guard;
  std::mutex m;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    {
      std::unique_lock lk(m);
      cv.wait_for(lk, stop, every, [] { return false; });
    }
    if (stop.stop_requested()) break;
    std::lock_guard lk(mu_);
    if (failure_) continue;
    try {
      const auto mine = conn_ ? conn_->query("SELECT IS_USED_LOCK(?) = CONNECTION_ID()", {name_}).scalar()
                              : std::optional<std::string>();
      if (mine && *mine == "1") continue;
    } catch (const SqlError& e) {
      if (!e.connection_lost()) {
        log_->warn("run lock: {}", e.what());
        continue;
      }
    }
    // The connection (and with it the lock) is gone: take it back on a new one.
    try {
      conn_.reset();
      auto c = open_lock_session(settings_);
      if (take(*c, name_)) {
        log_->warn("run lock: the lock's connection was lost; took '{}' again (connection {})", name_,
                   c->connection_id());
        conn_ = std::move(c);
      } else {
        failure_ = "lost the run lock '" + name_ + "' and another run took it: " + describe_holder(*c, name_, what_);
        log_->error("{}", *failure_);
      }
    } catch (const std::exception& e) {
      log_->warn("run lock: reconnecting: {}; retrying", e.what());  // the server may be restarting
    }
  }
}

}  // namespace ghostcut::engine
