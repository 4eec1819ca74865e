#include "log/file/partition.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace covidflow::log::file {
namespace {

// Holds an exclusive flock for its lifetime.
class FlockGuard {
 public:
  static Result<FlockGuard> Lock(int fd, const std::string& what) {
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) return Status::FromErrno(errno, "flock " + what);
    }
    return FlockGuard(fd);
  }
  FlockGuard(FlockGuard&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FlockGuard(const FlockGuard&) = delete;
  FlockGuard& operator=(const FlockGuard&) = delete;
  FlockGuard& operator=(FlockGuard&&) = delete;
  ~FlockGuard() {
    if (fd_ >= 0) ::flock(fd_, LOCK_UN);
  }

 private:
  explicit FlockGuard(int fd) : fd_(fd) {}
  int fd_;
};

// A read-only mapping of a whole file, for recovery scans (done under the partition lock, so
// no writer truncates the file while it is mapped).
class Mapping {
 public:
  static Result<Mapping> Map(int fd, uint64_t size, const std::string& path) {
    Mapping m;
    if (size == 0) return m;
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return Status::FromErrno(errno, "mmap " + path);
    m.data_ = static_cast<const char*>(p);
    m.size_ = size;
    return m;
  }
  Mapping() = default;
  Mapping(Mapping&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  Mapping& operator=(Mapping&&) = delete;
  ~Mapping() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view view() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  uint64_t size_ = 0;
};

Status Truncate(int fd, uint64_t size, const std::string& path) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    return Status::FromErrno(errno, "truncate " + path);
  }
  return Status::Ok();
}

// True when a whole record with the offset `e` claims (base + relative_offset) starts at its
// position: an index entry is used only after this check.
bool EntryPointsAtRecord(int fd, uint64_t size, int64_t base, const IndexEntry& e) {
  char frame[kFrameBytes];
  Result<size_t> n = PreadFull(fd, frame, kFrameBytes, e.position);
  if (!n.ok() || *n < kFrameBytes) return false;
  uint32_t length;
  std::memcpy(&length, frame, 4);
  if (length < kMinBodyBytes || length > kMaxBodyBytes ||
      e.position + kFrameBytes + length > size) {
    return false;
  }
  std::string record(kFrameBytes + length, '\0');
  n = PreadFull(fd, record.data(), record.size(), e.position);
  RecordView r;
  return n.ok() && *n == record.size() && ParseRecord(record, &r) == ParseResult::kOk &&
         r.offset == base + static_cast<int64_t>(e.relative_offset);
}

// A sealed segment's index is kept when all of it decodes in order inside the segment and its
// first and last entries check out; otherwise the writer rebuilds it.
bool SealedIndexLooksValid(const std::string& index_path, int fd, uint64_t size, int64_t base) {
  Result<std::string> bytes = ReadWholeFile(index_path);
  if (!bytes.ok() || bytes->size() % kIndexEntryBytes != 0) return false;
  std::vector<IndexEntry> entries = DecodeIndex(*bytes, size);
  if (entries.size() * kIndexEntryBytes != bytes->size()) return false;
  return entries.empty() || (EntryPointsAtRecord(fd, size, base, entries.front()) &&
                             EntryPointsAtRecord(fd, size, base, entries.back()));
}

}  // namespace

void RecoveryLog::Add(RecoveryEvent event) {
  std::lock_guard lock(mu_);
  events_.push_back(std::move(event));
}

std::vector<RecoveryEvent> RecoveryLog::Take() {
  std::lock_guard lock(mu_);
  return std::exchange(events_, {});
}

// ---------------------------------------------------------------------------------------------
// PartitionWriter

PartitionWriter::PartitionWriter(std::string dir, const PartitionOptions& options,
                                 RecoveryLog* recovery, const FaultHooks* hooks)
    : dir_(std::move(dir)), options_(options), recovery_(recovery), hooks_(hooks) {}

PartitionWriter::~PartitionWriter() = default;

Result<std::unique_ptr<PartitionWriter>> PartitionWriter::Open(std::string dir,
                                                               const PartitionOptions& options,
                                                               RecoveryLog* recovery,
                                                               const FaultHooks* hooks) {
  std::unique_ptr<PartitionWriter> w(new PartitionWriter(std::move(dir), options, recovery, hooks));
  ASSIGN_OR_RETURN(w->lock_fd_, OpenFile(w->dir_ + "/lock", O_RDWR | O_CREAT));
  ASSIGN_OR_RETURN(FlockGuard guard, FlockGuard::Lock(w->lock_fd_.get(), w->dir_ + "/lock"));
  RETURN_IF_ERROR(w->RecoverLocked());
  return w;
}

