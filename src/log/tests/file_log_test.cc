// The embedded log's own tests: the named corruption cases of docs/formats/log.md, recovery,
// failures while writing, several processes on one directory, and group takeover.
#include "log/file/file_log.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <random>
#include <thread>

#include "log/file/names.h"
#include "log/file/record.h"
#include "log/open.h"
#include "log/tests/test_util.h"

namespace covidflow::log::file {
namespace {

using std::chrono::milliseconds;

class FileLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileLog> Open(FileLogOptions options = {}) {
    auto log = FileLog::Open(dir_.path() + "/log", options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  std::string PartitionDir(int p = 0) { return dir_.path() + "/log/topics/t/" + std::to_string(p); }
  std::string Segment(int64_t base = 0, int p = 0) {
    return PartitionDir(p) + "/" + SegmentFileName(base);
  }
  std::string Index(int64_t base = 0, int p = 0) {
    return PartitionDir(p) + "/" + IndexFileName(base);
  }

  // Start positions of the whole records in a segment file.
  std::vector<size_t> RecordStarts(const std::string& bytes) {
    std::vector<size_t> starts;
    size_t pos = 0;
    RecordView r;
    while (pos < bytes.size() &&
           ParseRecord(std::string_view(bytes).substr(pos), &r) == ParseResult::kOk) {
      starts.push_back(pos);
      pos += r.size;
    }
    return starts;
  }

  void WriteBytes(const std::string& path, const std::string& bytes) {
    auto fd = OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC);
    ASSERT_TRUE(fd.ok());
    ASSERT_TRUE(PwriteFull(fd->get(), bytes, 0, path).ok());
  }

  // Ten records in partition 0 of topic "t"; returns the segment's bytes.
  std::string TenRecords(FileLog& log) {
    EXPECT_TRUE(log.CreateTopic("t", 1).ok());
    EXPECT_TRUE(ProduceValues(log, "t", 0, 10, "value-").ok());
    auto bytes = ReadWholeFile(Segment());
    EXPECT_TRUE(bytes.ok());
    EXPECT_EQ(RecordStarts(*bytes).size(), 10u);
    return bytes.ok() ? *bytes : "";
  }

  // Sends one record through a new producer: this opens (and recovers) the partition.
  Status AppendOne(FileLog& log, const std::string& value) {
    return ProduceValues(log, "t", 0, 1, value);
  }

  // Topic "t" with one partition and `batches` flushes of 100 records "value-<offset>";
  // with small segments this rolls several.
  void FillSegments(FileLog& log, int batches) {
    ASSERT_TRUE(log.CreateTopic("t", 1).ok());
    for (int batch = 0; batch < batches; ++batch) {
      ASSERT_TRUE(ProduceValues(log, "t", 0, 100, "value-", batch * 100).ok());
    }
  }

  TempDir dir_;
};

// --- The named corruption cases -------------------------------------------------------------

TEST_F(FileLogTest, BadChecksumInTheMiddleIsCorruptionWithFileAndByte) {
  auto log = Open();
  std::string bytes = TenRecords(*log);
  const size_t third = RecordStarts(bytes)[3];
  bytes[third + 30] ^= 0x40;  // inside the value of offset 3
  WriteBytes(Segment(), bytes);

  std::vector<Copied> got;
  Status s = ReadPartition(*log, "t", 0, 0, &got);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("00000000000000000000.log"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("bad checksum at byte " + std::to_string(third)), std::string::npos)
      << s.message();
  EXPECT_EQ(got.size(), 3u) << "the records before the bad one are delivered";

  s = AppendOne(*log, "more");
  EXPECT_EQ(s.code(), StatusCode::kCorruption)
      << "a writer never truncates valid data: " << s.ToString();
  auto after = ReadWholeFile(Segment());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, bytes) << "nothing was cut or appended";
}

TEST_F(FileLogTest, BadChecksumAtTheTailIsTruncatedAndReported) {
  auto log = Open();
  std::string bytes = TenRecords(*log);
  const size_t last = RecordStarts(bytes)[9];
  bytes[last + 30] ^= 0x01;
  WriteBytes(Segment(), bytes);

  std::vector<Copied> got;
  Status s = ReadPartition(*log, "t", 0, 0, &got);
  EXPECT_TRUE(s.ok()) << "a reader waits at a torn tail: " << s.ToString();
  EXPECT_EQ(got.size(), 9u);

  ASSERT_TRUE(AppendOne(*log, "after-recovery").ok());
  std::vector<RecoveryEvent> events = log->TakeRecoveryEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].file, Segment());
  EXPECT_EQ(events[0].position, last);
  EXPECT_EQ(events[0].dropped_bytes, bytes.size() - last);
  EXPECT_EQ(events[0].reason, "bad checksum");
  got.clear();
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got[9].offset, 9);
  EXPECT_EQ(got[9].value, "after-recovery0");
}

