#include "process/processor.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <charconv>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lake/sink.h"
#include "schema/codec.h"
#include "schema/record_headers.h"

namespace covidflow::process {
namespace {

using Clock = std::chrono::steady_clock;

// With exit_when_idle: the longest wait for a member's first partitions, and for an input
// that is not caught up yet delivers nothing more (then the run stops anyway).
constexpr std::chrono::seconds kJoinGrace(15);

// Partition q of a described topic, or null.
const log::PartitionInfo* PartitionOf(const log::TopicInfo& t, PartitionId q) {
  for (const auto& pi : t.partitions) {
    if (pi.partition == q) return &pi;
  }
  return nullptr;
}

// The end offset and the first stored offset of partition q (0 if there is no such partition).
int64_t EndOf(const log::TopicInfo& t, PartitionId q) {
  const log::PartitionInfo* pi = PartitionOf(t, q);
  return pi != nullptr ? pi->end.value() : 0;
}
int64_t StartOf(const log::TopicInfo& t, PartitionId q) {
  const log::PartitionInfo* pi = PartitionOf(t, q);
  return pi != nullptr ? pi->start.value() : 0;
}

// Names the calling thread (shown by top -H, perf and gdb); at most 15 characters.
void NameThread(const char* name) {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), name);
#else
  (void)name;
#endif
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Commit metadata: "v1 enriched=<end> dlq=<end>", the end offsets of this input
// partition's output partitions when the commit was made.
struct OutputMarks {
  int64_t enriched = 0;
  int64_t dlq = 0;
};

std::string FormatMarks(const OutputMarks& m) {
  return "v1 enriched=" + std::to_string(m.enriched) + " dlq=" + std::to_string(m.dlq);
}

std::optional<OutputMarks> ParseMarks(std::string_view s) {
  OutputMarks m;
  if (!s.starts_with("v1 enriched=")) return std::nullopt;
  s.remove_prefix(12);
  size_t sp = s.find(" dlq=");
  if (sp == std::string_view::npos) return std::nullopt;
  auto e = ParseInt(s.substr(0, sp));
  auto d = ParseInt(s.substr(sp + 5));
  if (!e || !d) return std::nullopt;
  m.enriched = *e;
  m.dlq = *d;
  return m;
}

// What an earlier run already wrote for one input partition since its last commit.
struct Recovered {
  // source offset → dead-letter reason name, or "" for an enriched tweet
  std::unordered_map<int64_t, std::string> outcome;
  // The marks the scan started from. While replayed inputs remain in `outcome`, commits
  // keep these marks: those inputs' outputs lie before the current ends, and a commit
  // with the current ends would hide them from the next recovery.
  OutputMarks scanned_from;
};

enum class Outcome : uint8_t { kEnriched, kDeadLetter, kRecovered, kAlreadyCommitted };

// A writer id for the lake from a group name: letters, digits, '_' and '.' only.
std::string WriterId(std::string_view s) {
  std::string id;
  for (char c : s) id.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '_');
  return id.empty() ? "w0" : id;
}

struct Slot {
  Outcome outcome = Outcome::kEnriched;
  bool to_lake = false;
  uint32_t worker = 0;
  uint32_t begin = 0;  // byte range of the encoded value in the worker's buffer
  uint32_t end = 0;
  int32_t partition = 0;  // the source position, kept past the next Poll
  int64_t offset = 0;
  schema::Reason reason = schema::Reason::kMalformedCsv;
  std::string recovered_reason;  // kRecovered: "" enriched, else the dead letter's reason
};

using LayoutOrError = Result<schema::CsvLayout>;

struct Worker {
  std::vector<schema::EnrichedTweet> lake_rows;
  std::string buffer;
  schema::EnrichedTweet enriched;
  schema::DeadLetter dead;
  // The CSV layout of the last csv-header seen (most records of a stream share one).
  std::string layout_key;
  const LayoutOrError* layout = nullptr;
};

}  // namespace

Processor::Processor(log::Log& log, const enrich::Enricher& enricher, LocationFn location,
                     ProcessorOptions options)
    : log_(log), enricher_(enricher), location_(std::move(location)), options_(std::move(options)) {}

