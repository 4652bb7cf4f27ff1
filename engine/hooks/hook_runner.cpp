#include "engine/hooks/hook_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

extern char** environ;

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMaxLine = 64 * 1024;  // longer output is logged in pieces
constexpr milliseconds kTick{10};            // how often the child's exit is checked

// Reads what the hook printed and logs it line by line.
class OutputLogger {
 public:
  OutputLogger(spdlog::logger& log, std::string_view name) : log_(log), name_(name) {}

  // Reads until the pipe is empty; false once the pipe reached EOF.
  bool drain(int fd) {
    char buf[4096];
    for (;;) {
      const auto n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        feed(std::string_view(buf, static_cast<std::size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0;  // 0 = EOF; EAGAIN = empty for now
    }
  }
  void flush() {
    if (!pending_.empty()) emit(pending_);
    pending_.clear();
  }

 private:
  void feed(std::string_view s) {
    pending_.append(s);
    std::size_t start = 0;
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n', start)) {
      emit(std::string_view(pending_).substr(start, nl - start));
      start = nl + 1;
    }
    pending_.erase(0, start);
    if (pending_.size() >= kMaxLine) flush();
  }
  void emit(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    log_.info("hook {}: {}", name_, line);
  }

  spdlog::logger& log_;
  std::string_view name_;
  std::string pending_;
};

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// waitpid without blocking; true when the child has exited (status set).
bool reaped(pid_t pid, int& status) {
  for (;;) {
    const auto r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {  // not our child any more (someone else reaped it): treat as gone
      status = 0;
      return true;
    }
    return false;
  }
}

// Waits up to `limit` for the child, logging output meanwhile; true when it exited.
bool wait_for_exit(pid_t pid, int fd, bool& open, OutputLogger& out, Clock::time_point until, int& status) {
  for (;;) {
    if (reaped(pid, status)) return true;
    const auto now = Clock::now();
    if (until != Clock::time_point::max() && now >= until) return false;
    auto wait = kTick;
    if (until != Clock::time_point::max()) wait = std::min(wait, std::chrono::ceil<milliseconds>(until - now));
    pollfd p{fd, POLLIN, 0};
    ::poll(open ? &p : nullptr, open ? 1 : 0, static_cast<int>(wait.count()));
    if (open) open = out.drain(fd);
  }
}

}  // namespace

HookRunner::HookRunner(std::string directory, milliseconds timeout, std::shared_ptr<spdlog::logger> logger)
    : directory_(std::move(directory)),
      timeout_(timeout),
      logger_(logger ? std::move(logger) : std::make_shared<spdlog::logger>("hooks")) {
  while (directory_.size() > 1 && directory_.back() == '/') directory_.pop_back();
}

HookResult HookRunner::run(std::string_view name, const HookContext& ctx) const {
  HookResult result;
  if (directory_.empty()) return result;
  if (!is_hook_name(name)) {
    logger_->error("hook '{}' is not a known hook name; not run", name);
    return result;
  }
  // Every file whose name starts with the hook's (or gh-ost's) name, in name order, each after the
  // last; the first failure ends the list (gh-ost: doc/hooks.md, go/logic/hooks.go).
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    const std::string file = entry.path().filename().string();
    if (hook_file_matches(name, file)) files.push_back(file);
  }
  if (ec) {
    logger_->warn("hook {}: cannot list {}: {}; not run", name, directory_, ec.message());
    return result;
  }
  std::sort(files.begin(), files.end());
  const auto started = Clock::now();
  for (const auto& file : files) {
    const std::string path = directory_ + "/" + file;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;  // removed meanwhile
    if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0) {
      logger_->warn("hook {}: {} is not an executable file; not run", name, path);
      continue;
    }
    result = run_file(name, path, ctx);
    if (!result.ok()) break;
  }
  result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  return result;
}

HookResult HookRunner::run_file(std::string_view name, const std::string& path, const HookContext& ctx) const {
  HookResult result;
  const auto started = Clock::now();
  result.ran = true;
  const auto finish = [&](int code) {
    result.exit_code = code;
    result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    return result;
  };

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    logger_->error("hook {}: cannot create a pipe: {}", name, std::strerror(errno));
    return finish(127);
  }
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // no database sockets for the hook
#endif
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group, so a timeout kills what it started too
  sigset_t none, defaults;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigemptyset(&defaults);
  for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attr, &defaults);

  const auto env = hook_environment(name, ctx, environ);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};

  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    logger_->error("hook {}: cannot run {}: {}", name, path, std::strerror(rc));
    return finish(127);
  }
  logger_->info("hook {}: running {}", name, path);

  OutputLogger out(*logger_, name);
  bool open = true;
  int status = 0;
  const auto until = timeout_.count() > 0 ? started + timeout_ : Clock::time_point::max();
  bool exited = wait_for_exit(pid, fds[0], open, out, until, status);
  if (!exited) {
    result.timed_out = true;
    logger_->warn("hook {}: still running after {} ms; sending SIGTERM", name, timeout_.count());
    ::kill(-pid, SIGTERM);
    exited = wait_for_exit(pid, fds[0], open, out, Clock::now() + kKillGrace, status);
    ::kill(-pid, SIGKILL);  // whatever is left of the group, leader or not
    if (!exited) {
      logger_->warn("hook {}: still running {} ms after SIGTERM; sent SIGKILL", name, kKillGrace.count());
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  if (open) out.drain(fds[0]);  // what it printed just before exiting (not what its background children print later)
  out.flush();
  ::close(fds[0]);

  finish(exit_code_of(status));
  if (result.timed_out) logger_->warn("hook {}: killed after timing out ({} ms)", name, result.duration.count());
  else if (result.exit_code != 0)
    logger_->warn("hook {}: failed with exit code {} after {} ms", name, result.exit_code, result.duration.count());
  else logger_->info("hook {}: done in {} ms", name, result.duration.count());
  return result;
}

}  // namespace ghostcut::engine