TEST_F(FileLogTest, BadLengthInTheMiddleIsCorruption) {
  for (uint32_t bad_length : {0u, 5u, 0xFFFFFF00u, 100000u /* plausible, runs past the end */}) {
    TempDir other;
    auto log = FileLog::Open(other.path(), {});
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->CreateTopic("t", 1).ok());
    ASSERT_TRUE(ProduceValues(**log, "t", 0, 10, "value-").ok());
    const std::string seg = other.path() + "/topics/t/0/" + SegmentFileName(0);
    std::string bytes = *ReadWholeFile(seg);
    const size_t fourth = RecordStarts(bytes)[4];
    std::memcpy(bytes.data() + fourth, &bad_length, 4);
    WriteBytes(seg, bytes);
    std::vector<Copied> got;
    Status s = ReadPartition(**log, "t", 0, 0, &got);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << bad_length << ": " << s.ToString();
    EXPECT_NE(s.message().find("at byte " + std::to_string(fourth)), std::string::npos)
        << s.message();
    EXPECT_EQ(got.size(), 4u);
    EXPECT_EQ(ProduceValues(**log, "t", 0, 1, "x").code(), StatusCode::kCorruption);
  }
}

TEST_F(FileLogTest, BadLengthAtTheTailIsTruncated) {
  auto log = Open();
  std::string bytes = TenRecords(*log);
  const size_t last = RecordStarts(bytes)[9];
  const uint32_t huge = 0x7FFFFFFF;
  std::memcpy(bytes.data() + last, &huge, 4);
  WriteBytes(Segment(), bytes);
  ASSERT_TRUE(AppendOne(*log, "x").ok());
  auto events = log->TakeRecoveryEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "bad length");
  EXPECT_EQ(events[0].dropped_bytes, bytes.size() - last);
}

TEST_F(FileLogTest, TruncatedTailIsDroppedOnOpenAndReadersWaitAtIt) {
  auto log = Open();
  std::string bytes = TenRecords(*log);
  const size_t last = RecordStarts(bytes)[9];
  ASSERT_EQ(::truncate(Segment().c_str(), static_cast<off_t>(bytes.size() - 5)), 0);

  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok()) << "a partial record is not yet written";
  EXPECT_EQ(got.size(), 9u);
  auto info = log->DescribeTopic("t");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->partitions[0].end, Offset(9));

  ASSERT_TRUE(AppendOne(*log, "x").ok());
  auto events = log->TakeRecoveryEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].position, last);
  EXPECT_EQ(events[0].dropped_bytes, bytes.size() - 5 - last);
  EXPECT_EQ(events[0].reason, "partial record");
  got.clear();
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got[9].value, "x0");
}

TEST_F(FileLogTest, ZeroFilledTailIsDropped) {
  auto log = Open();
  std::string bytes = TenRecords(*log);
  WriteBytes(Segment(), bytes + std::string(8192, '\0'));  // a power loss after size grew

  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  EXPECT_EQ(got.size(), 10u);
  ASSERT_TRUE(AppendOne(*log, "x").ok());
  auto events = log->TakeRecoveryEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].position, bytes.size());
  EXPECT_EQ(events[0].dropped_bytes, 8192u);
  got.clear();
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  ASSERT_EQ(got.size(), 11u);
  EXPECT_EQ(got[10].offset, 10);
}

TEST_F(FileLogTest, MissingIndexIsRebuiltAndSeeksStillLand) {
  FileLogOptions options;
  options.partition.segment_bytes = 8192;
  options.partition.index_interval_bytes = 256;
  auto log = Open(options);
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  ASSERT_TRUE(ProduceValues(*log, "t", 0, 2000, "value-").ok());
  auto bases = ListSegments(PartitionDir());
  ASSERT_TRUE(bases.ok());
  ASSERT_GT(bases->size(), 3u);
  const int64_t sealed = (*bases)[1];
  const int64_t active = bases->back();
  const std::string sealed_index = *ReadWholeFile(Index(sealed));
  const std::string active_index = *ReadWholeFile(Index(active));
  ASSERT_FALSE(sealed_index.empty());
  ASSERT_EQ(::unlink(Index(sealed).c_str()), 0);
  ASSERT_EQ(::unlink(Index(active).c_str()), 0);

  for (int64_t target : {sealed, sealed + 7, (*bases)[2] - 1, active + 3}) {
    std::vector<Copied> got;
    ASSERT_TRUE(ReadPartition(*log, "t", 0, target, &got).ok());
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front().offset, target);
    EXPECT_EQ(got.front().value, "value-" + std::to_string(target));
    EXPECT_EQ(got.size(), static_cast<size_t>(2000 - target));
  }
  ASSERT_TRUE(AppendOne(*log, "x").ok());  // a writer's open rebuilds both
  EXPECT_EQ(*ReadWholeFile(Index(sealed)), sealed_index);
  auto rebuilt = ReadWholeFile(Index(active));
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->substr(0, active_index.size()), active_index);
}

