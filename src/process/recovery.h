#pragma once
// Recovery: what an earlier run of this processor group already wrote, per input partition,
// and where this run stands (docs/decisions/0002-exactly-once-outputs.md).
//
// When the processor first sees a record of a partition (or the consumer went back on it),
// Admit recovers the partition: with no commit yet, it commits where the partition starts,
// with the outputs' current ends as marks, before anything is written ("birth", so "no
// commit" always means "no output of this group yet"); otherwise it scans the output
// partitions from the last commit's marks to their ends and collects the source offsets
// written by this group (their outcomes). A replayed record found there is kRecovered: it
// is counted with its recorded outcome and not written again. While replayed records remain,
// CommitMarks keeps the marks where the scan started, so a crash before they are all past
// still finds their outputs.
//
// Ownership and threads: one thread (the processor's main thread). The log and consumer are
// the processor's and outlive this object. Admit reads the log's state: when NeedsLogState
// says so, the caller first makes the batch in flight durable and committed.
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "log/log.h"
#include "process/output_marks.h"
#include "process/probe.h"

namespace covidflow::process {

class Recovery {
 public:
  Recovery(log::Log& log, log::Consumer& consumer, OutputTopics topics, ProcessorProbe& probe);

  enum class Verdict {
    kNew,               // to be processed and written
    kRecovered,         // its output exists (recovered_reason says which)
    kAlreadyCommitted,  // delivered again after this run committed it: nothing to do
  };
  struct Admission {
    Verdict verdict = Verdict::kNew;
    // kRecovered: "" for an enriched tweet, else the dead letter's reason name.
    std::string recovered_reason;
  };

  // True when Admit(p, offset) would read the log's state: p not recovered in this run (or
  // forgotten since), or the consumer delivers p from before where it was.
  bool NeedsLogState(PartitionId p, Offset offset) const;
  // The verdict on the record at (p, offset) of the input, in poll order; recovers p first
  // when needed (see above).
  Result<Admission> Admit(PartitionId p, Offset offset);

  // Partitions this member no longer owns are recovered afresh if they come back: another
  // member may have written their outputs meanwhile.
  void ForgetUnowned(const std::vector<TopicPartition>& owned);

  // The marks to commit with `next` for p: `current` (the output ends), or where p's scan
  // started while replayed records at or past `next` remain. Forgets those below `next`.
  OutputMarks CommitMarks(PartitionId p, Offset next, OutputMarks current);
  // After a commit of these next offsets: accepted (records below them are done), or lost
  // to a rebalance (recovered afresh if they come back).
  void Committed(const std::map<PartitionId, Offset>& next);
  void CommitLost(const std::map<PartitionId, Offset>& next);

  // Replayed records still expected for p (0 when p is not recovered).
  size_t pending_replays(PartitionId p) const;

 private:
  struct Partition {
    // source offset → "" (enriched) or the dead letter's reason name
    std::unordered_map<Offset, std::string> outcome;
    // The marks the scan started from (see CommitMarks).
    OutputMarks scanned_from;
  };
  Status Recover(PartitionId p, Offset first);

  log::Log& log_;
  log::Consumer& consumer_;
  const OutputTopics topics_;
  ProcessorProbe& probe_;
  std::map<PartitionId, Partition> recovered_;
  std::map<PartitionId, Offset> next_expected_;   // the next input offset per partition
  std::map<PartitionId, Offset> committed_next_;  // what this run has committed
};

}  // namespace covidflow::process