Status PartitionWriter::RecoverLocked() {
  ASSIGN_OR_RETURN(std::vector<int64_t> bases, ListSegments(dir_));
  if (bases.empty()) {
    RETURN_IF_ERROR(OpenSegmentLocked(0, /*create=*/true));
    return Status::Ok();
  }
  // Sealed segments: rebuild an index that is missing or bad. (Readers also verify the entry
  // they use and fall back to scanning, so a bad index is never wrong, only slow.)
  for (size_t i = 0; i + 1 < bases.size(); ++i) {
    std::string path = SegmentPath(bases[i]);
    ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDONLY));
    ASSIGN_OR_RETURN(uint64_t size, FileSize(fd.get()));
    if (SealedIndexLooksValid(IndexPath(bases[i]), fd.get(), size, bases[i])) continue;
    ASSIGN_OR_RETURN(Mapping map, Mapping::Map(fd.get(), size, path));
    ASSIGN_OR_RETURN(ScanResult scan,
                     ScanSegment(map.view(), bases[i], path, options_.index_interval_bytes,
                                 ScanStart{0, bases[i], 0}));
    if (scan.torn_bytes > 0 || scan.next_offset != bases[i + 1]) {
      return Status::Corruption(path + ": sealed segment ends with " +
                                std::to_string(scan.torn_bytes) + " bad bytes at byte " +
                                std::to_string(scan.valid_end) + " (next segment starts at " +
                                std::to_string(bases[i + 1]) + ")");
    }
    const std::string index = IndexPath(bases[i]);
    RETURN_IF_ERROR(ReplaceFileAtomically(index, EncodeIndex(scan.index), TempPathFor(index)));
  }
  RETURN_IF_ERROR(OpenSegmentLocked(bases.back(), /*create=*/false));
  RETURN_IF_ERROR(ScanTailLocked(/*rebuild_index=*/true));
  return ApplyRetentionLocked();
}

Status PartitionWriter::OpenSegmentLocked(int64_t base, bool create) {
  ASSIGN_OR_RETURN(segment_fd_, OpenFile(SegmentPath(base), O_RDWR | (create ? O_CREAT : 0)));
  ASSIGN_OR_RETURN(index_fd_, OpenFile(IndexPath(base), O_RDWR | O_CREAT));
  base_ = base;
  end_pos_ = 0;
  next_offset_ = base;
  last_indexed_ = 0;
  index_size_ = 0;
  if (create) dir_dirty_ = true;
  return Status::Ok();
}

// Checks the active segment from end_pos_ to its end: records other writers appended since
// we last looked, or, at open, the whole segment. Truncates a torn tail.
Status PartitionWriter::ScanTailLocked(bool rebuild_index) {
  std::string path = SegmentPath(base_);
  ASSIGN_OR_RETURN(uint64_t size, FileSize(segment_fd_.get()));
  if (size < end_pos_) {
    return Status::Corruption(path + ": shrank to " + std::to_string(size) + " bytes below the " +
                              std::to_string(end_pos_) + " already written");
  }
  if (size == end_pos_ && !rebuild_index) return Status::Ok();
  ScanResult scan;
  {
    ASSIGN_OR_RETURN(Mapping map, Mapping::Map(segment_fd_.get(), size, path));
    ASSIGN_OR_RETURN(scan, ScanSegment(map.view(), base_, path, options_.index_interval_bytes,
                                       ScanStart{end_pos_, next_offset_, last_indexed_}));
  }
  if (scan.torn_bytes > 0) {
    RETURN_IF_ERROR(Truncate(segment_fd_.get(), scan.valid_end, path));
    if (::fdatasync(segment_fd_.get()) != 0) return Status::FromErrno(errno, "fdatasync " + path);
    if (recovery_ != nullptr) {
      recovery_->Add({path, scan.valid_end, scan.torn_bytes,
                      scan.torn_reason != nullptr ? scan.torn_reason : "torn tail"});
    }
  }
  end_pos_ = scan.valid_end;
  next_offset_ = scan.next_offset;
  if (rebuild_index) {
    // Rewritten in place, not renamed, so writers in other processes keep appending to the
    // same file. A reader that sees it half-written verifies entries and falls back to a scan.
    std::string data = EncodeIndex(scan.index);
    RETURN_IF_ERROR(Truncate(index_fd_.get(), 0, IndexPath(base_)));
    RETURN_IF_ERROR(PwriteFull(index_fd_.get(), data, 0, IndexPath(base_)));
    index_size_ = data.size();
    last_indexed_ = scan.index.empty() ? 0 : scan.index.back().position;
    return Status::Ok();
  }
  // Another writer appended: continue after its last index entry.
  ASSIGN_OR_RETURN(uint64_t isize, FileSize(index_fd_.get()));
  index_size_ = isize - isize % kIndexEntryBytes;
  last_indexed_ = 0;
  if (index_size_ >= kIndexEntryBytes) {
    char buf[kIndexEntryBytes];
    ASSIGN_OR_RETURN(size_t n,
                     PreadFull(index_fd_.get(), buf, sizeof(buf), index_size_ - kIndexEntryBytes));
    std::vector<IndexEntry> last = DecodeIndex(std::string_view(buf, n), end_pos_);
    if (!last.empty()) last_indexed_ = last.back().position;
  }
  return Status::Ok();
}