TEST_F(FileLogTest, GarbageIndexFallsBackToScanning) {
  FileLogOptions options;
  options.partition.index_interval_bytes = 128;
  auto log = Open(options);
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  ASSERT_TRUE(ProduceValues(*log, "t", 0, 500, "value-").ok());
  std::string garbage;
  for (int i = 0; i < 64; ++i) {
    uint32_t rel = 10 * i + 3, pos = 97 * i + 5;  // increasing but pointing between records
    garbage.append(reinterpret_cast<const char*>(&rel), 4);
    garbage.append(reinterpret_cast<const char*>(&pos), 4);
  }
  WriteBytes(Index(), garbage);
  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 321, &got).ok());
  ASSERT_EQ(got.size(), 179u);
  EXPECT_EQ(got.front().value, "value-321");
}

TEST_F(FileLogTest, BadIndexOfASealedSegmentIsRebuiltByTheNextWriter) {
  FileLogOptions options;
  options.partition.segment_bytes = 8192;
  options.partition.index_interval_bytes = 256;
  auto log = Open(options);
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  ASSERT_TRUE(ProduceValues(*log, "t", 0, 2000, "value-").ok());
  auto bases = ListSegments(PartitionDir());
  ASSERT_TRUE(bases.ok());
  ASSERT_GT(bases->size(), 3u);
  const int64_t sealed = (*bases)[2];
  const std::string good = *ReadWholeFile(Index(sealed));
  ASSERT_GE(good.size(), 16u);
  std::string bad = good;
  bad[bad.size() - 4] ^= 0x10;  // the last entry points a little elsewhere
  WriteBytes(Index(sealed), bad);
  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, (*bases)[3] - 1, &got).ok());
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front().offset, (*bases)[3] - 1) << "a bad entry is never trusted";
  ASSERT_TRUE(AppendOne(*log, "x").ok());
  EXPECT_EQ(*ReadWholeFile(Index(sealed)), good);
}

TEST_F(FileLogTest, ReaderTreatsAPartialRecordAtTheLiveEndAsNotYetWritten) {
  auto log = Open();
  std::string bytes = TenRecords(*log);
  const size_t last = RecordStarts(bytes)[9];
  WriteBytes(Segment(), bytes.substr(0, last + 11));  // a writer mid-write
  auto consumer = log->NewConsumer({});
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)->Assign({{TopicPartition{"t", PartitionId(0)}, Offset(0)}}).ok());
  size_t seen = 0;
  for (int i = 0; i < 5; ++i) {
    auto polled = (*consumer)->Poll(milliseconds(10));
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    seen += polled->size();
  }
  EXPECT_EQ(seen, 9u);
  // The writer finishes the record.
  auto fd = OpenFile(Segment(), O_WRONLY);
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(
      PwriteFull(fd->get(), std::string_view(bytes).substr(last + 11), last + 11, Segment()).ok());
  auto polled = (*consumer)->Poll(milliseconds(1000));
  ASSERT_TRUE(polled.ok());
  ASSERT_EQ(polled->size(), 1u);
  EXPECT_EQ((*polled)[0].offset, Offset(9));
  EXPECT_EQ((*polled)[0].value, "value-9");
}

TEST_F(FileLogTest, CorruptOffsetsFileIsReportedNotReset) {
  auto log = Open();
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  ConsumerOptions o;
  o.group = "g";
  auto c = log->NewConsumer(o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Subscribe({"t"}).ok());
  const TopicPartition tp{"t", PartitionId(0)};
  ASSERT_TRUE((*c)->Commit({{tp, CommitPoint{Offset(0), "m"}}}).ok());
  const std::string offsets = dir_.path() + "/log/groups/g/offsets";
  std::string bytes = *ReadWholeFile(offsets);
  bytes[bytes.size() / 2] ^= 1;
  WriteBytes(offsets, bytes);
  auto committed = (*c)->Committed({tp});
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.status().code(), StatusCode::kCorruption);
  EXPECT_NE(committed.status().message().find(offsets), std::string::npos);
}

// --- Failures while writing -------------------------------------------------------------------

TEST_F(FileLogTest, UnwritableDirectoryIsAClearError) {
  const std::string not_a_dir = dir_.path() + "/plain-file";
  WriteBytes(not_a_dir, "x");
  auto log = OpenFileLog(not_a_dir + "/log");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kIoError);
  EXPECT_NE(log.status().message().find(not_a_dir), std::string::npos) << log.status().message();

  // A partition directory that cannot hold files: the producer's error names it.
  auto good = Open();
  ASSERT_TRUE(good->CreateTopic("t", 1).ok());
  std::error_code ec;
  std::filesystem::remove_all(PartitionDir(), ec);
  WriteBytes(PartitionDir(), "not a directory");
  Status s = ProduceValues(*good, "t", 0, 3, "v");
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find(PartitionDir()), std::string::npos) << s.message();
}

