// topic tail|stats URI TOPIC: look inside a log.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/metrics_server.h"
#include "cli/commands.h"
#include "log/progress.h"

namespace covidflow::cli {
namespace {

using nlohmann::json;

// A record's value for a person: bytes that are not UTF-8 are replaced in the display.
std::string Printable(std::string_view v) {
  return json(std::string(v)).dump(-1, ' ', false, json::error_handler_t::replace);
}

int Tail(const app::Settings& s, log::Log& log, const std::string& topic) {
  auto info = log.DescribeTopic(topic);
  if (!info.ok()) return Fail("topic", info.status());
  const int64_t n = s.topic.count;
  const int64_t only = s.topic.partition;
  const int64_t at = s.topic.offset;
  std::vector<std::pair<TopicPartition, Offset>> positions;
  int64_t remaining = 0;
  for (const log::PartitionInfo& p : info->partitions) {
    if (only >= 0 && p.partition.value() != only) continue;
    int64_t from =
        at >= 0 ? std::max(at, p.start.value()) : std::max(p.start.value(), p.end.value() - n);
    if (from >= p.end.value()) continue;
    positions.push_back({{topic, p.partition}, Offset(from)});
    remaining += std::min(n, p.end.value() - from);
  }
  if (positions.empty()) return 0;
  auto consumer = log.NewConsumer(log::ConsumerOptions{});
  if (!consumer.ok()) return Fail("topic", consumer.status());
  if (Status st = (*consumer)->Assign(positions); !st.ok()) return Fail("topic", st);
  std::map<int32_t, int64_t> shown;
  int empty = 0;
  while (remaining > 0 && empty < 20) {
    auto recs = (*consumer)->Poll(std::chrono::milliseconds(100));
    if (!recs.ok()) return Fail("topic", recs.status());
    if (recs->empty()) {
      ++empty;
      continue;
    }
    for (const log::InRecord& r : *recs) {
      int64_t& count = shown[r.partition.value()];
      if (count >= n) continue;
      ++count;
      --remaining;
      if (s.cli.json) {
        json h = json::object();
        for (const auto& hv : r.headers) h[std::string(hv.key)] = std::string(hv.value);
        json j = {{"partition", r.partition.value()},
                  {"offset", r.offset.value()},
                  {"timestamp_ms", r.timestamp_ms},
                  {"headers", h},
                  {"value", std::string(r.value)}};
        std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
      } else {
        std::printf("%d@%lld %s\n", r.partition.value(), static_cast<long long>(r.offset.value()),
                    Printable(r.value).c_str());
      }
    }
  }
  return 0;
}

int Stats(const app::Settings& s, log::Log& log, const std::string& topic) {
  const std::string& group = s.topic.group;
  std::unique_ptr<log::Consumer> consumer;
  if (!group.empty()) {
    log::ConsumerOptions o;
    o.group = group;
    auto made = log.NewConsumer(o);
    if (!made.ok()) return Fail("topic", made.status());
    consumer = std::move(made).value();
  }
  auto progress = log::TopicProgress(log, consumer.get(), topic);
  if (!progress.ok()) return Fail("topic", progress.status());
  json parts = json::array();
  int64_t total = 0, lag_total = 0;
  for (const log::PartitionProgress& p : *progress) {
    json j = {{"partition", p.partition.value()},
              {"start", p.start},
              {"end", p.end},
              {"records", p.end - p.start}};
    total += p.end - p.start;
    if (!group.empty()) {
      j["committed"] = p.committed;
      j["lag"] = p.lag();
      lag_total += p.lag();
    }
    parts.push_back(j);
  }
  json out = {{"topic", topic}, {"records", total}, {"partitions", parts}};
  if (!group.empty()) {
    out["group"] = group;
    out["lag"] = lag_total;
  }
  if (s.cli.json) {
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("topic %s: %lld records in %zu partitions\n", topic.c_str(),
              static_cast<long long>(total), progress->size());
  for (const auto& j : parts) {
    std::printf("  partition %3d  offsets [%lld, %lld)  %lld records", j["partition"].get<int>(),
                j["start"].get<long long>(), j["end"].get<long long>(),
                j["records"].get<long long>());
    if (!group.empty()) {
      std::printf("  committed %lld  lag %lld", j["committed"].get<long long>(),
                  j["lag"].get<long long>());
    }
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int RunTopic(const config::Config& c, const app::Settings& s) {
  const auto& pos = c.positional();
  if (pos.size() != 3 || (pos[0] != "tail" && pos[0] != "stats")) {
    return Usage("topic", "expected: topic tail|stats URI TOPIC");
  }
  if (Status st = app::CheckLogExists(pos[1]); !st.ok()) return Fail("topic", st);
  auto log = app::OpenLog(pos[1], s.log);
  if (!log.ok()) return Fail("topic", log.status());
  return pos[0] == "tail" ? Tail(s, **log, pos[2]) : Stats(s, **log, pos[2]);
}

}  // namespace covidflow::cli
