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

std::string_view SourceProbe::PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kRead:
      return "read";
    case Phase::kSend:
      return "send";
    case Phase::kPace:
      return "pace";
    case Phase::kFlush:
      return "flush";
  }
  return "send";
}

SourceProbe::SourceProbe(const std::string& topic, metrics::Registry* metrics)
    : topic_(topic), metrics_(metrics) {
  if (metrics_ == nullptr) return;
  const metrics::Labels labels = {{"topic", topic_}};
  Series s;
  s.read = &metrics_->AddCounter("covidflow_produce_records_read_total",
                                 "Records found in the input (sent or skipped).", labels);
  s.sent = &metrics_->AddCounter("covidflow_produce_records_sent_total",
                                 "Records sent to the topic.", labels);
  s.bytes = &metrics_->AddCounter("covidflow_produce_bytes_sent_total",
                                  "Bytes of the records sent to the topic.", labels);
  s.input_bytes = &metrics_->AddCounter("covidflow_produce_input_bytes_total",
                                        "Bytes read from the input.", labels);
  for (int i = 0; i < kPhaseCount; ++i) {
    metrics::Labels pl = labels;
    pl.push_back({"phase", std::string(PhaseName(static_cast<Phase>(i)))});
    s.phases[i] = &metrics_->AddGauge("covidflow_produce_phase_seconds",
                                      "Seconds the file source has spent in each phase so far.",
                                      std::move(pl));
  }
  series_ = s;
}

void SourceProbe::RecordInput(size_t bytes) {
  counts_.input_bytes += static_cast<int64_t>(bytes);
  if (series_) series_->input_bytes->Inc(static_cast<int64_t>(bytes));
}

void SourceProbe::RecordSent(size_t bytes) {
  ++counts_.read, ++counts_.records;
  counts_.bytes += static_cast<int64_t>(bytes);
  if (series_)
    series_->read->Inc(), series_->sent->Inc(), series_->bytes->Inc(static_cast<int64_t>(bytes));
}

void SourceProbe::RecordSkipped(std::string_view reason) {
  ++counts_.read;
  ++counts_.skipped_by_reason[std::string(reason)];
  if (series_) {
    series_->read->Inc();
    metrics_
        ->AddCounter("covidflow_produce_records_skipped_total",
                     "Records found but not sent, by reason.",
                     {{"topic", topic_}, {"reason", std::string(reason)}})
        .Inc();
  }
}

void SourceProbe::AddPhase(Phase phase, Clock::duration d) {
  const int i = static_cast<int>(phase);
  phases_[i] += d;
  const double seconds = std::chrono::duration<double>(phases_[i]).count();
  counts_.phase_seconds[std::string(PhaseName(phase))] = seconds;
  if (series_) series_->phases[i]->Set(seconds);
}

Result<FileSourceCounts> ProduceFromFd(int fd, log::Log& log, log::Producer& producer,
                                       const FileSourceOptions& options,
                                       metrics::Registry* metrics) {
  const auto started = Clock::now();
  SourceProbe probe(options.topic, metrics);
  Status created = log.CreateTopic(options.topic, options.partitions);
  if (!created.ok() && created.code() != StatusCode::kAlreadyExists) return created;
  ASSIGN_OR_RETURN(log::TopicInfo info, log.DescribeTopic(options.topic));
  const int parts = static_cast<int>(info.partitions.size());

  Pacer pacer(options.rate);
  int64_t sent = 0;
  Clock::duration paced{};  // pacing inside the current chunk's send phase
  std::string buf;
  buf.reserve(2 * kChunk);
  // Reads the next chunk, timed and counted.
  auto read_chunk = [&]() -> Result<size_t> {
    const auto t = Clock::now();
    Result<size_t> got = ReadChunk(fd, buf);
    probe.AddPhase(SourceProbe::Phase::kRead, Clock::now() - t);
    if (got.ok()) probe.RecordInput(*got);
    return got;
  };
  ASSIGN_OR_RETURN(size_t got, read_chunk());
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
    out.partition = PartitionId(static_cast<int32_t>(sent % parts));
    RETURN_IF_ERROR(producer.Send(options.topic, out));
    ++sent;
    probe.RecordSent(record.size());
    if (options.rate > 0) {
      const auto t = Clock::now();
      pacer.Wait(sent);
      const auto waited = Clock::now() - t;
      probe.AddPhase(SourceProbe::Phase::kPace, waited);
      paced += waited;
    }
    return Status::Ok();
  };

  size_t consumed = 0;  // bytes of buf already sent
  while (true) {
    const auto send_started = Clock::now();
    paced = {};
    std::string_view data(buf.data() + consumed, buf.size() - consumed);
    size_t used = 0;
    if (json) {
      while (true) {
        size_t nl = data.find('\n', used);
        if (nl == std::string_view::npos) break;
        std::string_view line = data.substr(used, nl - used);
        used = nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") != std::string_view::npos) {
          RETURN_IF_ERROR(send(line));
        } else {
          probe.RecordSkipped("blank");
        }
      }
      if (eof && used < data.size()) {
        std::string_view line = data.substr(used);
        used = data.size();
        if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
          RETURN_IF_ERROR(send(line));
        } else {
          probe.RecordSkipped("blank");
        }
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
        if (!record.empty()) {
          RETURN_IF_ERROR(send(record));
        } else {
          probe.RecordSkipped("blank");
        }
      }
    }
    probe.AddPhase(SourceProbe::Phase::kSend, Clock::now() - send_started - paced);
    consumed += used;
    if (eof) break;
    // Keep the unsent tail at the front of the buffer, then read more.
    buf.erase(0, consumed);
    consumed = 0;
    ASSIGN_OR_RETURN(got, read_chunk());
    eof = got == 0;
  }
  const auto flush_started = Clock::now();
  RETURN_IF_ERROR(producer.Flush().WithContext("flushing " + options.topic));
  probe.AddPhase(SourceProbe::Phase::kFlush, Clock::now() - flush_started);
  FileSourceCounts counts = probe.Snapshot();
  counts.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return counts;
}

}  // namespace covidflow::ingest
