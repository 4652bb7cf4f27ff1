#include "cli/status_display.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <cmath>
#include <cstdio>

namespace ghostcut::cli {
namespace {

std::size_t terminal_width(std::FILE* out) {
  winsize ws{};
  if (out && ::ioctl(::fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return StatusDisplay::kDefaultWidth;
}

std::string lag_text(const std::optional<double>& lag) {
  return lag ? fmt::format("{:.2f}s", *lag) : std::string("n/a");
}

std::string percent_text(const StatusLineInput& in) {
  double pct;
  if (in.key_range_percent) {
    pct = *in.key_range_percent;
  } else if (in.rows_estimated == 0) {
    pct = in.rows_copied ? 100.0 : 0.0;
  } else {
    pct = 100.0 * static_cast<double>(in.rows_copied) / static_cast<double>(in.rows_estimated);
  }
  if (!(pct >= 0.0)) pct = 0.0;  // NaN too
  return fmt::format("{:.1f}%", std::min(pct, 100.0));
}

std::string with_detail(std::string_view head, const std::string& detail) {
  return detail.empty() ? std::string(head) : fmt::format("{}: {}", head, detail);
}

class TtyAwareSink final : public spdlog::sinks::sink {
 public:
  TtyAwareSink(std::shared_ptr<StatusDisplay> display, spdlog::sink_ptr inner)
      : display_(std::move(display)), inner_(std::move(inner)) {}

  void log(const spdlog::details::log_msg& msg) override {
    if (!inner_->should_log(msg.level)) return;
    display_->print_above([&] {
      inner_->log(msg);
      inner_->flush();
    });
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<StatusDisplay> display_;
  spdlog::sink_ptr inner_;
};

}  // namespace

std::string group_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string truncate_to_width(std::string_view text, std::size_t columns) {
  // Code points, counted by their lead bytes (a stray continuation byte counts as one).
  std::size_t count = 0, cut = std::string_view::npos, keep = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80 && i > 0) continue;
    ++count;
    if (columns > 0 && count == columns) keep = i;  // start of the last column's code point
    if (count > columns) {
      cut = i;
      break;
    }
  }
  if (cut == std::string_view::npos) return std::string(text);
  if (columns == 0) return {};
  return std::string(text.substr(0, keep)) + "…";
}

StatusLineInput status_input_from(const engine::ProgressSnapshot& p, engine::Phase phase) {
  StatusLineInput in;
  in.phase = phase;
  in.rows_copied = p.rows_copied;
  in.rows_estimated = p.rows_estimated;
  in.rows_per_second = p.rows_per_second();
  in.eta = p.eta();
  in.applier_backlog = p.backlog;
  in.applier_lag_seconds = static_cast<double>(p.applier_lag_ms) / 1000.0;
  in.key_range_percent = p.key_range_percent;
  in.throttled = !p.throttle_reason.empty();
  in.throttle_reason = p.throttle_reason;
  in.elapsed = p.elapsed_seconds();
  return in;
}

std::string format_status_line(const StatusLineInput& in) {
  using engine::Phase;
  std::string line;
  bool live = true;  // the applier runs and throttle/window still matter
  switch (in.phase) {
    case Phase::kStarting: line = with_detail("starting", in.detail); break;
    case Phase::kCopying: {
      const std::string eta = !in.eta ? "n/a" : in.eta->count() == 0 ? "due" : engine::format_duration(*in.eta);
      line = fmt::format("copying {} ({}/{} rows) {} rows/s ETA {}", percent_text(in), group_thousands(in.rows_copied),
                         group_thousands(in.rows_estimated),
                         group_thousands(static_cast<std::uint64_t>(std::llround(std::max(0.0, in.rows_per_second)))),
                         eta);
      break;
    }
    case Phase::kWaitingForCutOver:
      line = fmt::format("{} | copied {} rows", with_detail("waiting for cut-over", in.detail),
                         group_thousands(in.rows_copied));
      break;
    case Phase::kPostponed:
      line = fmt::format("{} | copied {} rows", with_detail("postponed", in.detail), group_thousands(in.rows_copied));
      break;
    case Phase::kCuttingOver: line = with_detail("cutting over", in.detail); break;
    case Phase::kKeepingOldInSync: line = with_detail("keeping old table in sync", in.detail); break;
    case Phase::kReverting: line = with_detail("reverting", in.detail); break;
    case Phase::kVerifying:
      line = fmt::format("{} | copied {} rows", with_detail("verifying (checksum)", in.detail),
                         group_thousands(in.rows_copied));
      break;
    case Phase::kDone:
      line = fmt::format("done: {} rows copied in {}", group_thousands(in.rows_copied),
                         engine::format_duration(in.elapsed));
      live = false;
      break;
    case Phase::kFailed:
      line = with_detail("failed", in.detail);
      live = false;
      break;
  }
  if (!live) return line;
  if (in.phase != Phase::kStarting)
    line += fmt::format(" | applier backlog {} lag {}", group_thousands(in.applier_backlog),
                        lag_text(in.applier_lag_seconds));
  if (in.throttled) line += " | " + with_detail("throttled", in.throttle_reason);
  if (!in.next_cut_over_window.empty() && in.phase != Phase::kCuttingOver)
    line += " | next cut-over window " + in.next_cut_over_window;
  return line;
}

StatusDisplay::StatusDisplay(std::FILE* out, bool is_tty, std::function<std::size_t()> width)
    : out_(out), is_tty_(is_tty), width_(std::move(width)) {
  if (!width_) width_ = [out] { return terminal_width(out); };
}

void StatusDisplay::update(const std::string& line) {
  std::lock_guard lk(mu_);
  line_ = line;
  if (is_tty_ && !finished_) draw_locked();
}

void StatusDisplay::clear() {
  std::lock_guard lk(mu_);
  clear_locked();
}

void StatusDisplay::print_above(const std::function<void()>& write) {
  std::lock_guard lk(mu_);
  const bool was_drawn = drawn_;
  clear_locked();
  write();
  if (was_drawn && !finished_) draw_locked();
}

void StatusDisplay::finish() {
  std::lock_guard lk(mu_);
  clear_locked();
  finished_ = true;
}

void StatusDisplay::draw_locked() {
  // The last column stays free: writing into it makes some terminals wrap.
  const std::size_t width = std::max<std::size_t>(width_(), 2) - 1;
  const std::string text = truncate_to_width(line_, width);
  std::fprintf(out_, "\r\033[K%s", text.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void StatusDisplay::clear_locked() {
  if (!is_tty_ || !drawn_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  drawn_ = false;
}

spdlog::sink_ptr make_tty_aware_sink(std::shared_ptr<StatusDisplay> display, spdlog::sink_ptr inner) {
  if (!inner) inner = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  return std::make_shared<TtyAwareSink>(std::move(display), std::move(inner));
}

}  // namespace ghostcut::cli