Result<ProcessorCounts> Processor::Run(const std::atomic<bool>& stop) {
  const auto started = Clock::now();
  ProcessorCounts counts;
  const ProcessorOptions& o = options_;

  ASSIGN_OR_RETURN(log::TopicInfo input, log_.DescribeTopic(o.input_topic));
  const int out_parts =
      o.output_partitions > 0 ? o.output_partitions : static_cast<int>(input.partitions.size());
  RETURN_IF_ERROR(log_.CreateTopic(o.enriched_topic, out_parts));
  RETURN_IF_ERROR(log_.CreateTopic(o.dlq_topic, out_parts));
  ASSIGN_OR_RETURN(log::TopicInfo enriched_info, log_.DescribeTopic(o.enriched_topic));
  ASSIGN_OR_RETURN(log::TopicInfo dlq_info, log_.DescribeTopic(o.dlq_topic));
  const int n_enriched = static_cast<int>(enriched_info.partitions.size());
  const int n_dlq = static_cast<int>(dlq_info.partitions.size());

  log::ConsumerOptions copts;
  copts.group = o.group;
  copts.max_poll_records = o.batch;
  ASSIGN_OR_RETURN(std::unique_ptr<log::Consumer> consumer, log_.NewConsumer(copts));
  RETURN_IF_ERROR(consumer->Subscribe({o.input_topic}));
  const int n_threads = o.threads > 0
                            ? o.threads
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // Output writers (see ProcessorOptions::send_threads): writer w sends the records of output
  // partitions q with q % n_senders == w, so each partition keeps input order.
  const int n_senders =
      o.send_threads > 0 ? o.send_threads : std::min(n_threads, std::max(n_enriched, n_dlq));
  std::vector<std::unique_ptr<log::Producer>> producers;
  for (int w = 0; w < n_senders; ++w) {
    ASSIGN_OR_RETURN(std::unique_ptr<log::Producer> producer, log_.NewProducer(o.producer));
    producers.push_back(std::move(producer));
  }

  // The lake's own record of what it holds: rows at or below these offsets are not
  // appended again (exactly-once in the lake, independent of the topic outputs).
  std::unique_ptr<lake::LakeSink> sink;
  std::map<int32_t, int64_t> lake_next;  // first source offset not yet in the lake
  if (!o.lake_dir.empty()) {
    lake::SinkOptions so;
    so.writer_id = o.lake_writer_id.empty() ? WriterId(o.group) : o.lake_writer_id;
    ASSIGN_OR_RETURN(sink, lake::LakeSink::Open(o.lake_dir, so));
    ASSIGN_OR_RETURN(auto positions, sink->CommittedPositions());
    for (const auto& [tp, off] : positions) {
      if (tp.topic == o.input_topic) lake_next[tp.partition.value()] = off.value() + 1;
    }
  }

  // Scans the outputs written for `p` since its last commit (see the header comment).
  std::map<int32_t, Recovered> recovered;
  std::map<int32_t, int64_t> next_expected;   // next input offset per partition, this run
  std::map<int32_t, int64_t> committed_next;  // what this run has committed per partition
  auto recover = [&](PartitionId p, Offset first) -> Status {
    TopicPartition tp{o.input_topic, p};
    ASSIGN_OR_RETURN(log::CommitMap committed, consumer->Committed({tp}));
    PartitionId pe(p.value() % n_enriched), pd(p.value() % n_dlq);
    ASSIGN_OR_RETURN(log::TopicInfo ei, log_.DescribeTopic(o.enriched_topic));
    ASSIGN_OR_RETURN(log::TopicInfo di, log_.DescribeTopic(o.dlq_topic));
    auto it = committed.find(tp);
    if (it == committed.end()) {
      // The group's first sight of this partition: commit where it starts, with the
      // outputs' current ends, before writing anything. "No commit" then always means "no
      // output of this group yet", so no recovery ever has to scan whole output topics.
      recovered[p.value()];
      OutputMarks marks{EndOf(ei, pe), EndOf(di, pd)};
      if (o.trace) {
        std::fprintf(stderr, "trace pid=%d birth p%d first=%lld marks=%s\n", ::getpid(), p.value(),
                     static_cast<long long>(first.value()), FormatMarks(marks).c_str());
      }
      return consumer->Commit({{tp, log::CommitPoint{first, FormatMarks(marks)}}});
    }
    OutputMarks from;
    if (auto m = ParseMarks(it->second.metadata)) from = *m;
    // Outputs below a partition's start were deleted by retention: the scan starts there.
    from.enriched = std::max(from.enriched, StartOf(ei, pe));
    from.dlq = std::max(from.dlq, StartOf(di, pd));
    recovered[p.value()].scanned_from = from;
    const int64_t e_end = EndOf(ei, pe);
    const int64_t d_end = EndOf(di, pd);
    Recovered& rec = recovered[p.value()];
    if (from.enriched >= e_end && from.dlq >= d_end) {
      if (o.trace) {
        std::fprintf(stderr, "trace pid=%d recover p%d next=%lld nothing past marks %s\n",
                     ::getpid(), p.value(), static_cast<long long>(it->second.next.value()),
                     FormatMarks(from).c_str());
      }
      return Status::Ok();
    }

    log::ConsumerOptions scan_opts;
    scan_opts.max_poll_records = 65536;
    ASSIGN_OR_RETURN(std::unique_ptr<log::Consumer> scan, log_.NewConsumer(scan_opts));
    std::vector<std::pair<TopicPartition, Offset>> positions;
    if (from.enriched < e_end) {
      positions.push_back({{o.enriched_topic, pe}, Offset(from.enriched)});
    }
    if (from.dlq < d_end) positions.push_back({{o.dlq_topic, pd}, Offset(from.dlq)});
    RETURN_IF_ERROR(scan->Assign(positions));
    int64_t remaining = std::max<int64_t>(0, e_end - from.enriched) +
                        std::max<int64_t>(0, d_end - from.dlq);
    const std::string part_text = std::to_string(p.value());
    int empty_polls = 0;
    while (remaining > 0) {
      ASSIGN_OR_RETURN(std::span<const log::InRecord> recs,
                       scan->Poll(std::chrono::milliseconds(200)));
      if (recs.empty()) {
        if (++empty_polls > 50) {
          return Status::Timeout("recovery scan of partition " + part_text + " did not reach the end");
        }
        continue;
      }
      for (const log::InRecord& r : recs) {
        const bool is_dlq = *r.topic == o.dlq_topic;
        const int64_t end = is_dlq ? d_end : e_end;
        if (r.offset.value() >= end) continue;
        --remaining;
        if (r.FindHeader(kHeaderGroup) != o.group ||
            r.FindHeader(kHeaderSourceTopic) != o.input_topic ||
            r.FindHeader(kHeaderSourcePartition) != part_text) {
          continue;
        }
        auto off = r.FindHeader(kHeaderSourceOffset);
        auto v = off ? ParseInt(*off) : std::nullopt;
        if (!v) continue;
        std::string reason;
        if (is_dlq) {
          auto d = schema::DecodeDeadLetterJson(r.value);
          reason = d.ok() ? std::string(schema::ReasonName(d->reason)) : "unknown";
        }
        rec.outcome[*v] = std::move(reason);
      }
    }
    if (o.trace) {
      std::fprintf(stderr, "trace pid=%d recover p%d next=%lld from=%s ends=%lld/%lld found=%zu\n",
                   ::getpid(), p.value(), static_cast<long long>(it->second.next.value()),
                   FormatMarks(from).c_str(), static_cast<long long>(e_end),
                   static_cast<long long>(d_end), rec.outcome.size());
    }
    return Status::Ok();
  };

  // CSV layouts by csv-header value, shared by the workers under layouts_mu (each looks
  // here only when a record's header differs from its previous one). Never erased, so
  // the pointers workers keep stay valid.
  std::mutex layouts_mu;
  std::map<std::string, std::unique_ptr<LayoutOrError>, std::less<>> layouts;
  auto layout_for = [&](Worker& wk, std::string_view header) -> const LayoutOrError* {
    if (wk.layout != nullptr && header == wk.layout_key) return wk.layout;
    std::lock_guard<std::mutex> lock(layouts_mu);
    auto it = layouts.find(header);
    if (it == layouts.end()) {
      auto layout = std::make_unique<LayoutOrError>(
          schema::CsvLayout::FromHeader(header, o.parse.mapping));
      it = layouts.emplace(std::string(header), std::move(layout)).first;
    }
    wk.layout_key.assign(header);
    wk.layout = it->second.get();
    return wk.layout;
  };
  std::vector<std::vector<log::Header>> sender_headers(n_senders, std::vector<log::Header>(4));
  for (std::vector<log::Header>& headers : sender_headers) {
    headers[0].key = kHeaderSourceTopic;
    headers[0].value = o.input_topic;
    headers[1].key = kHeaderSourcePartition;
    headers[2].key = kHeaderSourceOffset;
    headers[3].key = kHeaderGroup;
    headers[3].value = o.group;
  }

  // Output marks (see the header): the output partitions' ends after the last flush. They
  // are read from the log every few seconds and in between advanced by what this run
  // appended, so they never pass the true end (other writers only make them lag, which
  // widens a recovery scan but cannot skip an output). Reading ends per batch would cost
  // a scan of each partition's tail on the embedded log and a round trip on Kafka.
  std::vector<int64_t> enriched_marks(n_enriched), dlq_marks(n_dlq);
  std::vector<int64_t> sent_enriched(n_enriched), sent_dlq(n_dlq);
  Clock::time_point next_marks_refresh;
  auto refresh_marks = [&]() -> Status {
    ASSIGN_OR_RETURN(log::TopicInfo ei, log_.DescribeTopic(o.enriched_topic));
    ASSIGN_OR_RETURN(log::TopicInfo di, log_.DescribeTopic(o.dlq_topic));
    for (const auto& pi : ei.partitions) enriched_marks.at(pi.partition.value()) = pi.end.value();
    for (const auto& pi : di.partitions) dlq_marks.at(pi.partition.value()) = pi.end.value();
    next_marks_refresh = Clock::now() + std::chrono::seconds(5);
    return Status::Ok();
  };
  RETURN_IF_ERROR(refresh_marks());


  // Two batches in flight: while workers transform batch k, the main thread polls and
  // prepares batch k+1, then (once k is transformed and k+1 handed to the workers) writes
  // batch k (lake, send, flush, commit). A batch's transform reads only its own records
  // (valid through the next Poll, see log::Consumer::Poll), and writes only its own workers
  // and slots; everything shared is touched by the main thread alone (but `layouts`, which
  // has its own lock).
  struct Batch {
    std::span<const log::InRecord> recs;
    std::vector<Slot> slots;
    std::vector<Worker> workers;
    int64_t ingest_ms = 0;
    std::vector<std::jthread> threads;  // the transform while it runs
    bool pending = false;  // handed to the workers, not yet written
  };
  Batch batches[2];
  for (Batch& b : batches) b.workers.resize(n_threads);
  int cur = 0;

  auto last_record = Clock::now();
  auto next_idle_check = last_record;  // exit_when_idle: when to ask caught_up() again
  std::optional<Clock::time_point> first_record;
  auto phase_start = Clock::now();
  auto phase = [&](const char* name) {
    auto now = Clock::now();
    counts.phase_seconds[name] += std::chrono::duration<double>(now - phase_start).count();
    phase_start = now;
  };

  // A written batch's input offsets wait for its outputs to be durable: `thread` runs the
  // producers' deferred flushes, then complete_commit commits (trace, lost commits).
  struct AwaitingCommit {
    log::CommitMap commit;
    std::map<int32_t, Offset> next;
    Status synced;
    bool active = false;
    std::jthread thread;  // last: joined before the rest is destroyed
  } awaiting;
  auto complete_commit = [&]() -> Status {
    if (!awaiting.active) return Status::Ok();
    awaiting.active = false;
    phase_start = Clock::now();
    awaiting.thread.join();
    phase("sync");
    RETURN_IF_ERROR(awaiting.synced.WithContext("flushing outputs"));
    const log::CommitMap& commit = awaiting.commit;
    const std::map<int32_t, Offset>& next = awaiting.next;
    Status committed = consumer->Commit(commit);
    if (o.trace) {
      for (const auto& [tp, cp] : commit) {
        std::fprintf(stderr, "trace pid=%d commit p%d next=%lld %s -> %s\n", ::getpid(),
                     tp.partition.value(), static_cast<long long>(cp.next.value()),
                     cp.metadata.c_str(), committed.ToString().c_str());
      }
    }
    if (committed.code() == StatusCode::kFailedPrecondition) {
      // A rebalance took a partition away after its outputs were written. Its new owner
      // recovers from the last commit's marks and finds these outputs, so nothing is lost
      // or doubled by carrying on.
      ++counts.lost_commits;
      for (const auto& [p, off] : next) recovered.erase(p);
    } else {
      RETURN_IF_ERROR(committed.WithContext("committing offsets"));
      for (const auto& [p, off] : next) committed_next[p] = off.value();
    }
    phase("commit");
    counts.active_seconds = std::chrono::duration<double>(Clock::now() - *first_record).count();
    return Status::Ok();
  };

  // Writes a transformed batch: lake rows first (committed before anything of the batch is
  // sent, so a topic output that exists always has its lake row), then the topic outputs
  // in input order, flush, then the input offsets with the output marks.
  auto finish = [&](Batch& b) -> Status {
    if (!b.pending) return Status::Ok();
    b.pending = false;
    phase_start = Clock::now();
    b.threads.clear();  // joins the transform
    phase("transform");
    // The previous batch's commit first: commits stay in order, and its file-system sync
    // does not wait for this batch's writes.
    RETURN_IF_ERROR(complete_commit());
    // The Poll that started the next batch may have handed partitions of this one to
    // another member (ownership changes only inside Poll). Their records are left to the
    // new owner, which resumes from the last commit: writing them here could land after
    // its recovery scan and be written twice.
    std::vector<char> owned_now(input.partitions.size() + 1, 0);
    for (const TopicPartition& tp : consumer->Assignment()) {
      if (tp.topic == o.input_topic && tp.partition.value() >= 0 &&
          static_cast<size_t>(tp.partition.value()) < owned_now.size()) {
        owned_now[tp.partition.value()] = 1;
      }
    }
    auto owned = [&](int32_t p) {
      return p >= 0 && static_cast<size_t>(p) < owned_now.size() && owned_now[p] != 0;
    };
    if (sink != nullptr) {
      for (Worker& wk : b.workers) {
        for (schema::EnrichedTweet& row : wk.lake_rows) {
          if (!owned(row.source.partition.value())) continue;
          int64_t& next_off = lake_next[row.source.partition.value()];
          next_off = std::max(next_off, row.source.offset.value() + 1);
          sink->Append(std::move(row));
          ++counts.lake_rows;
        }
        wk.lake_rows.clear();
      }
      RETURN_IF_ERROR(sink->Commit().WithContext("committing the lake"));
    }
    phase("lake");
    std::fill(sent_enriched.begin(), sent_enriched.end(), 0);
    std::fill(sent_dlq.begin(), sent_dlq.end(), 0);
    // Main thread: what is written and the counts; then the writers send and flush.
    std::map<int32_t, Offset> next;
    for (Slot& slot : b.slots) {
      if (slot.outcome == Outcome::kAlreadyCommitted) continue;
      if (!owned(slot.partition)) {
        ++counts.handed_over;
        slot.outcome = Outcome::kAlreadyCommitted;  // not written here (see above)
        continue;
      }
      next[slot.partition] = Offset(slot.offset + 1);
      ++counts.consumed;
      if (slot.outcome == Outcome::kRecovered) {
        ++counts.recovered;
        if (slot.recovered_reason.empty()) {
          ++counts.enriched;
        } else {
          ++counts.dead_letters;
          ++counts.dead_letters_by_reason[slot.recovered_reason];
        }
      } else if (slot.outcome == Outcome::kDeadLetter) {
        ++counts.dead_letters;
        ++counts.dead_letters_by_reason[std::string(schema::ReasonName(slot.reason))];
      } else {
        ++counts.enriched;
      }
    }
    // Writer w: its output partitions' records in input order, then its flush. Each writer
    // touches only its own producer, headers and sent_* entries.
    std::vector<log::Producer::Durable> to_sync(n_senders);
    auto send = [&](int w) -> Status {
      std::vector<log::Header>& headers = sender_headers[w];
      for (const Slot& slot : b.slots) {
        if (slot.outcome != Outcome::kEnriched && slot.outcome != Outcome::kDeadLetter) continue;
        const bool dead = slot.outcome == Outcome::kDeadLetter;
        const int32_t q = slot.partition % (dead ? n_dlq : n_enriched);
        if (q % n_senders != w) continue;
        char buf[24];
        auto [pe, ec1] = std::to_chars(buf, buf + sizeof buf, slot.partition);
        headers[1].value.assign(buf, pe);
        auto [oe, ec2] = std::to_chars(buf, buf + sizeof buf, slot.offset);
        headers[2].value.assign(buf, oe);
        log::OutRecord out;
        out.value = std::string_view(b.workers[slot.worker].buffer)
                        .substr(slot.begin, slot.end - slot.begin);
        out.headers = headers;
        out.partition = PartitionId(q);
        RETURN_IF_ERROR(producers[w]->Send(dead ? o.dlq_topic : o.enriched_topic, out));
        ++(dead ? sent_dlq : sent_enriched)[q];
      }
      Result<log::Producer::Durable> durable = producers[w]->FlushDeferred();
      if (!durable.ok()) return durable.status().WithContext("flushing outputs");
      to_sync[w] = std::move(durable).value();
      return Status::Ok();
    };
    std::vector<Status> sent(n_senders);
    {
      std::vector<std::jthread> writers;
      for (int w = 1; w < n_senders; ++w) {
        writers.emplace_back([&, w] {
          NameThread("cf-send");
          sent[w] = send(w);
        });
      }
      sent[0] = send(0);
    }
    for (const Status& s : sent) RETURN_IF_ERROR(s);
    phase("send");
    if (Clock::now() >= next_marks_refresh) {
      RETURN_IF_ERROR(refresh_marks());
    } else {
      for (int q = 0; q < n_enriched; ++q) enriched_marks[q] += sent_enriched[q];
      for (int q = 0; q < n_dlq; ++q) dlq_marks[q] += sent_dlq[q];
    }
    log::CommitMap commit;
    for (const auto& [p, off] : next) {
      OutputMarks marks{enriched_marks[p % n_enriched], dlq_marks[p % n_dlq]};
      // Replayed offsets below `off` are done; later ones may still come in a later batch,
      // and until they have, the marks stay where the recovery scan started.
      if (auto rit = recovered.find(p); rit != recovered.end()) {
        const int64_t done_below = off.value();  // (a lambda may not capture a binding in C++20)
        std::erase_if(rit->second.outcome, [&](const auto& kv) { return kv.first < done_below; });
        if (!rit->second.outcome.empty()) marks = rit->second.scanned_from;
      }
      commit[TopicPartition{o.input_topic, PartitionId(p)}] =
          log::CommitPoint{off, FormatMarks(marks)};
    }
    // This batch's outputs become durable on their own thread while the next batch is
    // transformed; its commit follows at the start of the next finish.
    awaiting.commit = std::move(commit);
    awaiting.next = std::move(next);
    awaiting.active = true;
    awaiting.thread = std::jthread([&awaiting, fns = std::move(to_sync)] {
      NameThread("cf-sync");
      for (const log::Producer::Durable& fn : fns) {
        awaiting.synced = fn();
        if (!awaiting.synced.ok()) return;
      }
    });
    ++counts.batches;
    return Status::Ok();
  };
  auto finish_pending = [&]() -> Status {
    RETURN_IF_ERROR(finish(batches[1 - cur]));
    return complete_commit();
  };

  auto EnrichTweet = [&](schema::EnrichedTweet& e, const log::InRecord& r, int64_t now_ms) {
    e.sentiment = enricher_.Score(e.tweet.text);
    e.enricher = enricher_.Id();
    if (location_) e.location = location_(e.tweet.user_location);
    e.source.topic = *r.topic;
    e.source.partition = r.partition;
    e.source.offset = r.offset;
    e.ingest_time_ms = now_ms;
  };

  // With exit_when_idle: has this member committed every partition it owns to its end?
  auto caught_up = [&]() -> Result<bool> {
    std::vector<TopicPartition> owned = consumer->Assignment();
    if (owned.empty()) return true;
    ASSIGN_OR_RETURN(log::TopicInfo now_input, log_.DescribeTopic(o.input_topic));
    ASSIGN_OR_RETURN(log::CommitMap commits, consumer->Committed(owned));
    for (const TopicPartition& tp : owned) {
      if (tp.topic != o.input_topic) continue;
      auto it = commits.find(tp);
      const int64_t next = it == commits.end() ? 0 : it->second.next.value();
      if (next < EndOf(now_input, tp.partition)) return false;
    }
    return true;
  };

  // Workers: parse + validate + enrich + encode, each over a contiguous share of a batch.
  auto transform = [&](Batch& batch, uint32_t w, size_t begin, size_t end) {
    NameThread("cf-transform");
    const std::span<const log::InRecord> recs = batch.recs;
    std::vector<Slot>& slots = batch.slots;
    const int64_t ingest_ms = batch.ingest_ms;
    Worker& wk = batch.workers[w];
    wk.buffer.clear();
    wk.lake_rows.clear();
    for (size_t i = begin; i < end; ++i) {
      Slot& slot = slots[i];
      if (slot.outcome == Outcome::kAlreadyCommitted) continue;
      if (slot.outcome == Outcome::kRecovered && !slot.to_lake) continue;
      const log::InRecord& r = recs[i];
      slot.worker = w;
      std::optional<schema::ParseError> err;
      std::optional<std::string_view> type, header;  // the first of each, in one pass
      for (const log::HeaderView& h : r.headers) {
        if (!type && h.key == schema::kContentTypeHeader) {
          type = h.value;
        } else if (!header && h.key == schema::kCsvHeaderHeader) {
          header = h.value;
        }
      }
      const bool json = type ? *type == schema::kContentTypeJson
                             : (!r.value.empty() && r.value.front() == '{');
      if (json) {
        err = schema::ParseJsonRecord(r.value, o.parse, &wk.enriched.tweet);
      } else if (header) {
        const LayoutOrError& layout = *layout_for(wk, *header);
        if (layout.ok()) {
          err = schema::ParseCsvRecord(r.value, *layout, o.parse, &wk.enriched.tweet);
        } else {
          err = schema::ParseError{schema::Reason::kColumnCount,
                                   "csv-header unusable: " + layout.status().message(), ""};
        }
      } else {
        err = schema::ParseError{schema::Reason::kUnknownFormat,
                                 "record has no content-type or csv-header header", ""};
      }
      // A recovered record's topic output exists; it is parsed again only for the lake.
      if (slot.outcome == Outcome::kRecovered) {
        if (!err) {
          EnrichTweet(wk.enriched, r, ingest_ms);
          wk.lake_rows.push_back(wk.enriched);
        }
        continue;
      }
      slot.begin = static_cast<uint32_t>(wk.buffer.size());
      if (err) {
        slot.outcome = Outcome::kDeadLetter;
        slot.reason = err->reason;
        schema::DeadLetter& d = wk.dead;
        d.raw.assign(r.value);
        d.reason = err->reason;
        d.message = std::move(err->message);
        d.field = std::move(err->field);
        d.source.topic = *r.topic;
        d.source.partition = r.partition;
        d.source.offset = r.offset;
        d.ingest_time_ms = ingest_ms;
        schema::AppendDeadLetterJson(wk.buffer, d);
      } else {
        slot.outcome = Outcome::kEnriched;
        EnrichTweet(wk.enriched, r, ingest_ms);
        schema::AppendEnrichedJson(wk.buffer, wk.enriched, /*tweet_utf8_checked=*/true);
        if (slot.to_lake) wk.lake_rows.push_back(wk.enriched);
      }
      slot.end = static_cast<uint32_t>(wk.buffer.size());
    }
  };
  // On any return from here on, no transform outlives what it uses.
  struct JoinOnExit {
    Batch* batches;
    ~JoinOnExit() {
      batches[0].threads.clear();
      batches[1].threads.clear();
    }
  } join_on_exit{batches};

  while (!stop.load(std::memory_order_relaxed)) {
    phase_start = Clock::now();
    ASSIGN_OR_RETURN(std::span<const log::InRecord> recs,
                     consumer->Poll(std::min<std::chrono::milliseconds>(
                         o.idle, std::chrono::milliseconds(100))));
    if (recs.empty()) {
      RETURN_IF_ERROR(finish_pending());
      if (o.exit_when_idle) {
        // Idle counts from the last record, but not while the group is still handing out
        // partitions (a Kafka join can take seconds): a member that owns nothing yet is not
        // caught up. It gives up after kJoinGrace without partitions (more members than
        // partitions).
        const auto now = Clock::now();
        if (!first_record && consumer->Assignment().empty() && now - started < kJoinGrace) {
          last_record = now;
        }
        if (now - last_record >= o.idle && now >= next_idle_check) {
          // A quiet poll is not the end of the input: a Kafka fetch can lag behind a busy
          // broker. Stop only when every owned partition is committed up to its end, or
          // after kJoinGrace without a record (a stuck input should not hang the run).
          ASSIGN_OR_RETURN(bool done, caught_up());
          if (done || now - last_record >= kJoinGrace) break;
          next_idle_check = now + o.idle / 2;  // look again after half the idle time
        }
      }
      continue;
    }
    last_record = Clock::now();
    if (!first_record) first_record = last_record;
    phase("poll");
    const int64_t ingest_ms = NowMs();
    Batch& batch = batches[cur];
    // A partition that left this member (rebalance) is recovered afresh if it comes back:
    // another member may have written outputs for it meanwhile.
    if (recovered.size() > 0) {
      std::vector<TopicPartition> owned = consumer->Assignment();
      std::erase_if(recovered, [&](const auto& kv) {
        return std::find(owned.begin(), owned.end(),
                         TopicPartition{o.input_topic, PartitionId(kv.first)}) == owned.end();
      });
    }

    // Main thread: recovery for newly owned partitions, and which records to transform.
    std::vector<Slot>& slots = batch.slots;
    slots.assign(recs.size(), Slot{});
    for (size_t i = 0; i < recs.size(); ++i) {
      const log::InRecord& r = recs[i];
      const int32_t pid = r.partition.value();
      slots[i].partition = pid;
      slots[i].offset = r.offset.value();
      auto pos = next_expected.find(pid);
      const bool rewind = pos != next_expected.end() && r.offset.value() < pos->second;
      // Recovery reads the log's state: the batch still in flight is written first.
      if (rewind || !recovered.contains(pid)) RETURN_IF_ERROR(finish_pending());
      auto done = committed_next.find(pid);
      if (done != committed_next.end() && r.offset.value() < done->second) {
        // Delivered again after this run committed it: already done, not consumed twice.
        slots[i].outcome = Outcome::kAlreadyCommitted;
        continue;
      }
      // The consumer went back (a partition handed back and re-claimed, a refused commit):
      // outputs may exist past the last commit again, so recover the partition afresh.
      if (rewind) recovered.erase(pid);
      next_expected[pid] = r.offset.value() + 1;
      auto rit = recovered.find(pid);
      if (rit == recovered.end()) {
        RETURN_IF_ERROR(recover(r.partition, r.offset));
        rit = recovered.find(pid);
      }
      auto lit = lake_next.find(pid);
      slots[i].to_lake =
          sink != nullptr && (lit == lake_next.end() || r.offset.value() >= lit->second);
      if (!rit->second.outcome.empty()) {
        if (auto hit = rit->second.outcome.find(r.offset.value()); hit != rit->second.outcome.end()) {
          slots[i].outcome = Outcome::kRecovered;
          slots[i].recovered_reason = hit->second;
          if (!slots[i].to_lake) continue;  // else parsed again for its lake row
        }
      }
    }
    phase("prepare");

    // The previous batch's transform ends before this one's starts (the workers take every
    // core), then the previous batch is written while this one is transformed.
    Batch& prev = batches[1 - cur];
    prev.threads.clear();  // joins
    phase("transform");
    batch.recs = recs;
    batch.ingest_ms = ingest_ms;
    batch.pending = true;
    const size_t n = recs.size();
    const size_t active =
        std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(n_threads), (n + 255) / 256));
    for (size_t w = active; w < batch.workers.size(); ++w) {
      batch.workers[w].buffer.clear();
      batch.workers[w].lake_rows.clear();
    }
    const size_t share = (n + active - 1) / active;
    for (size_t w = 0; w < active; ++w) {
      batch.threads.emplace_back(transform, std::ref(batch), static_cast<uint32_t>(w),
                                 std::min(n, w * share), std::min(n, (w + 1) * share));
    }
    // Its error ends the run; JoinOnExit waits for this batch's transform first.
    RETURN_IF_ERROR(finish(prev));
    cur = 1 - cur;
    // Idle time counts from the end of the last batch's work, not from its poll: a slow
    // write (a long flush) must not make the next empty poll look like the end of input.
    last_record = Clock::now();
  }
  RETURN_IF_ERROR(finish_pending());
  counts.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return counts;
}

}  // namespace covidflow::process
