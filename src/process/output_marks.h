#pragma once
// The processor's outputs and its commit marks.
//
// OutputTopics names the topics one processor group reads and writes and maps an input
// partition p to its output partitions (p mod the output topic's partition count).
//
// OutputMarks are the commit metadata of an input partition: "v1 enriched=<end> dlq=<end>",
// the end offsets of its two output partitions when the commit was made (never past the true
// ends). A recovery scan starts there (docs/decisions/0002-exactly-once-outputs.md).
#include <optional>
#include <string>
#include <string_view>

#include "base/ids.h"

namespace covidflow::process {

struct OutputTopics {
  std::string input;
  std::string enriched;
  std::string dlq;
  std::string group;  // the processor group: consumer group and the src-group header
  int enriched_partitions = 1;
  int dlq_partitions = 1;

  PartitionId EnrichedOf(PartitionId input_partition) const {
    return PartitionId(input_partition.value() % enriched_partitions);
  }
  PartitionId DlqOf(PartitionId input_partition) const {
    return PartitionId(input_partition.value() % dlq_partitions);
  }
};

struct OutputMarks {
  Offset enriched;
  Offset dlq;
  auto operator<=>(const OutputMarks&) const = default;
};

std::string FormatMarks(const OutputMarks& marks);
// nullopt when `metadata` is not a v1 mark (e.g. a commit made by another tool).
std::optional<OutputMarks> ParseMarks(std::string_view metadata);

}  // namespace covidflow::process
