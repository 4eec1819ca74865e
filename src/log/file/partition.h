#pragma once
// One partition directory of the embedded log: the writer (append, roll, index, recovery) and
// the reader (locate by index, read, detect the live end). See docs/formats/log.md.
//
// Writers in any number of processes share a partition: every append takes an exclusive
// flock on the partition's "lock" file, catches up with what other writers appended, writes,
// and unlocks. Readers take no lock: they read whole records up to the current file size.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "log/file/names.h"
#include "log/file/record.h"

namespace covidflow::log::file {

struct PartitionOptions {
  int64_t segment_bytes = 128 << 20;   // roll to a new segment before exceeding this
  size_t index_interval_bytes = 4096;  // one index entry per this many segment bytes
  // Retention (docs/formats/log.md): when a writer opens the partition or rolls a segment,
  // the oldest sealed segments are deleted while the partition holds more than
  // retention_bytes, or while their last write is older than retention_ms. The active
  // segment is never deleted. -1 = no limit.
  int64_t retention_bytes = -1;
  int64_t retention_ms = -1;
};

// A torn tail removed by recovery: which file, from which byte, how many bytes, and why.
struct RecoveryEvent {
  std::string file;
  uint64_t position = 0;
  uint64_t dropped_bytes = 0;
  std::string reason;
};

// Collects recovery events from every writer of a log. Thread-safe.
class RecoveryLog {
 public:
  void Add(RecoveryEvent event);
  std::vector<RecoveryEvent> Take();

 private:
  std::mutex mu_;
  std::vector<RecoveryEvent> events_;
};

// Hooks to inject failures at named points in tests (LevelDB fault_injection_test style).
// Null members do nothing.
struct FaultHooks {
  // Called before each segment write with the bytes about to be written; returning a non-OK
  // status makes the write fail after `*write_prefix` bytes reached the file.
  std::function<Status(size_t bytes, size_t* write_prefix)> before_segment_write;
};

class PartitionWriter {
 public:
  // Opens the partition in `dir` (which must exist), recovering it under the partition lock:
  // a torn tail of the last segment is truncated (reported to `recovery`), missing or bad
  // indexes are rebuilt, a bad record followed by valid data is kCorruption.
  static Result<std::unique_ptr<PartitionWriter>> Open(std::string dir,
                                                       const PartitionOptions& options,
                                                       RecoveryLog* recovery,
                                                       const FaultHooks* hooks = nullptr);
  ~PartitionWriter();

  // Writes the records encoded in `batch` by AppendRecord, starting at positions `starts`,
  // assigning consecutive offsets (sealing them in place). Returns the first offset. On a
  // write failure the segment is cut back to the last whole record written and kIoError is
  // returned; records of the batch before that point may be stored (the caller must not
  // treat any record of a failed batch as written).
  Result<int64_t> Append(std::string& batch, std::span<const uint32_t> starts);
  // Starts writing back what was appended without waiting (Linux sync_file_range), so that
  // the syncs of several partitions overlap their device I/O. Best effort.
  void StartSync();
  // What makes everything appended so far durable (fdatasync, and the directory after a
  // roll), detached: another thread may Run it while this writer goes on appending
  // (appends after the detach may or may not be made durable by it).
  class SyncJob {
   public:
    Status Run() const;

   private:
    friend class PartitionWriter;
    std::vector<std::pair<UniqueFd, std::string>> files_;  // descriptor, path for errors
    std::string dir_;                                      // non-empty: fsync this directory last
  };
  Result<SyncJob> DetachSync();
  // When set, a segment is synced before the next one is created, so after a power loss a
  // sealed segment is never shorter than its successor implies (set unless fsync is kNever).
  void set_sync_on_roll(bool sync) { sync_on_roll_ = sync; }
  int64_t next_offset() const { return next_offset_; }

 private:
  PartitionWriter(std::string dir, const PartitionOptions& options, RecoveryLog* recovery,
                  const FaultHooks* hooks);
  Status RecoverLocked();
  Status CatchUpLocked();
  Status OpenSegmentLocked(int64_t base, bool create);
  Status ScanTailLocked(bool rebuild_index);
  Status RollLocked();
  // Deletes sealed segments past the retention limits (oldest first).
  Status ApplyRetentionLocked();
  Status WriteChunkLocked(std::string_view bytes, int64_t records,
                          const std::vector<IndexEntry>& entries);
  std::string SegmentPath(int64_t base) const { return dir_ + "/" + SegmentFileName(base); }
  std::string IndexPath(int64_t base) const { return dir_ + "/" + IndexFileName(base); }

  std::string dir_;
  PartitionOptions options_;
  RecoveryLog* recovery_;
  const FaultHooks* hooks_;
  UniqueFd lock_fd_;
  UniqueFd segment_fd_;
  UniqueFd index_fd_;
  int64_t base_ = 0;
  uint64_t end_pos_ = 0;  // end of the last whole record in the active segment
  int64_t next_offset_ = 0;
  uint64_t last_indexed_ = 0;  // position of the active segment's last index entry
  uint64_t index_size_ = 0;
  std::vector<UniqueFd> unsynced_;  // rolled segments not yet synced
  bool dir_dirty_ = false;
  bool sync_on_roll_ = true;
};

// Buffers that hold polled bytes until the next Poll.
class BufferArena {
 public:
  // A buffer of at least min_size bytes (uninitialised), valid until Reset.
  char* Get(size_t min_size);
  void Reset() { used_ = 0; }

 private:
  struct Buffer {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };
  std::vector<Buffer> buffers_;
  size_t used_ = 0;
};

class PartitionReader {
 public:
  // `chunk_bytes`: the size of each read (larger records get a larger read).
  explicit PartitionReader(std::string dir, size_t chunk_bytes = 1 << 20)
      : dir_(std::move(dir)), chunk_bytes_(chunk_bytes) {}

  // Positions at the first record with offset >= target (clamped to the first stored one).
  Status Seek(int64_t target);
  // Appends up to max_records records at or after the position to `out`; views point into
  // buffers from `arena`. Returns with none when the partition has nothing new yet, including
  // a partial or torn record at the live end. kCorruption for a bad record followed by
  // valid data or at the end of a sealed segment.
  Status Read(size_t max_records, BufferArena* arena, std::vector<RecordView>* out);
  // The next offset Read will return.
  int64_t position() const { return target_ > next_ ? target_ : next_; }
  // First stored offset.
  Result<int64_t> StartOffset();
  // Offset after the last whole record (reads forward from the last index entry).
  Result<int64_t> EndOffset();

 private:
  Status OpenSegment(int64_t base);
  Status CheckTail(uint64_t size, const char* why);
  bool NextSegmentExists() const;

  std::string dir_;
  size_t chunk_bytes_;
  UniqueFd fd_;
  int64_t base_ = -1;
  uint64_t pos_ = 0;
  int64_t next_ = 0;                // offset of the record at pos_
  int64_t target_ = 0;              // records below this are skipped (after a Seek into a segment)
  size_t need_ = 0;                 // a record larger than the default chunk
  uint64_t torn_pos_ = UINT64_MAX;  // a torn live tail already checked at this position...
  uint64_t torn_size_ = 0;          // ...when the file had this size
};

}  // namespace covidflow::log::file
