#pragma once
// A consumer group's position on a topic, read from the log itself: what `topic stats --group`
// prints, what the lag gauges export and what the dashboard charts. It needs no help from the
// stage it watches.
#include <cstdint>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "log/log.h"

namespace covidflow::log {

// One partition. A partition the group never committed counts from its start.
struct PartitionProgress {
  PartitionId partition;
  int64_t start = 0;
  int64_t end = 0;
  int64_t committed = 0;  // the group's next offset (start when it never committed)
  int64_t lag() const { return end - committed; }
};

// `consumer` is one made with the group (it need not subscribe); nullptr = no group, and
// committed is the partition's start. kNotFound when the topic does not exist.
Result<std::vector<PartitionProgress>> TopicProgress(Log& log, Consumer* consumer,
                                                     const std::string& topic);

}  // namespace covidflow::log
