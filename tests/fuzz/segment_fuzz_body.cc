#include "segment_fuzz_body.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "log/file/group.h"
#include "log/file/names.h"
#include "log/file/partition.h"
#include "log/file/record.h"

namespace covidflow::log::fuzz {
namespace {

using file::ParseResult;
using file::RecordView;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "segment fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

// One partition directory per process, reused for every input.
const std::string& PartitionDir() {
  static const ::covidflow::testing::TempDir root("cf_segment_fuzz");
  static const std::string dir = [] {
    std::string p = root.Sub("p");
    Check(MakeDirs(p).ok(), "mkdir");
    return p;
  }();
  return dir;
}

void WriteFile(const std::string& path, std::string_view bytes) {
  ::unlink(path.c_str());
  auto fd = OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC);
  Check(fd.ok(), "open for write");
  Check(PwriteFull(fd->get(), bytes, 0, path).ok(), "write");
}

// Reads the partition from `target` until no progress; returns offsets or the error.
Status ReadAll(int64_t target, std::vector<int64_t>* offsets) {
  file::PartitionReader reader(PartitionDir());
  RETURN_IF_ERROR(reader.Seek(target));
  file::BufferArena arena;
  for (int rounds = 0; rounds < 100000; ++rounds) {
    arena.Reset();
    std::vector<RecordView> out;
    RETURN_IF_ERROR(reader.Read(1000, &arena, &out));
    if (out.empty()) return Status::Ok();
    for (const RecordView& r : out) offsets->push_back(r.offset);
  }
  Check(false, "reader never stopped");
  return Status::Ok();
}

}  // namespace

void FuzzSegmentBytes(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Parsers of the other on-disk files must not crash on anything either.
  (void)file::DecodeIndex(bytes, size);
  (void)file::DecodeOffsets(bytes, "fuzz-offsets");

  auto scan = file::ScanSegment(bytes, 0, "fuzz.log", 64, file::ScanStart{0, 0, 0});
  if (scan.ok()) {
    Check(scan->valid_end + scan->torn_bytes == size, "scan covers the input");
    Check(scan->next_offset == scan->records, "dense offsets from 0");
    for (const file::IndexEntry& e : scan->index) {
      RecordView r;
      Check(file::ParseRecord(bytes.substr(e.position), &r) == ParseResult::kOk, "index entry");
      Check(r.offset == e.relative_offset, "index entry offset");
    }
  } else {
    Check(scan.status().code() == StatusCode::kCorruption, "scan fails only with corruption");
  }

  const std::string dir = PartitionDir();
  const std::string segment = dir + "/" + file::SegmentFileName(0);
  const std::string index = dir + "/" + file::IndexFileName(0);
  WriteFile(segment, bytes);
  // The same bytes as a (bad) index: readers must verify entries and fall back to scanning.
  WriteFile(index, bytes);

  std::vector<int64_t> offsets;
  Status read = ReadAll(0, &offsets);
  if (scan.ok()) {
    Check(read.ok(), "reader accepts what the scan accepts");
    Check(static_cast<int64_t>(offsets.size()) == scan->records, "reader returns every record");
    const int64_t target = static_cast<int64_t>(size % 7);
    std::vector<int64_t> from_target;
    Check(ReadAll(target, &from_target).ok(), "seek read");
    if (target < scan->records) {
      Check(!from_target.empty() && from_target.front() == target, "seek lands on target");
    } else {
      Check(from_target.empty(), "seek past the end returns nothing");
    }
  } else {
    Check(read.code() == StatusCode::kCorruption, "reader reports the scan's corruption");
  }

  file::RecoveryLog recovery;
  auto writer = file::PartitionWriter::Open(dir, file::PartitionOptions{1 << 30, 64}, &recovery);
  if (!scan.ok()) {
    Check(!writer.ok() && writer.status().code() == StatusCode::kCorruption,
          "recovery refuses a corrupt segment");
    return;
  }
  Check(writer.ok(), "recovery of a segment with a torn tail at most");
  Check((*writer)->next_offset() == scan->next_offset, "recovery keeps every whole record");
  std::vector<file::RecoveryEvent> events = recovery.Take();
  Check(events.size() == (scan->torn_bytes > 0 ? 1u : 0u), "one event per torn tail");
  if (!events.empty()) Check(events[0].dropped_bytes == scan->torn_bytes, "dropped bytes reported");
  auto after = ReadWholeFile(segment);
  Check(after.ok() && after->size() == scan->valid_end, "torn tail truncated");
  // Appending after recovery continues the offsets.
  std::string batch;
  file::AppendRecord(&batch, 1, "k", "v", {});
  std::vector<uint32_t> starts = {0};
  auto first = (*writer)->Append(batch, starts);
  Check(first.ok() && *first == scan->next_offset, "append continues after recovery");
}

}  // namespace covidflow::log::fuzz
