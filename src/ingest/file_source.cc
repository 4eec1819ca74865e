#include "ingest/file_source.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <vector>

#include "schema/csv.h"
#include "schema/record_headers.h"

namespace covidflow::ingest {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kChunk = 4 << 20;

// Paces sends to `rate` records/s (0 = unlimited).
class Pacer {
 public:
  explicit Pacer(double rate) : rate_(rate), start_(Clock::now()) {}
  void Wait(int64_t sent) {
    if (rate_ <= 0) return;
    auto due = start_ + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(static_cast<double>(sent) / rate_));
    if (due > Clock::now()) std::this_thread::sleep_until(due);
  }

 private:
  double rate_;
  Clock::time_point start_;
};

// Appends up to kChunk bytes from fd to buf; returns bytes read (0 at EOF).
Result<size_t> ReadChunk(int fd, std::string& buf) {
  size_t old = buf.size();
  buf.resize(old + kChunk);
  while (true) {
    ssize_t n = ::read(fd, buf.data() + old, kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      buf.resize(old);
      return Status::FromErrno(errno, "read input");
    }
    buf.resize(old + static_cast<size_t>(n));
    return static_cast<size_t>(n);
  }
}

bool LooksJson(const FileSourceOptions& o, std::string_view first_bytes) {
  if (o.format != FileSourceOptions::Format::kAuto)
    return o.format == FileSourceOptions::Format::kJsonl;
  if (o.name.ends_with(".jsonl") || o.name.ends_with(".json")) return true;
  size_t i = first_bytes.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && first_bytes[i] == '{';
}

}  // namespace

Result<FileSourceCounts> ProduceFromFd(int fd, log::Log& log, log::Producer& producer,
                                       const FileSourceOptions& options) {
  const auto started = Clock::now();
  Status created = log.CreateTopic(options.topic, options.partitions);
  if (!created.ok() && created.code() != StatusCode::kAlreadyExists) return created;
  ASSIGN_OR_RETURN(log::TopicInfo info, log.DescribeTopic(options.topic));
  const int parts = static_cast<int>(info.partitions.size());

  FileSourceCounts counts;
  Pacer pacer(options.rate);
  std::string buf;
  buf.reserve(2 * kChunk);
  ASSIGN_OR_RETURN(size_t got, ReadChunk(fd, buf));
  bool eof = got == 0;
  const bool json = LooksJson(options, buf);

  std::vector<log::Header> headers;
  headers.push_back({std::string(schema::kContentTypeHeader),
                     std::string(json ? schema::kContentTypeJson : schema::kContentTypeCsv)});
  bool have_header = json;

  auto send = [&](std::string_view record) -> Status {
    if (!have_header) {
      if (options.mapping) {
        Result<schema::CsvLayout> layout = schema::CsvLayout::FromHeader(record, *options.mapping);
        if (!layout.ok()) return layout.status().WithContext("the CSV header of " + options.name);
      }
      headers.push_back({std::string(schema::kCsvHeaderHeader), std::string(record)});
      have_header = true;
      return Status::Ok();
    }
    log::OutRecord out;
    out.value = record;
    out.headers = headers;
    out.partition = PartitionId(static_cast<int32_t>(counts.records % parts));
    RETURN_IF_ERROR(producer.Send(options.topic, out));
    ++counts.records;
    counts.bytes += static_cast<int64_t>(record.size());
    pacer.Wait(counts.records);
    return Status::Ok();
  };

  size_t consumed = 0;  // bytes of buf already sent
  while (true) {
    std::string_view data(buf.data() + consumed, buf.size() - consumed);
    size_t used = 0;
    if (json) {
      while (true) {
        size_t nl = data.find('\n', used);
        if (nl == std::string_view::npos) break;
        std::string_view line = data.substr(used, nl - used);
        used = nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") != std::string_view::npos) RETURN_IF_ERROR(send(line));
      }
      if (eof && used < data.size()) {
        std::string_view line = data.substr(used);
        used = data.size();
        if (line.find_first_not_of(" \t\r") != std::string_view::npos) RETURN_IF_ERROR(send(line));
      }
    } else {
      schema::CsvSplitter splitter(data);
      std::string_view record;
      while (splitter.Next(&record)) {
        const size_t record_end = static_cast<size_t>(record.data() + record.size() - data.data());
        // A record that ends at the end of the chunk without a terminator may continue in
        // the next chunk: keep it unless this is the end of the input.
        if (!eof && splitter.position() == record_end) break;
        used = splitter.position();
        if (!record.empty()) RETURN_IF_ERROR(send(record));
      }
    }
    consumed += used;
    if (eof) break;
    // Keep the unsent tail at the front of the buffer, then read more.
    buf.erase(0, consumed);
    consumed = 0;
    ASSIGN_OR_RETURN(got, ReadChunk(fd, buf));
    eof = got == 0;
  }
  RETURN_IF_ERROR(producer.Flush().WithContext("flushing " + options.topic));
  counts.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return counts;
}

}  // namespace covidflow::ingest
