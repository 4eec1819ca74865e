#include "process/processor.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "process/batch.h"
#include "process/lake_writer.h"
#include "process/output_marks.h"
#include "process/output_writers.h"
#include "process/recovery.h"
#include "process/transform.h"

namespace covidflow::process {
namespace {

using Clock = std::chrono::steady_clock;

// With exit_when_idle: the longest wait for a member's first partitions, and for an input
// that is not caught up yet delivers nothing more (then the run stops anyway).
constexpr std::chrono::seconds kJoinGrace(15);
// With exit_when_idle: how long a member that is not caught up waits without a record before
// it reads its partitions again from their commits (see RewindToCommitted).
constexpr std::chrono::seconds kRewindAfter(3);

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Offset EndOf(const log::TopicInfo& t, PartitionId q) {
  for (const auto& pi : t.partitions) {
    if (pi.partition == q) return pi.end;
  }
  return Offset(0);
}

// The input partitions this member owns now (ownership changes only inside Poll).
class Owned {
 public:
  Owned(const log::Consumer& consumer, const std::string& topic, size_t partitions)
      : owned_(partitions + 1, 0) {
    for (const TopicPartition& tp : consumer.Assignment()) {
      const int32_t p = tp.partition.value();
      if (tp.topic == topic && p >= 0 && static_cast<size_t>(p) < owned_.size()) owned_[p] = 1;
    }
  }
  bool operator()(PartitionId p) const {
    const int32_t v = p.value();
    return v >= 0 && static_cast<size_t>(v) < owned_.size() && owned_[v] != 0;
  }

 private:
  std::vector<char> owned_;
};

// One run's stages and the state they share; the main thread's steps are its methods.
class Pipeline {
 public:
  static Result<std::unique_ptr<Pipeline>> Open(log::Log& log, lake::LakeSink* lake,
                                                const ProcessorOptions& o, ProcessorProbe& probe);

  Result<std::span<const log::InRecord>> Poll() {
    return consumer_->Poll(
        std::min<std::chrono::milliseconds>(o_.idle, std::chrono::milliseconds(100)));
  }
  // Recovery for newly owned partitions, and which records of `recs` to transform.
  Status Prepare(Batch& batch, std::span<const log::InRecord> recs);
  // Writes a transformed batch: the previous batch's commit, lake rows, then the topic
  // outputs (durable on cf-sync; their commit waits for the next Write or FinishPending).
  Status Write(Batch& b);
  // The batch in flight written and every write committed (before reading the log's state).
  Status FinishPending() {
    RETURN_IF_ERROR(Write(batches_[1 - cur_]));
    return CompleteCommit();
  }
  // With exit_when_idle: has this member committed every partition it owns to its end?
  // A log that cannot answer now (kUnavailable, kTimeout) is "not yet", not an error.
  Result<bool> CaughtUp();
  // Sends every owned input partition whose commit is behind its end back to its committed
  // offset: the records of a commit lost to an outage come again, recovery finds their
  // outputs, and they are committed this time.
  Status RewindToCommitted();
  // Since when commits or the end-of-input check have failed for want of the log (none:
  // they work). Give up once this is older than outage_timeout.
  std::optional<std::chrono::steady_clock::time_point> failing_since() const {
    return failing_since_;
  }
  const Status& last_failure() const { return last_failure_; }
  bool owns_partitions() const { return !consumer_->Assignment().empty(); }

  Batch& current() { return batches_[cur_]; }
  Batch& previous() { return batches_[1 - cur_]; }
  void Alternate() { cur_ = 1 - cur_; }
  Transformer& transformer() { return transformer_; }

  ~Pipeline() {
    // No transform outlives what it uses.
    Transformer::Join(batches_[0]);
    Transformer::Join(batches_[1]);
  }

 private:
  Pipeline(log::Log& log, lake::LakeSink* lake, const ProcessorOptions& o, ProcessorProbe& probe)
      : log_(log),
        o_(o),
        probe_(probe),
        lake_(lake, o.input_topic),
        transformer_(o.parse, o.threads) {}
  // The last written batch's commit, once its outputs are durable.
  Status CompleteCommit();

