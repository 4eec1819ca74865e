#pragma once
// LakeWriter: the lake beside the topics, on its own thread (`cf-lake`).
//
// The main thread hands it each written batch's lake rows (Submit) and goes on; the cf-lake
// thread appends them to the lake::LakeSink and commits the lake, batch after batch in
// submission order. Submit returns a ticket; AwaitCommitted(ticket) returns once that batch
// and every one before it are committed in the lake (durable and visible), so the processor
// commits a batch's input offsets only after its lake rows are durable — the same rule as
// when the lake was written on the main thread (README.md, "The lake").
//
// Exactly-once in the lake: the source offsets the lake already holds
// (LakeSink::CommittedPositions, read by Open) and the ones submitted since are not wanted
// again (Wants), independently of the topic outputs. A crash loses at most rows whose input
// offsets were not committed; the restarted processor reads them again and the lake wants
// them again.
//
// Bounded: at most `capacity` submitted batches are not yet committed; Submit waits for the
// oldest one beyond that (backpressure). An error of the lake thread (a failed append or
// commit) is kept: every later Submit and AwaitCommitted returns it and nothing more is
// written, so the processor stops with it and commits nothing the lake does not hold.
//
// Ownership and threads: one thread (the processor's main thread) calls every method; the
// sink belongs to the caller, must outlive this object and is used only by cf-lake between
// Open and destruction. The destructor finishes the batch being committed, drops the ones
// waiting (their offsets were never committed) and joins the thread.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "lake/sink.h"
#include "process/batch.h"
#include "schema/tweet.h"

namespace covidflow::process {

class LakeWriter {
 public:
  using Ticket = uint64_t;
  // `sink` null: no lake (Wants is false, Submit and AwaitCommitted do nothing).
  LakeWriter(lake::LakeSink* sink, std::string input_topic, size_t capacity = 2);
  ~LakeWriter();
  LakeWriter(const LakeWriter&) = delete;
  LakeWriter& operator=(const LakeWriter&) = delete;

  // Reads the positions the lake holds and starts cf-lake.
  Status Open();
  // Whether the record at (p, offset) still has to go to the lake.
  bool Wants(PartitionId p, Offset offset) const {
    if (sink_ == nullptr) return false;
    auto it = next_.find(p);
    return it == next_.end() || offset >= it->second;
  }
  // Takes the lake rows of `batch`'s workers whose source partition `owned` accepts (the
  // others are dropped: their partition went to another member) and queues them for cf-lake;
  // the workers keep empty row vectors with capacity, and get rows the lake has committed as
  // their lake_spare (the transform parses into them: their strings keep their capacity).
  // Waits while `capacity` batches are uncommitted. The ticket to await, or the lake thread's
  // error.
  template <typename Owned>
  Result<Ticket> Submit(Batch& batch, const Owned& owned) {
    if (sink_ == nullptr) return Ticket{0};
    std::vector<std::vector<schema::EnrichedTweet>> rows;
    rows.reserve(batch.workers.size());
    for (Worker& wk : batch.workers) {
      std::vector<schema::EnrichedTweet>& mine = wk.lake_rows;
      std::erase_if(mine,
                    [&](const schema::EnrichedTweet& r) { return !owned(r.source.partition); });
      for (const schema::EnrichedTweet& r : mine) {
        Offset& next = next_[r.source.partition];
        next = std::max(next, Offset(r.source.offset.value() + 1));
      }
      rows.push_back(std::move(mine));
      mine = std::move(wk.lake_spare);  // what the transform left of it
      mine.clear();
      wk.lake_spare = TakeSpare();
    }
    return Enqueue(std::move(rows));
  }
  // Waits until the batch of `ticket` and all before it are committed in the lake; the lake
  // thread's error if it failed. Ok at once for ticket 0 (nothing submitted).
  Status AwaitCommitted(Ticket ticket);

  // Committed by cf-lake so far (rows, data files); read from any thread.
  int64_t rows_committed() const;
  int64_t files_committed() const;

 private:
  struct Job {
    Ticket ticket = 0;
    std::vector<std::vector<schema::EnrichedTweet>> rows;
  };
  Result<Ticket> Enqueue(std::vector<std::vector<schema::EnrichedTweet>> rows);
  std::vector<schema::EnrichedTweet> TakeSpare();
  void Loop();
  // One job: append its rows and commit the lake (cf-lake).
  Status Commit(Job& job);

  lake::LakeSink* sink_;
  const std::string input_topic_;
  const size_t capacity_;
  std::map<PartitionId, Offset> next_;  // main thread: first source offset not yet submitted
  Ticket last_ticket_ = 0;              // main thread

  mutable std::mutex mu_;
  std::condition_variable changed_;  // a job queued or committed, an error, or stopping
  std::deque<Job> queue_;            // submitted, not yet taken by cf-lake
  Ticket committed_ = 0;             // every ticket up to this one is committed
  Status failed_;                    // cf-lake's first error
  bool stopping_ = false;
  int64_t rows_committed_ = 0;
  int64_t files_committed_ = 0;
  std::vector<std::vector<schema::EnrichedTweet>> spare_;  // committed rows to reuse
  std::jthread thread_;                                    // last: joined first
};

}  // namespace covidflow::process
