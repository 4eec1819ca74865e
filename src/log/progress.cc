#include "log/progress.h"

namespace covidflow::log {

Result<std::vector<PartitionProgress>> TopicProgress(Log& log, Consumer* consumer,
                                                     const std::string& topic) {
  ASSIGN_OR_RETURN(TopicInfo info, log.DescribeTopic(topic));
  CommitMap committed;
  if (consumer != nullptr) {
    std::vector<TopicPartition> tps;
    for (const PartitionInfo& p : info.partitions) tps.push_back({topic, p.partition});
    ASSIGN_OR_RETURN(committed, consumer->Committed(tps));
  }
  std::vector<PartitionProgress> out;
  for (const PartitionInfo& p : info.partitions) {
    PartitionProgress pp;
    pp.partition = p.partition;
    pp.start = p.start.value();
    pp.end = p.end.value();
    auto it = committed.find({topic, p.partition});
    pp.committed = it == committed.end() ? pp.start : it->second.next.value();
    out.push_back(pp);
  }
  return out;
}

}  // namespace covidflow::log
