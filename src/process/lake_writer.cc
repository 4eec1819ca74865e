#include "process/lake_writer.h"

#include <utility>

#include "base/failpoint.h"
#include "process/thread_name.h"

namespace covidflow::process {

LakeWriter::LakeWriter(lake::LakeSink* sink, std::string input_topic, size_t capacity)
    : sink_(sink), input_topic_(std::move(input_topic)), capacity_(std::max<size_t>(1, capacity)) {}

LakeWriter::~LakeWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  // thread_ joins here; then the rest is destroyed.
  if (thread_.joinable()) thread_.join();
}

Status LakeWriter::Open() {
  if (sink_ == nullptr) return Status::Ok();
  ASSIGN_OR_RETURN(auto positions, sink_->CommittedPositions());
  for (const auto& [tp, off] : positions) {
    if (tp.topic == input_topic_) next_[tp.partition] = Offset(off.value() + 1);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    files_committed_ = sink_->files_committed();
  }
  thread_ = std::jthread([this] {
    NameThread("cf-lake");
    Loop();
  });
  return Status::Ok();
}

std::vector<schema::EnrichedTweet> LakeWriter::TakeSpare() {
  std::lock_guard<std::mutex> lock(mu_);
  if (spare_.empty()) return {};
  std::vector<schema::EnrichedTweet> v = std::move(spare_.back());
  spare_.pop_back();
  return v;
}

Result<LakeWriter::Ticket> LakeWriter::Enqueue(
    std::vector<std::vector<schema::EnrichedTweet>> rows) {
  std::unique_lock<std::mutex> lock(mu_);
  // Backpressure: at most capacity_ batches submitted and not yet committed.
  changed_.wait(lock, [&] { return !failed_.ok() || last_ticket_ - committed_ < capacity_; });
  if (!failed_.ok()) return failed_;
  Job job;
  job.ticket = ++last_ticket_;
  job.rows = std::move(rows);
  queue_.push_back(std::move(job));
  lock.unlock();
  changed_.notify_all();
  return last_ticket_;
}

Status LakeWriter::AwaitCommitted(Ticket ticket) {
  if (sink_ == nullptr || ticket == 0) return Status::Ok();
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return !failed_.ok() || committed_ >= ticket; });
  return failed_;
}

int64_t LakeWriter::rows_committed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rows_committed_;
}

int64_t LakeWriter::files_committed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return files_committed_;
}

void LakeWriter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;  // waiting batches are dropped: none of their offsets is committed
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    int64_t rows = 0;
    for (const auto& v : job.rows) rows += static_cast<int64_t>(v.size());
    const Status st = Commit(job);
    const int64_t files = sink_->files_committed();
    std::vector<std::vector<schema::EnrichedTweet>> committed = sink_->TakeCommittedRows();
    lock.lock();
    for (auto& v : committed) spare_.push_back(std::move(v));
    if (!st.ok()) {
      failed_ = st.WithContext("committing the lake");
      changed_.notify_all();
      return;  // nothing more is written: the processor stops with this error
    }
    committed_ = job.ticket;
    rows_committed_ += rows;
    files_committed_ = files;
    changed_.notify_all();
  }
}

Status LakeWriter::Commit(Job& job) {
  CF_FAILPOINT("process.lake.before_append");
  for (auto& rows : job.rows) sink_->Append(std::move(rows));
  RETURN_IF_ERROR(sink_->Commit());
  CF_FAILPOINT("process.lake.after_commit");
  return Status::Ok();
}

}  // namespace covidflow::process