Status PartitionWriter::CatchUpLocked() {
  RETURN_IF_ERROR(ScanTailLocked(/*rebuild_index=*/false));
  // Another writer may have rolled: its new segment is named by our next offset.
  while (next_offset_ != base_ && PathExists(SegmentPath(next_offset_))) {
    RETURN_IF_ERROR(OpenSegmentLocked(next_offset_, /*create=*/false));
    RETURN_IF_ERROR(ScanTailLocked(/*rebuild_index=*/false));
  }
  if (!PathExists(SegmentPath(base_))) {
    // Other writers rolled on and retention deleted the segment we last wrote (and the ones
    // after it that would have led us on): continue in the last segment there is.
    ASSIGN_OR_RETURN(std::vector<int64_t> bases, ListSegments(dir_));
    if (bases.empty()) return Status::Corruption(dir_ + ": every segment is gone");
    RETURN_IF_ERROR(OpenSegmentLocked(bases.back(), /*create=*/false));
    RETURN_IF_ERROR(ScanTailLocked(/*rebuild_index=*/false));
  }
  return Status::Ok();
}

Status PartitionWriter::ApplyRetentionLocked() {
  if (options_.retention_bytes < 0 && options_.retention_ms < 0) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<int64_t> bases, ListSegments(dir_));
  struct Segment {
    int64_t base;
    uint64_t bytes;
    int64_t mtime_ms;
  };
  std::vector<Segment> segments;
  uint64_t total = 0;
  for (int64_t base : bases) {
    struct stat st;
    if (::stat(SegmentPath(base).c_str(), &st) != 0) continue;  // deleted meanwhile
    const int64_t mtime_ms =
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    segments.push_back({base, static_cast<uint64_t>(st.st_size), mtime_ms});
    total += static_cast<uint64_t>(st.st_size);
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  // Oldest first, never the last (active) segment, nor one at or after our own.
  for (size_t i = 0; i + 1 < segments.size() && segments[i].base < base_; ++i) {
    const Segment& seg = segments[i];
    const bool too_big =
        options_.retention_bytes >= 0 && total > static_cast<uint64_t>(options_.retention_bytes);
    const bool too_old =
        options_.retention_ms >= 0 && seg.mtime_ms < now_ms - options_.retention_ms;
    if (!too_big && !too_old) break;
    // The segment first: a reader lists segments by their .log files.
    if (::unlink(SegmentPath(seg.base).c_str()) != 0 && errno != ENOENT) {
      return Status::FromErrno(errno, "retention: delete " + SegmentPath(seg.base));
    }
    ::unlink(IndexPath(seg.base).c_str());
    total -= seg.bytes;
    dir_dirty_ = true;
  }
  return Status::Ok();
}

