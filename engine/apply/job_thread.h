// JobThread: runs posted jobs one at a time, in order, on its own named thread, with the SQL
// thread set-up Connector/C++ needs (the applier's connections, engine/apply/applier.cpp).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/thread_name.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

// Jobs queue: the owner may post the next job before the last one is done (an applier connection
// goes on to its half of the next batch); wait(ticket) collects a job's exception.
class JobThread {
 public:
  explicit JobThread(std::string name)
      : thread_([this, name = std::move(name)](std::stop_token st) {
          name_this_thread(name);
          SqlThreadGuard guard;
          std::unique_lock lk(mu_);
          for (;;) {
            cv_.wait(lk, [&] { return !jobs_.empty() || st.stop_requested(); });
            if (st.stop_requested()) return;  // queued jobs are dropped: their owner is gone
            auto job = std::move(jobs_.front());
            jobs_.pop_front();
            lk.unlock();
            std::exception_ptr e;
            const auto t0 = std::chrono::steady_clock::now();
            try {
              job();
            } catch (...) {
              e = std::current_exception();
            }
            busy_ += (std::chrono::steady_clock::now() - t0).count();
            lk.lock();
            if (e) errors_.emplace(done_ + 1, e);
            ++done_;
            cv_.notify_all();
          }
        }) {}
  ~JobThread() {
    {
      std::lock_guard lk(mu_);  // the thread tests stop_requested() under the lock: no lost wake-up
      thread_.request_stop();
    }
    cv_.notify_all();
  }
  // Queues a job; its ticket for wait().
  std::uint64_t post(std::function<void()> job) {
    std::lock_guard lk(mu_);
    jobs_.push_back(std::move(job));
    cv_.notify_all();
    return ++posted_;
  }
  // Waits for the job of `ticket` (and so every job posted before it); its exception, if any.
  std::exception_ptr wait(std::uint64_t ticket) {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return done_ >= ticket; });
    const auto it = errors_.find(ticket);
    if (it == errors_.end()) return nullptr;
    auto e = it->second;
    errors_.erase(it);
    return e;
  }
  std::chrono::steady_clock::duration busy() const { return std::chrono::steady_clock::duration(busy_.load()); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::uint64_t posted_ = 0, done_ = 0;
  std::map<std::uint64_t, std::exception_ptr> errors_;   // by ticket, until waited for
  std::atomic<std::chrono::steady_clock::rep> busy_{0};  // time spent in jobs
  std::jthread thread_;                                  // last: stopped and joined first
};

}  // namespace ghostcut::engine
