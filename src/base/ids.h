#pragma once
// Positions and ids have their own types so a partition can't be passed as an offset.
#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace covidflow {

template <typename T, typename Tag>
class NamedType {
 public:
  using value_type = T;
  constexpr NamedType() = default;
  constexpr explicit NamedType(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const NamedType&) const = default;

 private:
  T v_{};
};

// A partition number within a topic, 0-based.
using PartitionId = NamedType<int32_t, struct PartitionTag>;
// A record's offset within a partition, 0-based and dense (the next record is offset + 1).
using Offset = NamedType<int64_t, struct OffsetTag>;

struct TopicPartition {
  std::string topic;
  PartitionId partition;
  auto operator<=>(const TopicPartition&) const = default;
};

// Where a record came from: every enriched tweet and every dead letter carries one, so
// counts reconcile exactly and a replay can drop what was already written.
struct SourcePosition {
  std::string topic;
  PartitionId partition;
  Offset offset;
  auto operator<=>(const SourcePosition&) const = default;
};

}  // namespace covidflow

template <typename T, typename Tag>
struct std::hash<covidflow::NamedType<T, Tag>> {
  size_t operator()(const covidflow::NamedType<T, Tag>& v) const noexcept {
    return std::hash<T>{}(v.value());
  }
};

template <>
struct std::hash<covidflow::TopicPartition> {
  size_t operator()(const covidflow::TopicPartition& tp) const noexcept {
    return std::hash<std::string>{}(tp.topic) * 31 + static_cast<size_t>(tp.partition.value());
  }
};