TEST_F(FileLogTest, InjectedWriteFailureMidBatchCommitsNothingPastWhatWasWritten) {
  FaultHooks hooks;
  int writes = 0;
  hooks.before_segment_write = [&](size_t bytes, size_t* prefix) {
    if (++writes == 2) {
      *prefix = bytes / 2;  // half the batch reaches the disk, then the disk is full
      return Status::IoError("injected: No space left on device");
    }
    return Status::Ok();
  };
  FileLogOptions options;
  options.hooks = &hooks;
  auto log = Open(options);
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  auto producer = log->NewProducer({});
  ASSERT_TRUE(producer.ok());
  auto send = [&](int i) {
    std::string v = "value-" + std::to_string(i);
    OutRecord r;
    r.value = v;
    return (*producer)->Send("t", r);
  };
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(send(i).ok());
  ASSERT_TRUE((*producer)->Flush().ok());
  for (int i = 100; i < 200; ++i) ASSERT_TRUE(send(i).ok());
  Status s = (*producer)->Flush();
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("No space left"), std::string::npos) << s.message();
  EXPECT_EQ(send(200).code(), StatusCode::kIoError) << "a failed producer stays failed";

  auto bytes = ReadWholeFile(Segment());
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(RecordStarts(*bytes).size(), 100u);
  auto scan = ScanSegment(*bytes, 0, "s", 4096, ScanStart{});
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->torn_bytes, 0u) << "the half-written batch was cut back";
  auto info = log->DescribeTopic("t");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->partitions[0].end, Offset(100));

  ASSERT_TRUE(ProduceValues(*log, "t", 0, 5, "again-").ok());
  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  ASSERT_EQ(got.size(), 105u);
  EXPECT_EQ(got[100].value, "again-0");
  EXPECT_TRUE(log->TakeRecoveryEvents().empty());
}

TEST_F(FileLogTest, FileSizeLimitMidBatchIsAnIoErrorAndLeavesWholeRecords) {
  auto log = Open();
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  ASSERT_TRUE(ProduceValues(*log, "t", 0, 100, "before-").ok());
  auto size = ReadWholeFile(Segment());
  ASSERT_TRUE(size.ok());
  // The kernel refuses writes past RLIMIT_FSIZE with EFBIG once SIGXFSZ is ignored: a real
  // short write in the middle of a batch, like a full disk.
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &old_action), 0);
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = size->size() + 1000;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  Status s = ProduceValues(*log, "t", 0, 1000, "during-");
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  ASSERT_EQ(::sigaction(SIGXFSZ, &old_action, nullptr), 0);

  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("File too large"), std::string::npos) << s.message();
  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  EXPECT_EQ(got.size(), 100u);
  ASSERT_TRUE(ProduceValues(*log, "t", 0, 10, "after-").ok());
  EXPECT_TRUE(log->TakeRecoveryEvents().empty()) << "nothing torn was left behind";
  got.clear();
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  ASSERT_EQ(got.size(), 110u);
  EXPECT_EQ(got[100].value, "after-0");
}

// --- Segments ---------------------------------------------------------------------------------

TEST_F(FileLogTest, SegmentsRollBySizeAndReadsCrossThem) {
  FileLogOptions options;
  options.partition.segment_bytes = 4096;
  auto log = Open(options);
  FillSegments(*log, 10);
  auto bases = ListSegments(PartitionDir());
  ASSERT_TRUE(bases.ok());
  ASSERT_GT(bases->size(), 5u);
  for (int64_t base : *bases) {
    auto bytes = ReadWholeFile(Segment(base));
    ASSERT_TRUE(bytes.ok());
    EXPECT_LE(bytes->size(), 4096u);
    RecordView first;
    if (!bytes->empty()) {
      ASSERT_EQ(ParseRecord(*bytes, &first), ParseResult::kOk);
      EXPECT_EQ(first.offset, base) << "a segment is named by its first offset";
    }
  }
  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(got[i].offset, i);
    ASSERT_EQ(got[i].value, "value-" + std::to_string(i));
  }
  auto info = log->DescribeTopic("t");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->partitions[0].end, Offset(1000));
}

// --- Retention ------------------------------------------------------------------------------

TEST_F(FileLogTest, RetentionByBytesKeepsTheNewestSegmentsAndReadsStartAtTheFirstKept) {
  FileLogOptions options;
  options.partition.segment_bytes = 4096;
  options.partition.retention_bytes = 3 * 4096;
  auto log = Open(options);
  FillSegments(*log, 10);
  auto bases = ListSegments(PartitionDir());
  ASSERT_TRUE(bases.ok());
  uint64_t total = 0;
  for (int64_t base : *bases) total += ReadWholeFile(Segment(base))->size();
  EXPECT_LE(total, 3u * 4096 + 4096) << "at most the limit plus the active segment";
  EXPECT_GE(bases->size(), 3u);
  EXPECT_GT(bases->front(), 0) << "the oldest segments were deleted";
  EXPECT_FALSE(PathExists(Index(0))) << "with their indexes";
  auto info = log->DescribeTopic("t");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->partitions[0].start, Offset(bases->front()));
  EXPECT_EQ(info->partitions[0].end, Offset(1000));
  // A read from offset 0 starts at the first record kept and misses none after it.
  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  ASSERT_EQ(got.size(), static_cast<size_t>(1000 - bases->front()));
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].offset, bases->front() + static_cast<int64_t>(i));
    ASSERT_EQ(got[i].value, "value-" + std::to_string(got[i].offset));
  }
}

