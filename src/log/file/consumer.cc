// The embedded log's consumer: reads owned partitions round-robin; in a group, claims a fair
// share of partitions through flock leases and re-balances inside Poll only, so the
// partitions a caller commits between two polls are still its own.
#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "log/file/clients.h"
#include "log/file/group.h"
#include "log/file/partition.h"

namespace covidflow::log::file {
namespace {

using Clock = std::chrono::steady_clock;

class FileConsumer : public Consumer {
 public:
  FileConsumer(FileLog* log, const ConsumerOptions& options) : log_(log), options_(options) {}

  Status Subscribe(const std::vector<std::string>& topics) override {
    if (options_.group.empty()) {
      return Status::InvalidArgument("Subscribe needs a consumer group; use Assign without one");
    }
    for (const std::string& t : topics) RETURN_IF_ERROR(log_->PartitionCount(t).status());
    if (member_ == nullptr) {
      ASSIGN_OR_RETURN(member_, GroupMember::Join(log_->GroupDir(options_.group)));
    }
    owned_.clear();
    topics_ = topics;
    subscribed_ = true;
    return Rebalance();
  }

  Status Assign(const std::vector<std::pair<TopicPartition, Offset>>& positions) override {
    subscribed_ = false;
    member_.reset();  // leaves the group: its partitions go to the other members
    owned_.clear();
    for (const auto& [tp, offset] : positions) {
      ASSIGN_OR_RETURN(int partitions, log_->PartitionCount(tp.topic));
      if (tp.partition.value() < 0 || tp.partition.value() >= partitions) {
        return Status::InvalidArgument("topic '" + tp.topic + "' has no partition " +
                                       std::to_string(tp.partition.value()));
      }
      if (offset.value() < 0) return Status::InvalidArgument("negative offset");
      auto p =
          std::make_unique<Owned>(tp, Intern(tp.topic), log_->PartitionDir(tp.topic, tp.partition));
      RETURN_IF_ERROR(p->reader.Seek(offset.value()));
      owned_.push_back(std::move(p));
    }
    return Status::Ok();
  }

  Result<std::span<const InRecord>> Poll(std::chrono::milliseconds timeout) override {
    const Clock::time_point deadline = Clock::now() + timeout;
    auto backoff = std::chrono::microseconds(500);
    // The previous Poll's records stay valid through this one (log::Consumer::Poll): this
    // Poll fills the other generation of buffers.
    gen_ = 1 - gen_;
    BufferArena& arena = gens_[gen_].arena;
    std::vector<InRecord>& records = gens_[gen_].records;
    std::vector<HeaderView>& headers = gens_[gen_].headers;
    while (true) {
      arena.Reset();
      records.clear();
      headers.clear();
      header_ranges_.clear();
      if (subscribed_ && Clock::now() >= next_rebalance_) RETURN_IF_ERROR(Rebalance());
      const size_t n = owned_.size();
      // Rounds over the partitions (a read is at most a chunk of each) until the poll is
      // full or no partition has more.
      for (bool more = true; more && records.size() < options_.max_poll_records;) {
        more = false;
        for (size_t k = 0; k < n && records.size() < options_.max_poll_records; ++k) {
          Owned& p = *owned_[(next_partition_ + k) % n];
          views_.clear();
          Status s = p.reader.Read(options_.max_poll_records - records.size(), &arena, &views_);
          if (!s.ok()) {
            // The records read before it go out first; the reader stays at the bad spot,
            // so the next Poll meets the error again.
            if (!records.empty()) {
              more = false;
              break;
            }
            return s.WithContext(p.tp.topic + "/" + std::to_string(p.tp.partition.value()));
          }
          if (!views_.empty()) more = true;
          for (const RecordView& v : views_) {
            InRecord r;
            r.topic = p.topic_name;
            r.partition = p.tp.partition;
            r.offset = Offset(v.offset);
            r.timestamp_ms = v.timestamp_ms;
            r.key = v.key;
            r.value = v.value;
            size_t first = headers.size();
            DecodeHeaders(v, &headers);
            header_ranges_.emplace_back(first, headers.size() - first);
            records.push_back(r);
          }
        }
      }
      if (n > 0) next_partition_ = (next_partition_ + 1) % n;
      if (!records.empty()) {
        // Spans are set last: headers may have reallocated while filling.
        for (size_t i = 0; i < records.size(); ++i) {
          records[i].headers = std::span<const HeaderView>(headers.data() + header_ranges_[i].first,
                                                           header_ranges_[i].second);
        }
        return std::span<const InRecord>(records);
      }
      const Clock::time_point now = Clock::now();
      if (now >= deadline) return std::span<const InRecord>();
      std::this_thread::sleep_for(std::min<Clock::duration>(backoff, deadline - now));
      backoff = std::min(backoff * 2, std::chrono::microseconds(10000));
    }
  }

  std::vector<TopicPartition> Assignment() const override {
    std::vector<TopicPartition> out;
    for (const auto& p : owned_) out.push_back(p->tp);
    std::sort(out.begin(), out.end());
    return out;
  }

  Status Commit(const CommitMap& points) override {
    if (options_.group.empty()) {
      return Status::FailedPrecondition("Commit needs a consumer group");
    }
    for (const auto& [tp, point] : points) {
      if (Find(tp) == nullptr) {
        return Status::FailedPrecondition("commit for " + tp.topic + "/" +
                                          std::to_string(tp.partition.value()) +
                                          ", which this consumer does not own");
      }
      if (point.next.value() < 0) return Status::InvalidArgument("negative commit offset");
    }
    return CommitOffsets(log_->GroupDir(options_.group), points);
  }