Status PartitionWriter::RollLocked() {
  if (sync_on_roll_ && segment_fd_.valid() && ::fdatasync(segment_fd_.get()) != 0) {
    return Status::FromErrno(errno, "fdatasync " + SegmentPath(base_));
  }
  if (segment_fd_.valid()) unsynced_.push_back(std::move(segment_fd_));
  int64_t base = next_offset_;
  ASSIGN_OR_RETURN(segment_fd_, OpenFile(SegmentPath(base), O_RDWR | O_CREAT));
  ASSIGN_OR_RETURN(index_fd_, OpenFile(IndexPath(base), O_RDWR | O_CREAT | O_TRUNC));
  base_ = base;
  end_pos_ = 0;
  last_indexed_ = 0;
  index_size_ = 0;
  dir_dirty_ = true;
  return ApplyRetentionLocked();
}

Status PartitionWriter::WriteChunkLocked(std::string_view bytes, int64_t records,
                                         const std::vector<IndexEntry>& entries) {
  std::string path = SegmentPath(base_);
  Status s;
  size_t prefix = bytes.size();
  if (hooks_ != nullptr && hooks_->before_segment_write) {
    s = hooks_->before_segment_write(bytes.size(), &prefix);
  }
  if (s.ok()) {
    s = PwriteFull(segment_fd_.get(), bytes, end_pos_, path);
  } else {
    Status partial = PwriteFull(segment_fd_.get(), bytes.substr(0, std::min(prefix, bytes.size())),
                                end_pos_, path);
    if (!partial.ok()) s = partial;
  }
  if (!s.ok()) {
    // Cut back to the last whole record so nothing torn stays behind; if even that fails the
    // next writer's recovery drops the partial record.
    (void)Truncate(segment_fd_.get(), end_pos_, path);
    return s;
  }
  end_pos_ += bytes.size();
  next_offset_ += records;
  if (!entries.empty()) {
    std::string data = EncodeIndex(entries);
    if (PwriteFull(index_fd_.get(), data, index_size_, IndexPath(base_)).ok()) {
      index_size_ += data.size();
      last_indexed_ = entries.back().position;
    } else {
      (void)Truncate(index_fd_.get(), index_size_, IndexPath(base_));
    }
  }
  return Status::Ok();
}

Result<int64_t> PartitionWriter::Append(std::string& batch, std::span<const uint32_t> starts) {
  ASSIGN_OR_RETURN(FlockGuard guard, FlockGuard::Lock(lock_fd_.get(), dir_ + "/lock"));
  RETURN_IF_ERROR(CatchUpLocked());
  const int64_t first = next_offset_;
  const uint64_t segment_bytes =
      static_cast<uint64_t>(std::max<int64_t>(options_.segment_bytes, 1));
  size_t chunk_begin = 0;
  int64_t chunk_records = 0;
  std::vector<IndexEntry> entries;
  uint64_t pos = end_pos_;
  uint64_t last_indexed = last_indexed_;
  int64_t offset = next_offset_;
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t begin = starts[i];
    size_t end = i + 1 < starts.size() ? starts[i + 1] : batch.size();
    size_t size = end - begin;
    if (pos > 0 && pos + size > segment_bytes) {
      if (chunk_records > 0) {
        RETURN_IF_ERROR(
            WriteChunkLocked(std::string_view(batch).substr(chunk_begin, begin - chunk_begin),
                             chunk_records, entries));
      }
      RETURN_IF_ERROR(RollLocked());
      chunk_begin = begin;
      chunk_records = 0;
      entries.clear();
      pos = 0;
      last_indexed = 0;
    }
    SealRecord(batch.data() + begin, offset);
    if (pos >= last_indexed + options_.index_interval_bytes && pos <= UINT32_MAX) {
      entries.push_back({static_cast<uint32_t>(offset - base_), static_cast<uint32_t>(pos)});
      last_indexed = pos;
    }
    pos += size;
    ++offset;
    ++chunk_records;
  }
  if (chunk_records > 0) {
    RETURN_IF_ERROR(
        WriteChunkLocked(std::string_view(batch).substr(chunk_begin), chunk_records, entries));
  }
  return first;
}