  log::Log& log_;
  const ProcessorOptions& o_;
  ProcessorProbe& probe_;
  OutputTopics topics_;
  size_t input_partitions_ = 0;
  std::unique_ptr<log::Consumer> consumer_;
  std::unique_ptr<Recovery> recovery_;
  LakeWriter lake_;
  Transformer transformer_;
  std::unique_ptr<OutputWriters> writers_;
  // The written batch whose commit waits for its outputs' durability.
  struct AwaitingCommit {
    log::CommitMap commit;
    std::map<PartitionId, Offset> next;
    LakeWriter::Ticket lake = 0;  // its lake rows' batch on cf-lake
    bool active = false;
  } awaiting_;
  // An outage: since when, and its last error (see failing_since()).
  void Failed(const Status& s) {
    if (!failing_since_) failing_since_ = std::chrono::steady_clock::now();
    last_failure_ = s;
  }
  std::optional<std::chrono::steady_clock::time_point> failing_since_;
  Status last_failure_;
  int64_t lake_rows_recorded_ = 0;  // LakeWriter::rows_committed() given to the probe
  bool owned_before_ = false;       // this member has owned input partitions in this run
  // Two batches in flight: while workers transform batch k, the main thread polls and
  // prepares batch k+1, then writes batch k.
  Batch batches_[2];
  int cur_ = 0;
};

Result<std::unique_ptr<Pipeline>> Pipeline::Open(log::Log& log, lake::LakeSink* lake,
                                                 const ProcessorOptions& o, ProcessorProbe& probe) {
  std::unique_ptr<Pipeline> p(new Pipeline(log, lake, o, probe));
  ASSIGN_OR_RETURN(log::TopicInfo input, log.DescribeTopic(o.input_topic));
  p->input_partitions_ = input.partitions.size();
  const int out_parts =
      o.output_partitions > 0 ? o.output_partitions : static_cast<int>(input.partitions.size());
  RETURN_IF_ERROR(log.CreateTopic(o.enriched_topic, out_parts));
  RETURN_IF_ERROR(log.CreateTopic(o.dlq_topic, out_parts));
  ASSIGN_OR_RETURN(log::TopicInfo enriched, log.DescribeTopic(o.enriched_topic));
  ASSIGN_OR_RETURN(log::TopicInfo dlq, log.DescribeTopic(o.dlq_topic));
  p->topics_ = OutputTopics{o.input_topic,
                            o.enriched_topic,
                            o.dlq_topic,
                            o.group,
                            static_cast<int>(enriched.partitions.size()),
                            static_cast<int>(dlq.partitions.size())};

  log::ConsumerOptions copts;
  copts.group = o.group;
  copts.max_poll_records = o.batch;
  ASSIGN_OR_RETURN(p->consumer_, log.NewConsumer(copts));
  RETURN_IF_ERROR(p->consumer_->Subscribe({o.input_topic}));
  const int writers =
      o.send_threads > 0
          ? o.send_threads
          : std::min(p->transformer_.threads(),
                     std::max(p->topics_.enriched_partitions, p->topics_.dlq_partitions));
  ASSIGN_OR_RETURN(p->writers_, OutputWriters::Open(log, p->topics_, writers, o.producer));
  RETURN_IF_ERROR(p->lake_.Open());
  p->recovery_ = std::make_unique<Recovery>(log, *p->consumer_, p->topics_, probe);
  return p;
}

Status Pipeline::Prepare(Batch& batch, std::span<const log::InRecord> recs) {
  owned_before_ = true;
  recovery_->ForgetUnowned(consumer_->Assignment());
  std::vector<Slot>& slots = batch.slots;
  slots.assign(recs.size(), Slot{});
  for (size_t i = 0; i < recs.size(); ++i) {
    const log::InRecord& r = recs[i];
    Slot& slot = slots[i];
    slot.partition = r.partition;
    slot.offset = r.offset;
    // Recovery reads the log's state: the batch still in flight is written first.
    if (recovery_->NeedsLogState(r.partition, r.offset)) RETURN_IF_ERROR(FinishPending());
    ASSIGN_OR_RETURN(Recovery::Admission admission, recovery_->Admit(r.partition, r.offset));
    if (admission.verdict == Recovery::Verdict::kAlreadyCommitted) {
      slot.outcome = Outcome::kAlreadyCommitted;
      continue;
    }
    slot.to_lake = lake_.Wants(r.partition, r.offset);
    if (admission.verdict == Recovery::Verdict::kRecovered) {
      slot.outcome = Outcome::kRecovered;  // parsed again only for its lake row
      slot.recovered_reason = std::move(admission.recovered_reason);
    }
  }
  return Status::Ok();
}

Status Pipeline::Write(Batch& b) {
  if (!b.pending) return Status::Ok();
  b.pending = false;
  probe_.BeginPhase();
  Transformer::Join(b);
  probe_.EndPhase(Phase::kTransform);
  // The previous batch's commit first: commits stay in order, and its file-system sync does
  // not wait for this batch's writes.
  RETURN_IF_ERROR(CompleteCommit());
  // The Poll that started the next batch may have handed partitions of this one to another
  // member. Their records are left to the new owner, which resumes from the last commit:
  // writing them here could land after its recovery scan and be written twice.
  const Owned owned(*consumer_, o_.input_topic, input_partitions_);
  // The lake rows go to cf-lake, committed there while this batch is sent and the next one
  // transformed; this batch's commit waits for them (CompleteCommit).
  ASSIGN_OR_RETURN(const LakeWriter::Ticket lake_ticket, lake_.Submit(b, owned));
  probe_.EndPhase(Phase::kLake);

  std::map<PartitionId, Offset> next;
  for (Slot& slot : b.slots) {
    if (slot.outcome == Outcome::kAlreadyCommitted) continue;
    if (!owned(slot.partition)) {
      probe_.RecordHandedOver();
      slot.outcome = Outcome::kAlreadyCommitted;  // not written here (see above)
      continue;
    }
    next[slot.partition] = Offset(slot.offset.value() + 1);
    switch (slot.outcome) {
      case Outcome::kRecovered:
        probe_.RecordRecovered(slot.recovered_reason);
        break;
      case Outcome::kDeadLetter:
        probe_.RecordDeadLetter(schema::ReasonName(slot.reason));
        break;
      default:
        probe_.RecordEnriched();
    }
  }
  RETURN_IF_ERROR(writers_->Send(b));
  probe_.EndPhase(Phase::kSend);

  log::CommitMap commit;
  for (const auto& [p, off] : next) {
    const OutputMarks marks = recovery_->CommitMarks(p, off, writers_->MarksOf(p));
    commit[TopicPartition{o_.input_topic, p}] = log::CommitPoint{off, FormatMarks(marks)};
  }
  awaiting_.commit = std::move(commit);
  awaiting_.next = std::move(next);
  awaiting_.lake = lake_ticket;
  awaiting_.active = true;
  probe_.RecordBatch();
  return Status::Ok();
}

Status Pipeline::CompleteCommit() {
  if (!awaiting_.active) return Status::Ok();
  awaiting_.active = false;
  probe_.BeginPhase();
  const Status durable = writers_->AwaitDurable();
  probe_.EndPhase(Phase::kSync);
  RETURN_IF_ERROR(durable);
  // The input offsets follow the lake rows too: committed only once cf-lake holds them.
  const Status lake = lake_.AwaitCommitted(awaiting_.lake);
  probe_.RecordLakeRows(lake_.rows_committed() - lake_rows_recorded_, lake_.files_committed());
  lake_rows_recorded_ = lake_.rows_committed();
  probe_.EndPhase(Phase::kLake);
  RETURN_IF_ERROR(lake);
  const Status committed = consumer_->Commit(awaiting_.commit);
  probe_.TraceCommit(awaiting_.commit, committed);
  if (committed.code() == StatusCode::kFailedPrecondition || committed.retriable()) {
    // A rebalance took a partition away after its outputs were written, or the broker is
    // away (a restart: this member may have left the group meanwhile). Whoever owns the
    // partition next, this member after it rejoins included, recovers from the last commit's
    // marks and finds these outputs, so nothing is lost or doubled by carrying on.
    probe_.RecordLostCommit();
    recovery_->CommitLost(awaiting_.next);
    if (committed.retriable()) {
      Failed(committed);
    } else {
      failing_since_.reset();
    }
  } else {
    RETURN_IF_ERROR(committed.WithContext("committing offsets"));
    recovery_->Committed(awaiting_.next);
    failing_since_.reset();
  }
  probe_.EndPhase(Phase::kCommit);
  probe_.RecordCommitted();
  return Status::Ok();
}

Result<bool> Pipeline::CaughtUp() {
  std::vector<TopicPartition> owned = consumer_->Assignment();
  if (!owned.empty()) owned_before_ = true;
  if (owned.empty()) {
    // More members than partitions: nothing is this member's.
    if (!owned_before_) return true;
    // Owning nothing after owning partitions is the gap between a revoke and the next
    // assignment (a rejoin after a broker restart), not the end: done only when the whole
    // input is committed to its end.
    for (size_t q = 0; q < input_partitions_; ++q) {
      owned.push_back({o_.input_topic, PartitionId(static_cast<int32_t>(q))});
    }
  }
  Result<log::TopicInfo> input = log_.DescribeTopic(o_.input_topic);
  Result<log::CommitMap> commits =
      input.ok() ? consumer_->Committed(owned) : Result<log::CommitMap>(input.status());
  if (!commits.ok()) {
    if (!commits.status().retriable()) return commits.status();
    Failed(commits.status());
    return false;
  }
  for (const TopicPartition& tp : owned) {
    if (tp.topic != o_.input_topic) continue;
    auto it = commits->find(tp);
    const Offset next = it == commits->end() ? Offset(0) : it->second.next;
    if (next < EndOf(*input, tp.partition)) return false;
  }
  failing_since_.reset();
  return true;
}

Status Pipeline::RewindToCommitted() {
  std::vector<TopicPartition> owned = consumer_->Assignment();
  if (owned.empty()) return Status::Ok();
  Result<log::TopicInfo> input = log_.DescribeTopic(o_.input_topic);
  Result<log::CommitMap> commits =
      input.ok() ? consumer_->Committed(owned) : Result<log::CommitMap>(input.status());
  if (!commits.ok()) {
    if (!commits.status().retriable()) return commits.status();
    Failed(commits.status());
    return Status::Ok();
  }
  for (const TopicPartition& tp : owned) {
    auto it = commits->find(tp);
    if (tp.topic != o_.input_topic || it == commits->end()) continue;
    if (it->second.next >= EndOf(*input, tp.partition)) continue;
    const Status s = consumer_->Seek(tp, it->second.next);
    // A partition revoked meanwhile is its next owner's; the broker away again is retried
    // at the next look.
    if (s.retriable()) Failed(s);
    if (!s.ok() && !s.retriable() && s.code() != StatusCode::kFailedPrecondition) return s;
  }
  return Status::Ok();
}

// Ok while the log serves the run, or has failed it for less than outage_timeout.
Status CheckOutage(const Pipeline& p, const ProcessorOptions& o, Clock::time_point now) {
  const auto since = p.failing_since();
  if (!since || now - *since < o.outage_timeout) return Status::Ok();
  return Status::Unavailable("the log has been unavailable for more than " +
                             std::to_string(o.outage_timeout.count()) +
                             " ms (process.outage_timeout_ms): " + p.last_failure().message());
}

}  // namespace

Processor::Processor(log::Log& log, enrich::EnrichmentSlot& enrichment, lake::LakeSink* lake,
                     ProcessorOptions options, metrics::Registry* metrics)
    : log_(log),
      enrichment_(enrichment),
      lake_(lake),
      options_(std::move(options)),
      metrics_(metrics) {}

// The pipeline (README.md): the main thread polls and prepares batch k+1 while the workers
// transform batch k; then it hands k+1 to the workers and writes k (lake, send), whose
// outputs become durable on cf-sync while k+1 is transformed; k's commit opens the next write.
Result<ProcessorCounts> Processor::Run(const std::atomic<bool>& stop) {
  const ProcessorOptions& o = options_;
  ProcessorProbe probe(o.trace, metrics_);
  const auto started = Clock::now();
  ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline, Pipeline::Open(log_, lake_, o, probe));

