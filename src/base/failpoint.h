#pragma once
// Named failure points for crash tests (STYLE.md practice 10; the idea of RocksDB's sync
// points and Redpanda's failure probes). Production code marks a moment where a crash would
// matter:
//
//   CF_FAILPOINT("lake.commit.after_commit_record");
//
// and a test arms that name to act there: return an error (kInternal "failpoint <name>") from
// the enclosing function, as if the process stopped at that moment without running further
// code; abort(); or stop dead with SIGKILL, as kill -9 or a power cut would. A unit test arms a
// point with failpoint::Arm; a test that runs a subprocess sets the environment variable
//
//   CF_FAILPOINTS="name=action[@hit][,name=action[@hit]...]"
//   action: error | abort | kill | delay:MS | delay:MS+error | delay:MS+abort | delay:MS+kill
//
// (hit: fire on the hit-th time the point is reached, counting from 1; default 1), read once,
// at the first point reached. A point fires once and then disarms. `delay:MS` holds the thread
// that reached the point for MS milliseconds, then goes on (alone) or acts: a test that kills a
// background thread's step after a delay gives the other threads time to run ahead, so a wrong
// order between them (offsets committed before the rows they cover) shows every time, not only
// when the race falls that way.
//
// Unarmed points cost two atomic loads (no lock). Thread-safe: points may be reached, armed and
// disarmed from any thread.
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow::failpoint {

enum class Action {
  kError,  // the point returns kInternal: the caller unwinds as if it had stopped there
  kAbort,  // std::abort(): a crash with a core
  kKill,   // raise(SIGKILL): the process stops dead, no destructor, no flush
  kDelay,  // nothing after the delay: the point returns Ok
};

// Arms `name` to act on its `hit`-th arrival from now (1 = the next one), after holding the
// arriving thread for `delay_ms` milliseconds (0: at once). Replaces an earlier arming of the
// same name.
void Arm(std::string_view name, Action action, int hit = 1, int delay_ms = 0);
void Disarm(std::string_view name);
void DisarmAll();
// Arms every point named in a CF_FAILPOINTS-style spec; kInvalidArgument names a bad entry
// (and arms none).
Status ArmFromSpec(std::string_view spec);
// Names armed and not yet fired, sorted (for tests and diagnostics).
std::vector<std::string> Armed();

// The point itself: Ok unless `name` is armed and this arrival fires it. Use CF_FAILPOINT.
Status Reached(std::string_view name);

}  // namespace covidflow::failpoint

// Returns the armed error from the enclosing function (which must return Status or Result).
#define CF_FAILPOINT(name) RETURN_IF_ERROR(::covidflow::failpoint::Reached(name))
