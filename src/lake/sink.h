#pragma once
// LakeSink: the processor's writer into the lake. Rows are buffered per event-date
// partition and become durable and visible together at Commit (docs/formats/lake.md):
// every partition's file is written to a .tmp name and fsynced, a commit record listing
// them is renamed into _commits/ (the commit point), then the files are renamed into place
// and the record removed. A crash before the commit point leaves only .tmp files, which
// Open removes; a crash after it is rolled forward by Open. So a commit is all or nothing
// across partitions, and CommittedPositions never claims a row that is not in the lake.
//
// Exactly-once in the lake: the processor commits its log offsets only after Commit
// returns, and after a restart skips every record at or below CommittedPositions().
//
// Ownership and threads: one thread at a time. Writers sharing a lake directory need
// distinct writer_id values; Open takes a lock so one id is used by one sink at a time.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/ids.h"
#include "base/status.h"
#include "lake/writer.h"
#include "schema/tweet.h"

namespace covidflow::lake {

struct SinkOptions {
  WriterOptions writer;
  // Names this writer's files and commit records; recovery on Open touches only these.
  // Letters, digits, '_' and '.' only.
  std::string writer_id = "w0";
};

class LakeSink {
 public:
  // Creates the lake layout if missing, recovers this writer's interrupted commit (roll
  // forward or remove .tmp files), removes files superseded by a finished compaction.
  // kIoError when the directory cannot be created or written (checked here, not at the
  // first Commit); kFailedPrecondition when another sink holds this writer_id.
  static Result<std::unique_ptr<LakeSink>> Open(const std::string& dir, SinkOptions options = {});
  ~LakeSink();
  LakeSink(const LakeSink&) = delete;
  LakeSink& operator=(const LakeSink&) = delete;

  // Buffers a row in the partition of its event date (tweet.date, UTC).
  void Append(const schema::EnrichedTweet& row);
  void Append(schema::EnrichedTweet&& row);
  // Buffers every row of `rows` the same way without copying or moving a row: the sink holds
  // the vector until a Commit succeeds, then TakeCommittedRows gives it back (for reuse).
  void Append(std::vector<schema::EnrichedTweet>&& rows);

  // The vectors appended whole and committed since the last call, rows included (their
  // strings keep their capacity: a caller that parses into them again allocates nothing).
  std::vector<std::vector<schema::EnrichedTweet>> TakeCommittedRows();

  // Makes every buffered row durable and visible, atomically. On error nothing new is
  // visible, the rows stay buffered (Commit may be retried), and the caller must not
  // commit its log offsets.
  Status Commit();

  // For each source topic-partition, the highest offset held by committed files.
  Result<std::map<TopicPartition, Offset>> CommittedPositions() const;

  size_t buffered_rows() const { return buffered_; }
  // Data files this sink has committed since it was opened (one per date partition a
  // commit touched), counted at the commit point.
  int64_t files_committed() const { return files_committed_; }
  const std::string& dir() const { return dir_; }

 private:
  LakeSink(std::string dir, SinkOptions options, UniqueFd lock);
  Status Recover();

  std::string dir_;
  SinkOptions options_;
  UniqueFd lock_;  // holds the writer's flock while open
  std::vector<const schema::EnrichedTweet*>& BufferOf(int64_t unix_seconds);

  // The buffered rows live in held_ (vectors appended whole) and singles_ (rows appended one
  // by one; a deque, so they do not move); the date partitions point at them. Consecutive
  // rows mostly share a day: the last day's buffer is kept.
  std::vector<std::vector<schema::EnrichedTweet>> held_;
  std::deque<schema::EnrichedTweet> singles_;
  std::map<int64_t, std::vector<const schema::EnrichedTweet*>> buffers_;  // by UTC day number
  int64_t last_day_ = 0;
  std::vector<const schema::EnrichedTweet*>* last_buffer_ = nullptr;
  std::vector<std::vector<schema::EnrichedTweet>> committed_;  // for TakeCommittedRows
  size_t buffered_ = 0;
  int64_t files_committed_ = 0;
};

// Completes or discards what crashed writers left behind for `writer_id` (see Open), and
// removes files superseded by a compaction. Exposed for tools and tests.
Status RecoverLake(const std::string& dir, const std::string& writer_id);

}  // namespace covidflow::lake