TEST_F(FileLogTest, RetentionByAgeDeletesSegmentsLastWrittenTooLongAgo) {
  FileLogOptions options;
  options.partition.segment_bytes = 4096;
  {
    auto log = Open(options);
    FillSegments(*log, 6);
  }
  auto before = ListSegments(PartitionDir());
  ASSERT_TRUE(before.ok());
  ASSERT_GE(before->size(), 4u);
  // The first two segments were last written two days ago.
  const struct timespec two_days_ago[2] = {{::time(nullptr) - 2 * 86400, 0},
                                           {::time(nullptr) - 2 * 86400, 0}};
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(::utimensat(AT_FDCWD, Segment((*before)[i]).c_str(), two_days_ago, 0), 0);
  }
  options.partition.retention_ms = 86400 * 1000;  // one day
  auto log = Open(options);
  ASSERT_TRUE(AppendOne(*log, "more").ok());  // a writer opens the partition: retention runs
  auto after = ListSegments(PartitionDir());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, std::vector<int64_t>(before->begin() + 2, before->end()));
  // Even an old active segment stays: the last one is never deleted.
  const int64_t last = after->back();
  ASSERT_EQ(::utimensat(AT_FDCWD, Segment(last).c_str(), two_days_ago, 0), 0);
  ASSERT_TRUE(AppendOne(*Open(options), "again").ok());
  EXPECT_TRUE(PathExists(Segment(last)));
}

TEST_F(FileLogTest, ReaderOverrunByRetentionGoesOnFromTheFirstStoredRecord) {
  FileLogOptions options;
  options.partition.segment_bytes = 4096;
  options.partition.retention_bytes = 2 * 4096;
  auto log = Open(options);
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  ASSERT_TRUE(ProduceValues(*log, "t", 0, 100, "value-").ok());
  ConsumerOptions o;
  o.max_poll_records = 10;
  auto c = log->NewConsumer(o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign({{{"t", PartitionId(0)}, Offset(0)}}).ok());
  auto first = (*c)->Poll(milliseconds(1000));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 10u);
  EXPECT_EQ(first->front().offset, Offset(0));
  // Meanwhile the writer rolls on and retention deletes what the reader has not read yet.
  ASSERT_TRUE(ProduceValues(*log, "t", 0, 900, "value-", 100).ok());
  auto bases = ListSegments(PartitionDir());
  ASSERT_TRUE(bases.ok());
  ASSERT_GT(bases->front(), 100);
  std::vector<int64_t> offsets;
  for (int polls = 0; polls < 1000; ++polls) {
    auto polled = (*c)->Poll(milliseconds(0));
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    if (polled->empty()) break;
    for (const InRecord& r : *polled) {
      EXPECT_EQ(r.value, "value-" + std::to_string(r.offset.value()));
      offsets.push_back(r.offset.value());
    }
  }
  ASSERT_FALSE(offsets.empty());
  EXPECT_EQ(offsets.back(), 999) << "read to the end";
  for (size_t i = 1; i < offsets.size(); ++i) {
    ASSERT_LT(offsets[i - 1], offsets[i]);
  }
  // One gap at most (the deleted segments), then contiguous to the end.
  const auto gap = std::adjacent_find(offsets.begin(), offsets.end(),
                                      [](int64_t a, int64_t b) { return b != a + 1; });
  ASSERT_NE(gap, offsets.end()) << "the deleted records were skipped";
  EXPECT_GE(*(gap + 1), bases->front());
  EXPECT_EQ(
      std::adjacent_find(gap + 1, offsets.end(), [](int64_t a, int64_t b) { return b != a + 1; }),
      offsets.end());
}

TEST_F(FileLogTest, RecordLargerThanTheReadChunkIsRead) {
  auto log = Open();
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  auto producer = log->NewProducer({});
  ASSERT_TRUE(producer.ok());
  const std::string big(3 << 20, 'b');
  for (const std::string& v : {std::string("small"), big, std::string("tail")}) {
    OutRecord r;
    r.value = v;
    ASSERT_TRUE((*producer)->Send("t", r).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());
  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].value, big);
  EXPECT_EQ(got[2].value, "tail");
}

