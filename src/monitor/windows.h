#pragma once
// Tumbling event-time windows over the enriched stream, for drift per window (`monitor run`).
// The rules (docs/monitoring.md, "Drift on the stream"):
//
//   window     [start, start + window) of the tweet's event time (its `date`), aligned to the
//              Unix epoch, as quality.h's windows are
//   watermark  the earliest of the partitions' latest event times: each partition is read in
//              offset order (and written in about event-time order), so a partition read
//              ahead of the others does not close a window the others still fill
//   closed     a window closes once the watermark reaches its end + lateness; closed windows
//              are handed out in order of start, once each
//   late       a record whose window has closed (or would have: end + lateness <= watermark)
//              is counted and left out; the published verdict of a window never changes
//
// Restart: the caller commits, per partition, ResumeOffset (the first offset an open window
// still needs) with the state (WindowsState: each partition's latest time and the end of the
// last closed window). A restarted instance built from that state and fed the records from
// those offsets again holds the same open windows: records of windows closed before are
// skipped, the others are added again.
//
// A partition that stops receiving records holds the watermark back (its windows stay open);
// so does a partition that holds records not read yet, or none so far (the caller seeds it
// with kNone), so that reading one partition far ahead at start closes nothing. A partition
// the caller finds idle (no record for a while, by its own clock) is let go by MarkIdle: it
// holds nothing back until its next record, which Add takes as any other (late if its window
// has closed meanwhile).
//
// Threads: a DriftWindows belongs to one thread.
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/table.h"
#include "schema/tweet.h"

namespace covidflow::monitor {

struct WindowsState {
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  // Each partition's latest event time; kNone: it has records, none read yet.
  std::map<int32_t, int64_t> partition_time_ms;
  int64_t closed_through_ms = kNone;  // the end of the last closed window
  // Partitions marked idle since their last record (not committed: a restart starts busy).
  std::set<int32_t> idle;

  // The earliest time of the partitions not idle; kNone until each of them has been read.
  // When every partition is idle (the stream is quiet), the latest time of any: all that
  // was written has been read.
  int64_t Watermark() const;
};

struct StreamWindow {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  Table table;  // the window's rows (AppendEnriched)
};

struct WindowCounts {
  int64_t added = 0;
  // Their window had closed: left out (after a restart, records of closed windows read again
  // are counted here too).
  int64_t late = 0;
};

class DriftWindows {
 public:
  DriftWindows(int64_t window_ms, int64_t lateness_ms, WindowsState state = {});

  // Adds the tweet read at `offset` of `partition` to its window, or counts it as late.
  // Advances the partition's time.
  void Add(const schema::EnrichedTweet& t, int32_t partition, int64_t offset);
  // `partition` stops holding the watermark back until its next record.
  void MarkIdle(int32_t partition) { state_.idle.insert(partition); }
  // The windows closed by the watermark, by start; they leave this object.
  std::vector<StreamWindow> TakeClosed();

  // The offset to resume `partition` from: the first one an open window holds, else `next`
  // (the caller's next offset to read).
  int64_t ResumeOffset(int32_t partition, int64_t next) const;
  const WindowsState& state() const { return state_; }
  const WindowCounts& counts() const { return counts_; }
  size_t open_windows() const { return open_.size(); }

  // The start of the window holding `time_ms`.
  int64_t WindowStart(int64_t time_ms) const;

 private:
  struct Open {
    Table table;
    std::map<int32_t, int64_t> first_offset;  // partition → the first offset it holds
  };
  int64_t window_ms_;
  int64_t lateness_ms_;
  WindowsState state_;
  WindowCounts counts_;
  std::map<int64_t, Open> open_;  // by start
};

// The state as commit metadata ({"closed_through_ms":…,"partitions":{"0":…,…}}); Merge folds
// one partition's metadata into `state` (the latest of each figure). Metadata that is not
// such an object (a first run, another writer) adds nothing.
std::string EncodeWindowsState(const WindowsState& state);
void MergeWindowsState(std::string_view metadata, WindowsState* state);

}  // namespace covidflow::monitor