void PartitionWriter::StartSync() {
#if defined(__linux__)
  if (segment_fd_.valid()) (void)::sync_file_range(segment_fd_.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
}

Result<PartitionWriter::SyncJob> PartitionWriter::DetachSync() {
  SyncJob job;
  if (segment_fd_.valid()) {
    const int fd = ::fcntl(segment_fd_.get(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return Status::FromErrno(errno, "dup " + SegmentPath(base_));
    job.files_.emplace_back(UniqueFd(fd), SegmentPath(base_));
  }
  for (UniqueFd& rolled : unsynced_) {
    job.files_.emplace_back(std::move(rolled), "a rolled segment in " + dir_);
  }
  unsynced_.clear();
  if (dir_dirty_) job.dir_ = dir_;
  dir_dirty_ = false;
  return job;
}

Status PartitionWriter::SyncJob::Run() const {
  for (const auto& [fd, path] : files_) {
    if (::fdatasync(fd.get()) != 0) return Status::FromErrno(errno, "fdatasync " + path);
  }
  if (!dir_.empty()) RETURN_IF_ERROR(FsyncDir(dir_));
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Reading

char* BufferArena::Get(size_t min_size) {
  if (used_ == buffers_.size()) buffers_.emplace_back();
  Buffer& b = buffers_[used_++];
  if (b.size < min_size) {
    b.data.reset(new char[min_size]);  // not zeroed: only the bytes read are looked at
    b.size = min_size;
  }
  return b.data.get();
}

Status PartitionReader::OpenSegment(int64_t base) {
  ASSIGN_OR_RETURN(fd_, OpenFile(dir_ + "/" + SegmentFileName(base), O_RDONLY));
  base_ = base;
  pos_ = 0;
  next_ = base;
  need_ = 0;
  torn_pos_ = UINT64_MAX;
  return Status::Ok();
}

Result<int64_t> PartitionReader::StartOffset() {
  ASSIGN_OR_RETURN(std::vector<int64_t> bases, ListSegments(dir_));
  if (bases.empty()) return Status::NotFound(dir_ + ": no segments");
  return bases.front();
}

Status PartitionReader::Seek(int64_t target) {
  std::vector<int64_t> bases;
  int64_t base = 0;
  // Retention may delete the segment between the listing and the open: list again.
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(bases, ListSegments(dir_));
    if (bases.empty()) return Status::NotFound(dir_ + ": no segments");
    target = std::max(target, bases.front());
    base = *(std::upper_bound(bases.begin(), bases.end(), target) - 1);
    Status opened = OpenSegment(base);
    if (opened.ok()) break;
    if (attempt >= 3 || PathExists(dir_ + "/" + SegmentFileName(base))) return opened;
  }
  target_ = target;
  if (target == base) return Status::Ok();
  Result<std::string> index = ReadWholeFile(dir_ + "/" + IndexFileName(base));
  if (!index.ok()) return Status::Ok();  // no index: scan from the segment start
  ASSIGN_OR_RETURN(uint64_t size, FileSize(fd_.get()));
  std::vector<IndexEntry> entries = DecodeIndex(*index, size);
  auto it =
      std::upper_bound(entries.begin(), entries.end(), target - base,
                       [](int64_t rel, const IndexEntry& e) { return rel < e.relative_offset; });
  if (it == entries.begin()) return Status::Ok();
  const IndexEntry& e = *(it - 1);
  if (EntryPointsAtRecord(fd_.get(), size, base, e)) {
    pos_ = e.position;
    next_ = base + static_cast<int64_t>(e.relative_offset);
  }
  return Status::Ok();
}

// A segment named by the offset after our position means the writer rolled: this one is sealed.
// (An empty segment is named by next_ itself, which is not a next segment.)
bool PartitionReader::NextSegmentExists() const {
  return next_ != base_ && PathExists(dir_ + "/" + SegmentFileName(next_));
}

Status PartitionReader::CheckTail(uint64_t size, const char* why) {
  std::string file = dir_ + "/" + SegmentFileName(base_);
  if (torn_pos_ == pos_ && torn_size_ == size) return Status::Ok();
  std::string rest(size - pos_, '\0');
  ASSIGN_OR_RETURN(size_t n, PreadFull(fd_.get(), rest.data(), rest.size(), pos_));
  rest.resize(n);
  // The writer may have completed the record since our read: then this is no tail at all.
  // (A concurrent append only adds bytes below the size it publishes, so `rest` is a
  // consistent prefix of the file.)
  RecordView whole;
  if (ParseRecord(rest, &whole) == ParseResult::kOk) return Status::Ok();
  if (ValidRecordAfter(rest, 0)) {
    return Status::Corruption(file + ": " + why + " at byte " + std::to_string(pos_) +
                              " followed by valid records");
  }
  if (NextSegmentExists()) {
    return Status::Corruption(file + ": " + why + " at byte " + std::to_string(pos_) +
                              " at the end of a sealed segment");
  }
  // A torn tail at the live end (a writer died mid-write): nothing more to read until a
  // writer reopens the partition and truncates it.
  torn_pos_ = pos_;
  torn_size_ = size;
  return Status::Ok();
}

Status PartitionReader::Read(size_t max_records, BufferArena* arena, std::vector<RecordView>* out) {
  if (!fd_.valid()) RETURN_IF_ERROR(Seek(target_));
  size_t emitted = 0;
  int sealed_rechecks = 0;
  while (true) {
    const size_t want = std::max(chunk_bytes_, need_);
    char* buf = arena->Get(want);
    ASSIGN_OR_RETURN(size_t n, PreadFull(fd_.get(), buf, want, pos_));
    std::string_view data(buf, n);
    size_t p = 0;
    ParseResult last = ParseResult::kOk;
    const char* why = nullptr;
    RecordView r;
    while (p < n && emitted < max_records) {
      last = ParseRecord(data.substr(p), &r, &why);
      if (last != ParseResult::kOk) break;
      if (r.offset != next_) {
        return Status::Corruption(dir_ + "/" + SegmentFileName(base_) + ": record at byte " +
                                  std::to_string(pos_ + p) + " has offset " +
                                  std::to_string(r.offset) + ", expected " + std::to_string(next_));
      }
      if (r.offset >= target_) {
        out->push_back(r);
        ++emitted;
      }
      p += r.size;
      ++next_;
    }
    pos_ += p;
    if (emitted >= max_records) return Status::Ok();
    const bool full_chunk = n == want;
    if (p < n && last == ParseResult::kBad) {
      if (emitted > 0) return Status::Ok();  // deliver the good records first
      ASSIGN_OR_RETURN(uint64_t size, FileSize(fd_.get()));
      return CheckTail(size, why);
    }
    if (p < n && full_chunk) {  // a record crosses the chunk's end
      if (p == 0) {
        uint32_t length;
        std::memcpy(&length, data.data(), 4);
        need_ = kFrameBytes + length;
      }
      if (emitted > 0) return Status::Ok();
      continue;
    }
    if (p == n && full_chunk) {
      if (emitted > 0) return Status::Ok();
      continue;
    }
    // The data currently in this segment ends at pos_ (maybe inside a partial record).
    if (emitted > 0) return Status::Ok();
    if (p > 0) continue;
    if (!NextSegmentExists()) {
      if (n == 0 && !PathExists(dir_ + "/" + SegmentFileName(base_))) {
        // Retention deleted this segment (we read it through our descriptor) and the ones
        // after it: read on from the first segment still stored.
        RETURN_IF_ERROR(Seek(next_));
        if (!PathExists(dir_ + "/" + SegmentFileName(base_))) return Status::Ok();
        continue;
      }
      if (n == 0) return Status::Ok();  // the live end
      // A partial record at the live end: a write in progress or a torn tail, unless valid
      // records follow it (then its length field is corrupt). Same rule as recovery.
      ASSIGN_OR_RETURN(uint64_t size, FileSize(fd_.get()));
      return CheckTail(size, why);
    }
    ASSIGN_OR_RETURN(uint64_t size, FileSize(fd_.get()));
    if (size == pos_) {
      if (!OpenSegment(next_).ok()) {
        // Retention deleted the next segment while we read this one: the records in it are
        // gone, so read on from the first one still stored.
        RETURN_IF_ERROR(Seek(next_));
      }
      continue;
    }
    // The writer may have finished the record between our read and the roll: look again once.
    if (++sealed_rechecks < 2) continue;
    return Status::Corruption(dir_ + "/" + SegmentFileName(base_) + ": partial record at byte " +
                              std::to_string(pos_) + " at the end of a sealed segment");
  }
}

Result<int64_t> PartitionReader::EndOffset() {
  RETURN_IF_ERROR(Seek(INT64_MAX));
  BufferArena arena;
  std::vector<RecordView> none;
  while (true) {
    int64_t before = next_;
    arena.Reset();
    RETURN_IF_ERROR(Read(1, &arena, &none));  // target is past the end: nothing is emitted
    if (next_ == before) return next_;
  }
}

}  // namespace covidflow::log::file