  Result<CommitMap> Committed(const std::vector<TopicPartition>& partitions) override {
    if (options_.group.empty()) return Status::FailedPrecondition("no consumer group");
    ASSIGN_OR_RETURN(CommitMap all, ReadCommittedOffsets(log_->GroupDir(options_.group)));
    CommitMap out;
    for (const TopicPartition& tp : partitions) {
      auto it = all.find(tp);
      if (it != all.end()) out.insert(*it);
    }
    return out;
  }

  Status Seek(const TopicPartition& tp, Offset offset) override {
    Owned* p = Find(tp);
    if (p == nullptr) {
      return Status::FailedPrecondition("seek on " + tp.topic + "/" +
                                        std::to_string(tp.partition.value()) +
                                        ", which this consumer does not own");
    }
    if (offset.value() < 0) return Status::InvalidArgument("negative offset");
    return p->reader.Seek(offset.value());
  }

 private:
  struct Owned {
    Owned(TopicPartition t, const std::string* name, std::string dir)
        : tp(std::move(t)), topic_name(name), reader(std::move(dir)) {}
    TopicPartition tp;
    const std::string* topic_name;  // interned: InRecord::topic points here
    PartitionReader reader;
    UniqueFd lease;  // held while owned; closing it hands the partition back
  };

  // Topic names live as long as the consumer (log.h: InRecord::topic is stable for its
  // lifetime), even after the partition is released.
  const std::string* Intern(const std::string& topic) {
    auto it = topic_names_.find(topic);
    if (it == topic_names_.end()) {
      it = topic_names_.emplace(topic, std::make_unique<std::string>(topic)).first;
    }
    return it->second.get();
  }

  Owned* Find(const TopicPartition& tp) {
    for (auto& p : owned_) {
      if (p->tp == tp) return p.get();
    }
    return nullptr;
  }

  // Takes this member's fair share: with P partitions and M live members, the member of rank
  // r owns P / M partitions, plus one when r < P % M. Extra partitions are released first so
  // others can claim them; free ones are claimed in an order that starts at a rank-dependent
  // place to avoid members contending for the same leases.
  Status Rebalance() {
    next_rebalance_ = Clock::now() + log_->options().rebalance_interval;
    ASSIGN_OR_RETURN(auto rank_size, member_->RankAndSize());
    auto [rank, members] = rank_size;
    members = std::max(members, rank + 1);  // our own file is always counted; be safe anyway
    std::vector<TopicPartition> all;
    for (const std::string& t : topics_) {
      ASSIGN_OR_RETURN(int n, log_->PartitionCount(t));
      for (int p = 0; p < n; ++p) all.push_back({t, PartitionId(p)});
    }
    const size_t total = all.size();
    const size_t quota = total / members + (static_cast<size_t>(rank) < total % members ? 1 : 0);
    std::sort(owned_.begin(), owned_.end(),
              [](const auto& a, const auto& b) { return a->tp < b->tp; });
    while (owned_.size() > quota) owned_.pop_back();
    if (owned_.size() == quota || total == 0) return Status::Ok();
    CommitMap committed;
    bool committed_read = false;
    const size_t start = static_cast<size_t>(rank) * total / members;
    for (size_t k = 0; k < total && owned_.size() < quota; ++k) {
      const TopicPartition& tp = all[(start + k) % total];
      if (Find(tp) != nullptr) continue;
      ASSIGN_OR_RETURN(UniqueFd lease, member_->TryLease(tp));
      if (!lease.valid()) continue;
      if (!committed_read) {
        ASSIGN_OR_RETURN(committed, ReadCommittedOffsets(log_->GroupDir(options_.group)));
        committed_read = true;
      }
      auto p =
          std::make_unique<Owned>(tp, Intern(tp.topic), log_->PartitionDir(tp.topic, tp.partition));
      p->lease = std::move(lease);
      RETURN_IF_ERROR(StartPosition(*p, committed));
      owned_.push_back(std::move(p));
    }
    return Status::Ok();
  }

  // The committed offset when there is one inside the stored range, else options.reset.
  Status StartPosition(Owned& p, const CommitMap& committed) {
    ASSIGN_OR_RETURN(int64_t start, p.reader.StartOffset());
    ASSIGN_OR_RETURN(int64_t end, p.reader.EndOffset());
    auto it = committed.find(p.tp);
    int64_t position;
    if (it != committed.end() && it->second.next.value() >= start &&
        it->second.next.value() <= end) {
      position = it->second.next.value();
    } else {
      position = options_.reset == ConsumerOptions::Reset::kEarliest ? start : end;
    }
    return p.reader.Seek(position);
  }

  FileLog* log_;
  ConsumerOptions options_;
  std::unique_ptr<GroupMember> member_;
  std::vector<std::string> topics_;
  bool subscribed_ = false;
  std::vector<std::unique_ptr<Owned>> owned_;
  std::map<std::string, std::unique_ptr<std::string>> topic_names_;
  size_t next_partition_ = 0;
  Clock::time_point next_rebalance_{};
  // Two generations of polled records, alternating per Poll.
  struct Generation {
    BufferArena arena;
    std::vector<InRecord> records;
    std::vector<HeaderView> headers;
  };
  Generation gens_[2];
  int gen_ = 0;
  std::vector<RecordView> views_;
  std::vector<std::pair<size_t, size_t>> header_ranges_;
};

}  // namespace

std::unique_ptr<Consumer> NewFileConsumer(FileLog* log, const ConsumerOptions& options) {
  return std::make_unique<FileConsumer>(log, options);
}

}  // namespace covidflow::log::file
