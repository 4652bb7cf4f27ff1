// Names the calling thread ("gc-applier", "gc-copy-1", …) so `top -H`, perf, gdb and
// /proc/PID/task/*/comm show which of ghostcut's jobs uses the CPU.
#pragma once
#include <pthread.h>

#include <string>

namespace ghostcut {

// Linux keeps 15 characters; longer names are cut, never refused.
inline void name_this_thread(const std::string& name) {
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace ghostcut
