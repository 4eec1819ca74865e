#pragma once
// OutputWriters: send a transformed batch's outputs, make them durable off the main thread,
// and keep the output marks.
//
// Send: N writers (one producer each); writer w sends the records of the output partitions
// q with q % N == w, in input order, so each output partition receives its records in input
// order from one producer. Writer 0 runs on the calling thread, the others on `cf-send`
// threads. Each output carries the src-topic, src-part, src-offset and src-group headers.
// Then each writer's Producer::FlushDeferred writes its records and returns the wait for
// their durability, which runs on a `cf-sync` thread until AwaitDurable.
//
// Marks: the output partitions' ends after the last send. They are read from the log every
// few seconds and in between advanced by what this object sent, so they never pass the true
// end (other writers only make them lag, which widens a recovery scan but cannot skip an
// output). Reading the ends per batch would cost a scan of each partition's tail on the
// embedded log and a round trip on Kafka.
//
// Ownership and threads: one thread (the processor's main thread) calls every method. The
// log outlives this object; the destructor waits for the cf-sync thread.
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "log/log.h"
#include "process/batch.h"
#include "process/output_marks.h"

namespace covidflow::process {

class OutputWriters {
 public:
  // writers <= 0: one per output partition of the larger output topic.
  static Result<std::unique_ptr<OutputWriters>> Open(log::Log& log, OutputTopics topics,
                                                     int writers,
                                                     const log::ProducerOptions& producer);
  ~OutputWriters();
  OutputWriters(const OutputWriters&) = delete;
  OutputWriters& operator=(const OutputWriters&) = delete;

  int writers() const { return static_cast<int>(producers_.size()); }

  // Sends the kEnriched and kDeadLetter slots of `batch`, flushes them deferred and starts
  // the wait for their durability; advances the marks. The previous Send's durability must
  // have been awaited. On error nothing of the batch may be committed.
  Status Send(const Batch& batch);
  // Waits until everything sent is durable (per the log's fsync policy); the error of a
  // failed flush. Ok when nothing is pending.
  Status AwaitDurable();
  bool durable_pending() const { return sync_.joinable(); }

  // The marks of input partition p's outputs (its commit metadata).
  OutputMarks MarksOf(PartitionId p) const {
    return OutputMarks{enriched_marks_[topics_.EnrichedOf(p).value()],
                       dlq_marks_[topics_.DlqOf(p).value()]};
  }
  // Reads the ends from the log now.
  Status RefreshMarks();

 private:
  OutputWriters(log::Log& log, OutputTopics topics);
  Status SendShare(const Batch& batch, int w, log::Producer::Durable* durable);

  log::Log& log_;
  const OutputTopics topics_;
  std::vector<std::unique_ptr<log::Producer>> producers_;
  std::vector<std::vector<log::Header>> headers_;  // per writer: the four output headers
  std::vector<Offset> enriched_marks_, dlq_marks_;
  // Records sent to each output partition by the last Send (each writer its own entries).
  std::vector<int64_t> sent_enriched_, sent_dlq_;
  std::chrono::steady_clock::time_point next_refresh_;
  Status synced_;
  std::jthread sync_;  // last: joined before the rest is destroyed
};

}  // namespace covidflow::process
