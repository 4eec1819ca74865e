#include "process/recovery.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "base/numbers.h"
#include "schema/codec.h"
#include "schema/record_headers.h"

namespace covidflow::process {
namespace {

// The end offset and the first stored offset of partition q (0 if there is no such partition).
const log::PartitionInfo* PartitionOf(const log::TopicInfo& t, PartitionId q) {
  for (const auto& pi : t.partitions) {
    if (pi.partition == q) return &pi;
  }
  return nullptr;
}
Offset EndOf(const log::TopicInfo& t, PartitionId q) {
  const log::PartitionInfo* pi = PartitionOf(t, q);
  return pi != nullptr ? pi->end : Offset(0);
}
Offset StartOf(const log::TopicInfo& t, PartitionId q) {
  const log::PartitionInfo* pi = PartitionOf(t, q);
  return pi != nullptr ? pi->start : Offset(0);
}

std::optional<Offset> ParseOffset(std::string_view s) {
  const std::optional<int64_t> v = ParseInt(s);
  if (!v) return std::nullopt;
  return Offset(*v);
}

// A scan gives up after this many empty polls in a row (the ends it reads to exist).
constexpr int kScanEmptyPolls = 50;
constexpr size_t kScanPollRecords = 65536;

}  // namespace

Recovery::Recovery(log::Log& log, log::Consumer& consumer, OutputTopics topics,
                   ProcessorProbe& probe)
    : log_(log), consumer_(consumer), topics_(std::move(topics)), probe_(probe) {}

bool Recovery::NeedsLogState(PartitionId p, Offset offset) const {
  auto pos = next_expected_.find(p);
  const bool rewind = pos != next_expected_.end() && offset < pos->second;
  return rewind || !recovered_.contains(p);
}

Result<Recovery::Admission> Recovery::Admit(PartitionId p, Offset offset) {
  auto pos = next_expected_.find(p);
  const bool rewind = pos != next_expected_.end() && offset < pos->second;
  auto done = committed_next_.find(p);
  if (done != committed_next_.end() && offset < done->second) {
    return Admission{Verdict::kAlreadyCommitted, {}};
  }
  // The consumer went back (a partition handed back and re-claimed, a refused commit):
  // outputs may exist past the last commit again, so recover the partition afresh.
  if (rewind) recovered_.erase(p);
  next_expected_[p] = Offset(offset.value() + 1);
  auto it = recovered_.find(p);
  if (it == recovered_.end()) {
    RETURN_IF_ERROR(Recover(p, offset));
    it = recovered_.find(p);
  }
  const auto& outcome = it->second.outcome;
  if (!outcome.empty()) {
    if (auto hit = outcome.find(offset); hit != outcome.end()) {
      return Admission{Verdict::kRecovered, hit->second};
    }
  }
  return Admission{};
}

Status Recovery::Recover(PartitionId p, Offset first) {
  TopicPartition tp{topics_.input, p};
  ASSIGN_OR_RETURN(log::CommitMap committed, consumer_.Committed({tp}));
  const PartitionId pe = topics_.EnrichedOf(p), pd = topics_.DlqOf(p);
  ASSIGN_OR_RETURN(log::TopicInfo ei, log_.DescribeTopic(topics_.enriched));
  ASSIGN_OR_RETURN(log::TopicInfo di, log_.DescribeTopic(topics_.dlq));
  const OutputMarks ends{EndOf(ei, pe), EndOf(di, pd)};
  auto it = committed.find(tp);
  if (it == committed.end()) {
    // The group's first sight of this partition: commit where it starts, with the outputs'
    // current ends, before writing anything. "No commit" then always means "no output of
    // this group yet", so no recovery ever has to scan whole output topics.
    recovered_[p];
    probe_.TraceBirth(p, first, ends);
    return consumer_.Commit({{tp, log::CommitPoint{first, FormatMarks(ends)}}});
  }
  OutputMarks from;
  if (auto m = ParseMarks(it->second.metadata)) from = *m;
  // Outputs below a partition's start were deleted by retention: the scan starts there.
  from.enriched = std::max(from.enriched, StartOf(ei, pe));
  from.dlq = std::max(from.dlq, StartOf(di, pd));
  Partition& rec = recovered_[p];
  rec.scanned_from = from;
  if (from.enriched >= ends.enriched && from.dlq >= ends.dlq) {
    probe_.TraceNothingToRecover(p, it->second.next, from);
    return Status::Ok();
  }

  log::ConsumerOptions scan_opts;
  scan_opts.max_poll_records = kScanPollRecords;
  ASSIGN_OR_RETURN(std::unique_ptr<log::Consumer> scan, log_.NewConsumer(scan_opts));
  std::vector<std::pair<TopicPartition, Offset>> positions;
  if (from.enriched < ends.enriched) positions.push_back({{topics_.enriched, pe}, from.enriched});
  if (from.dlq < ends.dlq) positions.push_back({{topics_.dlq, pd}, from.dlq});
  RETURN_IF_ERROR(scan->Assign(positions));
  int64_t remaining = std::max<int64_t>(0, ends.enriched.value() - from.enriched.value()) +
                      std::max<int64_t>(0, ends.dlq.value() - from.dlq.value());
  const std::string part_text = std::to_string(p.value());
  int empty_polls = 0;
  while (remaining > 0) {
    ASSIGN_OR_RETURN(std::span<const log::InRecord> recs,
                     scan->Poll(std::chrono::milliseconds(200)));
    if (recs.empty()) {
      if (++empty_polls > kScanEmptyPolls) {
        return Status::Timeout("recovery scan of partition " + part_text +
                               " did not reach the end");
      }
      continue;
    }
    for (const log::InRecord& r : recs) {
      const bool is_dlq = *r.topic == topics_.dlq;
      if (r.offset >= (is_dlq ? ends.dlq : ends.enriched)) continue;
      --remaining;
      if (r.FindHeader(schema::kHeaderGroup) != topics_.group ||
          r.FindHeader(schema::kHeaderSourceTopic) != topics_.input ||
          r.FindHeader(schema::kHeaderSourcePartition) != part_text) {
        continue;
      }
      auto header = r.FindHeader(schema::kHeaderSourceOffset);
      std::optional<Offset> source = header ? ParseOffset(*header) : std::nullopt;
      if (!source) continue;
      std::string reason;
      if (is_dlq) {
        auto d = schema::DecodeDeadLetterJson(r.value);
        reason = d.ok() ? std::string(schema::ReasonName(d->reason)) : "unknown";
      }
      rec.outcome[*source] = std::move(reason);
    }
  }
  probe_.TraceRecovered(p, it->second.next, from, ends, rec.outcome.size());
  return Status::Ok();
}

void Recovery::ForgetUnowned(const std::vector<TopicPartition>& owned) {
  if (recovered_.empty()) return;
  std::erase_if(recovered_, [&](const auto& kv) {
    return std::find(owned.begin(), owned.end(), TopicPartition{topics_.input, kv.first}) ==
           owned.end();
  });
}

OutputMarks Recovery::CommitMarks(PartitionId p, Offset next, OutputMarks current) {
  auto it = recovered_.find(p);
  if (it == recovered_.end()) return current;
  // Replayed offsets below `next` are done; later ones may still come in a later batch, and
  // until they have, the marks stay where the recovery scan started.
  std::erase_if(it->second.outcome, [next](const auto& kv) { return kv.first < next; });
  return it->second.outcome.empty() ? current : it->second.scanned_from;
}

void Recovery::Committed(const std::map<PartitionId, Offset>& next) {
  for (const auto& [p, off] : next) committed_next_[p] = off;
}

void Recovery::CommitLost(const std::map<PartitionId, Offset>& next) {
  // The new owner recovers from the last commit's marks and finds these outputs.
  for (const auto& [p, off] : next) recovered_.erase(p);
}

size_t Recovery::pending_replays(PartitionId p) const {
  auto it = recovered_.find(p);
  return it == recovered_.end() ? 0 : it->second.outcome.size();
}

}  // namespace covidflow::process