// A poll is filled up to max_poll_records from several read chunks of each partition, so the
// processor's batch size is what --batch says.
TEST_F(FileLogTest, PollFillsUpToMaxPollRecordsAcrossReadChunks) {
  auto log = Open();
  ASSERT_TRUE(log->CreateTopic("t", 2).ok());
  auto producer = log->NewProducer({});
  ASSERT_TRUE(producer.ok());
  const std::string value(1000, 'v');  // 2 x 3000 records: about 3 read chunks per partition
  for (int i = 0; i < 6000; ++i) {
    OutRecord r;
    r.value = value;
    r.partition = PartitionId(i % 2);
    ASSERT_TRUE((*producer)->Send("t", r).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());
  ConsumerOptions o;
  o.max_poll_records = 5000;
  auto c = log->NewConsumer(o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(
      (*c)->Assign({{{"t", PartitionId(0)}, Offset(0)}, {{"t", PartitionId(1)}, Offset(0)}}).ok());
  auto first = (*c)->Poll(milliseconds(1000));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 5000u);
  auto second = (*c)->Poll(milliseconds(1000));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->size(), 1000u);
}

// --- Several processes on one directory -------------------------------------------------------

// Runs `body` in a child process; returns its pid. The child exits 0 when body returns true.
template <typename F>
pid_t Spawn(F body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body() ? 0 : 1);
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(FileLogTest, TwoProcessesAppendingToOnePartitionLoseNothing) {
  FileLogOptions options;
  options.partition.segment_bytes = 64 << 10;  // rolls happen while both write
  auto log = Open(options);
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  const std::string root = dir_.path() + "/log";
  auto writer = [&](const std::string& name) {
    return [root, name, options] {
      auto child_log = FileLog::Open(root, options);
      if (!child_log.ok()) return false;
      for (int batch = 0; batch < 60; ++batch) {
        if (!ProduceValues(**child_log, "t", 0, 50, name + "-", batch * 50).ok()) return false;
      }
      return true;
    };
  };
  pid_t a = Spawn(writer("a"));
  pid_t b = Spawn(writer("b"));
  ASSERT_EQ(WaitExit(a), 0);
  ASSERT_EQ(WaitExit(b), 0);
  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  ASSERT_EQ(got.size(), 6000u);
  int next_a = 0, next_b = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].offset, static_cast<int64_t>(i));
    if (got[i].value[0] == 'a') {
      ASSERT_EQ(got[i].value, "a-" + std::to_string(next_a++));
    } else {
      ASSERT_EQ(got[i].value, "b-" + std::to_string(next_b++));
    }
  }
  EXPECT_EQ(next_a, 3000);
  EXPECT_EQ(next_b, 3000);
}

TEST_F(FileLogTest, KilledWriterLeavesEveryFlushedRecordReadable) {
  auto log = Open();
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  const std::string root = dir_.path() + "/log";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = Spawn([&] {
    auto child_log = FileLog::Open(root, {});
    if (!child_log.ok()) return false;
    ProducerOptions po;
    po.fsync = FsyncPolicy::kNever;
    auto producer = (*child_log)->NewProducer(po);
    if (!producer.ok()) return false;
    std::string value(200, 'k');
    for (int i = 0;; ++i) {
      OutRecord r;
      r.value = value;
      if (!(*producer)->Send("t", r).ok()) return false;
      if (i % 100 == 99) {
        if (!(*producer)->Flush().ok()) return false;
        if (i == 999) (void)!::write(ready[1], "x", 1);
      }
    }
  });
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::kill(child, SIGKILL);
  EXPECT_EQ(WaitExit(child), 128 + SIGKILL);
  ::close(ready[0]);
  ::close(ready[1]);

  auto info = log->DescribeTopic("t");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const int64_t end = info->partitions[0].end.value();
  EXPECT_GE(end, 1000);
  std::vector<Copied> got;
  ASSERT_TRUE(ReadPartition(*log, "t", 0, 0, &got).ok());
  EXPECT_EQ(static_cast<int64_t>(got.size()), end);
  ASSERT_TRUE(AppendOne(*log, "after").ok());
  got.clear();
  ASSERT_TRUE(ReadPartition(*log, "t", 0, end, &got).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].offset, end);
}

