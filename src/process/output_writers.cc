#include "process/output_writers.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "process/thread_name.h"
#include "schema/record_headers.h"

namespace covidflow::process {
namespace {

constexpr std::chrono::seconds kMarksRefresh(5);

}  // namespace

OutputWriters::OutputWriters(log::Log& log, OutputTopics topics)
    : log_(log),
      topics_(std::move(topics)),
      enriched_marks_(topics_.enriched_partitions),
      dlq_marks_(topics_.dlq_partitions),
      sent_enriched_(topics_.enriched_partitions),
      sent_dlq_(topics_.dlq_partitions) {}

OutputWriters::~OutputWriters() = default;

Result<std::unique_ptr<OutputWriters>> OutputWriters::Open(log::Log& log, OutputTopics topics,
                                                           int writers,
                                                           const log::ProducerOptions& producer) {
  if (writers <= 0) writers = std::max(topics.enriched_partitions, topics.dlq_partitions);
  std::unique_ptr<OutputWriters> out(new OutputWriters(log, std::move(topics)));
  for (int w = 0; w < writers; ++w) {
    ASSIGN_OR_RETURN(std::unique_ptr<log::Producer> p, log.NewProducer(producer));
    out->producers_.push_back(std::move(p));
    std::vector<log::Header> headers(4);
    headers[0].key = schema::kHeaderSourceTopic;
    headers[0].value = out->topics_.input;
    headers[1].key = schema::kHeaderSourcePartition;
    headers[2].key = schema::kHeaderSourceOffset;
    headers[3].key = schema::kHeaderGroup;
    headers[3].value = out->topics_.group;
    out->headers_.push_back(std::move(headers));
  }
  RETURN_IF_ERROR(out->RefreshMarks());
  return out;
}

Status OutputWriters::RefreshMarks() {
  ASSIGN_OR_RETURN(log::TopicInfo ei, log_.DescribeTopic(topics_.enriched));
  ASSIGN_OR_RETURN(log::TopicInfo di, log_.DescribeTopic(topics_.dlq));
  for (const auto& pi : ei.partitions) enriched_marks_.at(pi.partition.value()) = pi.end;
  for (const auto& pi : di.partitions) dlq_marks_.at(pi.partition.value()) = pi.end;
  next_refresh_ = std::chrono::steady_clock::now() + kMarksRefresh;
  return Status::Ok();
}

// Writer w: its output partitions' records in input order, then its deferred flush. It
// touches only its own producer, headers and sent_* entries.
Status OutputWriters::SendShare(const Batch& batch, int w, log::Producer::Durable* durable) {
  const int n = writers();
  std::vector<log::Header>& headers = headers_[w];
  for (const Slot& slot : batch.slots) {
    if (slot.outcome != Outcome::kEnriched && slot.outcome != Outcome::kDeadLetter) continue;
    const bool dead = slot.outcome == Outcome::kDeadLetter;
    const PartitionId q = dead ? topics_.DlqOf(slot.partition) : topics_.EnrichedOf(slot.partition);
    if (q.value() % n != w) continue;
    char buf[24];
    auto [pe, ec1] = std::to_chars(buf, buf + sizeof buf, slot.partition.value());
    headers[1].value.assign(buf, pe);
    auto [oe, ec2] = std::to_chars(buf, buf + sizeof buf, slot.offset.value());
    headers[2].value.assign(buf, oe);
    log::OutRecord out;
    out.value = std::string_view(batch.workers[slot.worker].buffer)
                    .substr(slot.begin, slot.end - slot.begin);
    out.headers = headers;
    out.partition = q;
    RETURN_IF_ERROR(producers_[w]->Send(dead ? topics_.dlq : topics_.enriched, out));
    ++(dead ? sent_dlq_ : sent_enriched_)[q.value()];
  }
  Result<log::Producer::Durable> flushed = producers_[w]->FlushDeferred();
  if (!flushed.ok()) return flushed.status().WithContext("flushing outputs");
  *durable = std::move(flushed).value();
  return Status::Ok();
}

Status OutputWriters::Send(const Batch& batch) {
  const int n = writers();
  std::fill(sent_enriched_.begin(), sent_enriched_.end(), 0);
  std::fill(sent_dlq_.begin(), sent_dlq_.end(), 0);
  std::vector<log::Producer::Durable> durable(n);
  std::vector<Status> sent(n);
  {
    std::vector<std::jthread> threads;
    for (int w = 1; w < n; ++w) {
      threads.emplace_back([&, w] {
        NameThread("cf-send");
        sent[w] = SendShare(batch, w, &durable[w]);
      });
    }
    sent[0] = SendShare(batch, 0, &durable[0]);
  }
  for (const Status& s : sent) RETURN_IF_ERROR(s);
  if (std::chrono::steady_clock::now() >= next_refresh_) {
    RETURN_IF_ERROR(RefreshMarks());
  } else {
    for (size_t q = 0; q < enriched_marks_.size(); ++q) {
      enriched_marks_[q] = Offset(enriched_marks_[q].value() + sent_enriched_[q]);
    }
    for (size_t q = 0; q < dlq_marks_.size(); ++q) {
      dlq_marks_[q] = Offset(dlq_marks_[q].value() + sent_dlq_[q]);
    }
  }
  // These outputs become durable on their own thread while the next batch is transformed.
  synced_ = Status::Ok();
  sync_ = std::jthread([this, fns = std::move(durable)] {
    NameThread("cf-sync");
    for (const log::Producer::Durable& fn : fns) {
      synced_ = fn();
      if (!synced_.ok()) return;
    }
  });
  return Status::Ok();
}

Status OutputWriters::AwaitDurable() {
  if (!sync_.joinable()) return Status::Ok();
  sync_.join();
  return synced_.WithContext("flushing outputs");
}

}  // namespace covidflow::process
