#include "app/process_progress.h"

#include <condition_variable>
#include <mutex>
#include <utility>

#include "log/progress.h"
#include "process/probe.h"

namespace covidflow::app {
namespace {

// 1234567 → "1,234,567".
std::string Grouped(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace

std::string FormatProgressLine(const ProgressSample& previous, const ProgressSample& now) {
  const double dt = now.seconds - previous.seconds;
  const int64_t rate =
      dt > 0
          ? static_cast<int64_t>(static_cast<double>(now.consumed - previous.consumed) / dt + 0.5)
          : 0;
  std::string line = "process: " + Grouped(now.consumed) + " records · " + Grouped(rate) +
                     " records/s · lag " + (now.lag ? Grouped(*now.lag) : std::string("?")) +
                     " · " + Grouped(now.dead_letters) + " dead letters";
  return line;
}

Result<std::unique_ptr<ProgressLine>> ProgressLine::Start(log::Log& log,
                                                          const process::ProcessorOptions& options,
                                                          metrics::Registry& registry,
                                                          std::FILE* out,
                                                          std::chrono::milliseconds interval) {
  std::unique_ptr<ProgressLine> p(new ProgressLine());
  p->log_ = &log;
  p->registry_ = &registry;
  p->input_topic_ = options.input_topic;
  p->out_ = out;
  log::ConsumerOptions co;
  co.group = options.group;
  ASSIGN_OR_RETURN(p->consumer_, log.NewConsumer(co));
  p->started_ = std::chrono::steady_clock::now();
  ProgressLine* self = p.get();
  p->thread_ = std::jthread([self, interval](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any wake;
    ProgressSample previous = self->Sample();
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu);
        wake.wait_for(lock, stop, interval, [] { return false; });
      }
      const ProgressSample now = self->Sample();
      self->Draw(previous, now);
      previous = now;
      if (stop.stop_requested()) break;
    }
    std::fputc('\n', self->out_);
    std::fflush(self->out_);
  });
  return p;
}

ProgressLine::~ProgressLine() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

ProgressSample ProgressLine::Sample() {
  ProgressSample s;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const process::LiveCounts counts = process::LiveCountsIn(*registry_);
  s.consumed = counts.consumed;
  s.dead_letters = counts.dead_letters;
  auto progress = log::TopicProgress(*log_, consumer_.get(), input_topic_);
  if (progress.ok()) {
    int64_t lag = 0;
    for (const log::PartitionProgress& p : *progress) lag += p.lag();
    s.lag = lag;
  }
  return s;
}

void ProgressLine::Draw(const ProgressSample& previous, const ProgressSample& now) {
  const std::string line = FormatProgressLine(previous, now);
  // Pad over the rest of a longer line drawn before.
  const size_t pad = drawn_ > line.size() ? drawn_ - line.size() : 0;
  std::fprintf(out_, "\r%s%s", line.c_str(), std::string(pad, ' ').c_str());
  std::fflush(out_);
  drawn_ = line.size();
}

}  // namespace covidflow::app
