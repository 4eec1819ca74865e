#pragma once
// Names the calling thread (shown by top -H, perf and gdb); at most 15 characters. The
// processor's threads: cf-transform (workers), cf-send (output writers), cf-sync (waits for
// a written batch's durability), cf-lake (appends and commits the lake).
#if defined(__linux__)
#include <pthread.h>
#endif

namespace covidflow::process {

inline void NameThread(const char* name) {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), name);
#else
  (void)name;
#endif
}

}  // namespace covidflow::process