// kill -9 in a loop (STYLE.md practice 10): a writer that reports each successful Flush is
// killed at random moments, 25 times, with rolls and no fsync. After every kill the log must
// hold every acknowledged record, exactly once, in order, with dense offsets.
TEST_F(FileLogTest, WritersKilledAtRandomMomentsNeverLoseOrDuplicateAcknowledgedRecords) {
  FileLogOptions options;
  options.partition.segment_bytes = 32 << 10;
  auto log = Open(options);
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  const std::string root = dir_.path() + "/log";
  std::mt19937 rng(2026);
  int64_t acknowledged = 0;
  for (int round = 0; round < 25; ++round) {
    int acks[2];
    ASSERT_EQ(::pipe(acks), 0);
    pid_t child = Spawn([&] {
      ::close(acks[0]);
      auto child_log = FileLog::Open(root, options);
      if (!child_log.ok()) return false;
      auto info = (*child_log)->DescribeTopic("t");
      if (!info.ok()) return false;
      // Values continue the sequence from the current end: a lost or repeated record breaks it.
      int64_t next = info->partitions[0].end.value();
      ProducerOptions po;
      po.fsync = FsyncPolicy::kNever;
      po.batch_bytes = 8 << 10;
      auto producer = (*child_log)->NewProducer(po);
      if (!producer.ok()) return false;
      for (int batch = 1;; ++batch) {
        for (int i = 0; i < batch % 97 + 1; ++i) {
          std::string v = std::to_string(next++);
          OutRecord r;
          r.value = v;
          if (!(*producer)->Send("t", r).ok()) return false;
        }
        if (!(*producer)->Flush().ok()) return false;
        if (::write(acks[1], &next, sizeof(next)) != sizeof(next)) return false;
      }
    });
    ::close(acks[1]);
    // Odd rounds wait for the writer's first acknowledgement before the random delay, so a
    // loaded machine (where a child may not reach its first Flush within 20 ms) still kills
    // writers mid-stream; even rounds may kill it anywhere, during Open included.
    int64_t ack = 0;
    if (round % 2 == 1 && ::read(acks[0], &ack, sizeof(ack)) == sizeof(ack))
      acknowledged = std::max(acknowledged, ack);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    ::kill(child, SIGKILL);
    EXPECT_EQ(WaitExit(child), 128 + SIGKILL);
    while (::read(acks[0], &ack, sizeof(ack)) == sizeof(ack))
      acknowledged = std::max(acknowledged, ack);
    ::close(acks[0]);

    std::vector<Copied> got;
    Status s = ReadPartition(*log, "t", 0, 0, &got);
    ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.ToString();
    ASSERT_GE(static_cast<int64_t>(got.size()), acknowledged) << "round " << round;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].offset, static_cast<int64_t>(i));
      ASSERT_EQ(got[i].value, std::to_string(i)) << "round " << round;
    }
  }
  EXPECT_GT(acknowledged, 0);
}

TEST_F(FileLogTest, PartitionsOfADeadGroupMemberAreTakenOver) {
  FileLogOptions options;
  options.rebalance_interval = milliseconds(20);
  auto log = Open(options);
  ASSERT_TRUE(log->CreateTopic("t", 2).ok());
  const std::string root = dir_.path() + "/log";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = Spawn([&] {
    auto child_log = FileLog::Open(root, options);
    if (!child_log.ok()) return false;
    ConsumerOptions co;
    co.group = "g";
    auto consumer = (*child_log)->NewConsumer(co);
    if (!consumer.ok() || !(*consumer)->Subscribe({"t"}).ok()) return false;
    if ((*consumer)->Assignment().size() != 2) return false;
    (void)!::write(ready[1], "x", 1);
    while (true) ::pause();  // holds its leases without polling, then is killed
  });
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ConsumerOptions co;
  co.group = "g";
  auto consumer = log->NewConsumer(co);
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)->Subscribe({"t"}).ok());
  ASSERT_TRUE((*consumer)->Poll(milliseconds(100)).ok());
  EXPECT_TRUE((*consumer)->Assignment().empty()) << "the live member holds both leases";
  EXPECT_EQ((*consumer)
                ->Commit({{TopicPartition{"t", PartitionId(0)}, CommitPoint{Offset(0), ""}}})
                .code(),
            StatusCode::kFailedPrecondition);

  ::kill(child, SIGKILL);
  WaitExit(child);
  ::close(ready[0]);
  ::close(ready[1]);
  for (int i = 0; i < 500 && (*consumer)->Assignment().size() < 2; ++i) {
    ASSERT_TRUE((*consumer)->Poll(milliseconds(20)).ok());
  }
  EXPECT_EQ((*consumer)->Assignment().size(), 2u);
  EXPECT_TRUE((*consumer)
                  ->Commit({{TopicPartition{"t", PartitionId(0)}, CommitPoint{Offset(0), ""}}})
                  .ok());
}

