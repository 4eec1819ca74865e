#include "log/open.h"

#include <cstring>

#include "log/file/file_log.h"

namespace covidflow::log {

std::optional<std::string_view> InRecord::FindHeader(std::string_view name) const {
  for (const HeaderView& h : headers) {
    if (h.key == name) return h.value;
  }
  return std::nullopt;
}

// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) and toPositive, so a key
// lands on the same partition number in the embedded log and in Kafka.
PartitionId PartitionForKey(std::string_view key, int partitions) {
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  const size_t length = key.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  const size_t blocks = length / 4;
  for (size_t i = 0; i < blocks; ++i) {
    const unsigned char* b = data + 4 * i;
    uint32_t k = static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) |
                 (static_cast<uint32_t>(b[2]) << 16) | (static_cast<uint32_t>(b[3]) << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const unsigned char* tail = data + 4 * blocks;
  switch (length % 4) {
    case 3:
      h ^= static_cast<uint32_t>(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(tail[0]);
      h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  if (partitions <= 0) return PartitionId(0);
  return PartitionId(static_cast<int32_t>((h & 0x7fffffffu) % static_cast<uint32_t>(partitions)));
}

Result<std::unique_ptr<Log>> OpenFileLog(std::string_view dir, const OpenOptions& options) {
  if (dir.empty()) return Status::InvalidArgument("the embedded log needs a directory");
  if (options.segment_bytes < 1024) {
    return Status::InvalidArgument("segment_bytes must be at least 1024");
  }
  if (options.index_interval_bytes < 1) {
    return Status::InvalidArgument("index_interval_bytes must be at least 1");
  }
  file::FileLogOptions fo;
  fo.partition.segment_bytes = options.segment_bytes;
  fo.partition.retention_bytes = options.retention_bytes;
  fo.partition.retention_ms = options.retention_ms;
  fo.partition.index_interval_bytes = static_cast<size_t>(options.index_interval_bytes);
  fo.rebalance_interval = options.rebalance_interval;
  ASSIGN_OR_RETURN(std::unique_ptr<file::FileLog> log, file::FileLog::Open(std::string(dir), fo));
  return std::unique_ptr<Log>(std::move(log));
}

}  // namespace covidflow::log