  auto last_record = Clock::now();
  auto next_idle_check = last_record;  // exit_when_idle: when to ask CaughtUp() again
  auto next_rewind = last_record + kRewindAfter;
  while (!stop.load(std::memory_order_relaxed)) {
    // 1. Poll batch k+1 (k's records stay valid through this Poll).
    probe.BeginPhase();
    ASSIGN_OR_RETURN(std::span<const log::InRecord> recs, pipeline->Poll());
    if (recs.empty()) {
      RETURN_IF_ERROR(pipeline->FinishPending());
      if (!o.exit_when_idle) continue;
      // Idle counts from the last record, but not while the group is still handing out
      // partitions (a Kafka join can take seconds): a member that owns nothing yet is not
      // caught up. It gives up after kJoinGrace without partitions (more members than
      // partitions).
      const auto now = Clock::now();
      if (!probe.polled() && !pipeline->owns_partitions() && now - started < kJoinGrace) {
        last_record = now;
      }
      if (now - last_record >= o.idle && now >= next_idle_check) {
        // A quiet poll is not the end of the input: a Kafka fetch can lag behind a busy
        // broker, and a broker restart looks quiet for a while. Stop only when every owned
        // partition is committed up to its end; a run that cannot get there gives up with
        // an error after outage_timeout without a record, never with success.
        ASSIGN_OR_RETURN(bool done, pipeline->CaughtUp());
        if (done) break;
        if (now - last_record >= o.outage_timeout) {
          const Status& why = pipeline->last_failure();
          return Status::Unavailable(
              "not caught up after " + std::to_string(o.outage_timeout.count()) +
              " ms without a record (process.outage_timeout_ms)" +
              (why.ok() ? std::string(": the input is committed short of its end")
                        : ": the log is unavailable: " + why.message()));
        }
        // Quiet for a while but not caught up: a commit was lost to an outage while this
        // member kept its partitions (it rejoined, or never left). Read again from the
        // commits; recovery keeps the outputs single.
        if (now >= next_rewind) {
          RETURN_IF_ERROR(pipeline->RewindToCommitted());
          next_rewind = now + kRewindAfter;
        }
        next_idle_check = now + o.idle / 2;  // look again after half the idle time
      }
      RETURN_IF_ERROR(CheckOutage(*pipeline, o, now));
      continue;
    }
    last_record = Clock::now();
    probe.RecordPolled();
    probe.EndPhase(Phase::kPoll);

    // 2. Prepare k+1: recovery of newly owned partitions, each record's verdict.
    Batch& batch = pipeline->current();
    batch.ingest_ms = NowMs();
    RETURN_IF_ERROR(pipeline->Prepare(batch, recs));
    probe.EndPhase(Phase::kPrepare);

    // 3. k's transform ends (the workers take every core), k+1's starts with the enrichment
    //    in the slot now.
    Batch& prev = pipeline->previous();
    Transformer::Join(prev);
    probe.EndPhase(Phase::kTransform);
    batch.recs = recs;
    pipeline->transformer().Start(batch, enrichment_.Load());

    // 4. Write k (commit k-1, lake, send; durable on cf-sync). Its error ends the run; the
    //    pipeline's destructor waits for k+1's transform first.
    RETURN_IF_ERROR(pipeline->Write(prev));
    RETURN_IF_ERROR(CheckOutage(*pipeline, o, Clock::now()));
    pipeline->Alternate();
    // Idle time counts from the end of the last batch's work, not from its poll: a slow write
    // (a long flush) must not make the next empty poll look like the end of input.
    last_record = Clock::now();
  }
  RETURN_IF_ERROR(pipeline->FinishPending());
  return probe.Snapshot();
}

}  // namespace covidflow::process