TEST_F(FileLogTest, ConsumerFollowsAWriterInAnotherProcessThroughPartialWrites) {
  FileLogOptions options;
  options.partition.segment_bytes = 256 << 10;  // the reader crosses rolls while following
  auto log = Open(options);
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  const std::string root = dir_.path() + "/log";
  constexpr int kRecords = 30000;
  pid_t child = Spawn([root, options] {
    auto child_log = FileLog::Open(root, options);
    if (!child_log.ok()) return false;
    ProducerOptions po;
    po.fsync = FsyncPolicy::kNever;
    po.batch_bytes = 64 << 10;  // large writes, so the reader often sees one half-done
    auto producer = (*child_log)->NewProducer(po);
    if (!producer.ok()) return false;
    for (int i = 0; i < kRecords; ++i) {
      std::string v = "value-" + std::to_string(i) + std::string(i % 300, '.');
      OutRecord r;
      r.value = v;
      if (!(*producer)->Send("t", r).ok()) return false;
      if (i % 777 == 0 && !(*producer)->Flush().ok()) return false;
    }
    return (*producer)->Flush().ok();
  });
  auto consumer = log->NewConsumer({});
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)->Assign({{TopicPartition{"t", PartitionId(0)}, Offset(0)}}).ok());
  int next = 0;
  for (int polls = 0; next < kRecords && polls < 200000; ++polls) {
    auto polled = (*consumer)->Poll(milliseconds(50));
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    for (const InRecord& r : *polled) {
      ASSERT_EQ(r.offset, Offset(next));
      ASSERT_EQ(r.value, "value-" + std::to_string(next) + std::string(next % 300, '.'));
      ++next;
    }
  }
  EXPECT_EQ(WaitExit(child), 0);
  EXPECT_EQ(next, kRecords);
}

TEST_F(FileLogTest, CommitsFromTwoProcessesToOneGroupAreBothKept) {
  auto log = Open();
  ASSERT_TRUE(log->CreateTopic("t", 2).ok());
  const std::string root = dir_.path() + "/log";
  auto committer = [root](int partition) {
    return [root, partition] {
      auto child_log = FileLog::Open(root, {});
      if (!child_log.ok()) return false;
      ConsumerOptions co;
      co.group = "g";
      auto c = (*child_log)->NewConsumer(co);
      const TopicPartition tp{"t", PartitionId(partition)};
      if (!c.ok() || !(*c)->Assign({{tp, Offset(0)}}).ok()) return false;
      std::string metadata = "p";
      metadata += std::to_string(partition);
      for (int i = 1; i <= 200; ++i) {
        if (!(*c)->Commit({{tp, CommitPoint{Offset(i), metadata}}}).ok()) {
          return false;
        }
      }
      return true;
    };
  };
  pid_t a = Spawn(committer(0));
  pid_t b = Spawn(committer(1));
  ASSERT_EQ(WaitExit(a), 0);
  ASSERT_EQ(WaitExit(b), 0);
  ConsumerOptions co;
  co.group = "g";
  auto c = log->NewConsumer(co);
  ASSERT_TRUE(c.ok());
  const TopicPartition p0{"t", PartitionId(0)}, p1{"t", PartitionId(1)};
  auto committed = (*c)->Committed({p0, p1});
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  ASSERT_EQ(committed->size(), 2u) << "a read-modify-write lost the other process's commit";
  EXPECT_EQ(committed->at(p0).next, Offset(200));
  EXPECT_EQ(committed->at(p0).metadata, "p0");
  EXPECT_EQ(committed->at(p1).next, Offset(200));
  EXPECT_EQ(committed->at(p1).metadata, "p1");
}

TEST_F(FileLogTest, LeftoversOfCrashedCommitsAndJoinsAreRemoved) {
  auto log = Open();
  ASSERT_TRUE(log->CreateTopic("t", 1).ok());
  const std::string group = dir_.path() + "/log/groups/g";
  ASSERT_TRUE(MakeDirs(group + "/members").ok());
  WriteBytes(group + "/.tmp-99999-0-offsets", "half-written");
  WriteBytes(group + "/members/.join-00000000000000000001-dead", "");
  ConsumerOptions o;
  o.group = "g";
  auto c = log->NewConsumer(o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Subscribe({"t"}).ok());
  ASSERT_TRUE(
      (*c)->Commit({{TopicPartition{"t", PartitionId(0)}, CommitPoint{Offset(0), ""}}}).ok());
  EXPECT_FALSE(PathExists(group + "/.tmp-99999-0-offsets"));
  EXPECT_FALSE(PathExists(group + "/members/.join-00000000000000000001-dead"));
  EXPECT_EQ((*c)->Assignment().size(), 1u);
}

TEST_F(FileLogTest, TopicNamesAreCheckedAndConcurrentCreatesAgree) {
  auto log = Open();
  EXPECT_EQ(log->CreateTopic("../escape", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->CreateTopic(".hidden", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->CreateTopic("t", 0).code(), StatusCode::kInvalidArgument);
  const std::string root = dir_.path() + "/log";
  std::vector<pid_t> pids;
  for (int i = 0; i < 4; ++i) {
    pids.push_back(Spawn([root] {
      auto l = FileLog::Open(root, {});
      return l.ok() && (*l)->CreateTopic("shared", 3).ok();
    }));
  }
  for (pid_t p : pids) EXPECT_EQ(WaitExit(p), 0);
  auto info = log->DescribeTopic("shared");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->partitions.size(), 3u);
  auto topics = log->ListTopics();
  ASSERT_TRUE(topics.ok());
  EXPECT_EQ(*topics, std::vector<std::string>{"shared"}) << "no temporary directories listed";
}

}  // namespace
}  // namespace covidflow::log::file
