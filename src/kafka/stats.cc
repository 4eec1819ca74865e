#include <algorithm>
#include <nlohmann/json.hpp>

#include "kafka/kafka_log.h"

namespace covidflow::kafka {
namespace {

int64_t IntOr0(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

Result<KafkaStats> ParseStatistics(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("type")) {
    return Status::Corruption("kafka statistics: not a librdkafka statistics object");
  }
  KafkaStats s;
  if (j["type"].is_string()) s.client = j["type"].get<std::string>();
  if (auto it = j.find("name"); it != j.end() && it->is_string()) s.name = it->get<std::string>();
  s.queued_messages = IntOr0(j, "msg_cnt");
  s.tx_messages = IntOr0(j, "txmsgs");
  s.tx_bytes = IntOr0(j, "txmsg_bytes");
  s.rx_messages = IntOr0(j, "rxmsgs");
  s.rx_bytes = IntOr0(j, "rxmsg_bytes");
  if (auto it = j.find("brokers"); it != j.end() && it->is_object()) {
    for (const auto& [name, b] : it->items()) {
      // nodeid -1 is the bootstrap entry, which is replaced by the real brokers once known.
      if (!b.is_object() || IntOr0(b, "nodeid") < 0) continue;
      ++s.brokers_total;
      if (b.value("state", "") == "UP") ++s.brokers_up;
    }
  }
  if (auto it = j.find("topics"); it != j.end() && it->is_object()) {
    for (const auto& [topic, t] : it->items()) {
      auto parts = t.find("partitions");
      if (parts == t.end() || !parts->is_object()) continue;
      for (const auto& [id, p] : parts->items()) {
        if (id == "-1") continue;  // the internal unassigned-partition entry
        int64_t lag = IntOr0(p, "consumer_lag");
        if (lag > 0) s.consumer_lag += lag;
      }
    }
  }
  if (auto it = j.find("cgrp"); it != j.end() && it->is_object()) {
    s.rebalances = IntOr0(*it, "rebalance_cnt");
    s.group_state = it->value("state", "");
  }
  return s;
}

std::map<std::string, int64_t> SumStatistics(const std::vector<KafkaStats>& latest) {
  std::map<std::string, int64_t> m;
  for (const KafkaStats& s : latest) {
    const std::string& c = s.client.empty() ? std::string("client") : s.client;
    m[c + ".clients"] += 1;
    m[c + ".queued_messages"] += s.queued_messages;
    m[c + ".tx_messages"] += s.tx_messages;
    m[c + ".tx_bytes"] += s.tx_bytes;
    m[c + ".rx_messages"] += s.rx_messages;
    m[c + ".rx_bytes"] += s.rx_bytes;
    int64_t& up = m["brokers.up"];
    up = std::max(up, s.brokers_up);
    int64_t& total = m["brokers.total"];
    total = std::max(total, s.brokers_total);
    if (c == "consumer") {
      m["consumer.lag"] += s.consumer_lag;
      m["consumer.rebalances"] += s.rebalances;
    }
  }
  return m;
}

Result<std::map<std::string, std::string>> ParseProperties(std::string_view list) {
  std::map<std::string, std::string> out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Status::InvalidArgument("kafka.properties: '" + std::string(item) +
                                     "' is not key=value");
    }
    out[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
  }
  return out;
}

}  // namespace covidflow::kafka
