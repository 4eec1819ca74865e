#include "schema/fields.h"

namespace covidflow::schema {
namespace {

constexpr std::array<ColumnInfo, kColumnCount> kInfos = [] {
  std::array<ColumnInfo, kColumnCount> infos{};
  ForEachColumn([&](auto column) {
    constexpr size_t i = decltype(column)::value;
    const auto& def = kColumnDef<i>;
    ColumnInfo& info = infos[i];
    info.name = def.name;
    info.type = def.type;
    info.nullable = def.nullable;
    if (i < kFieldCount) {
      info.seed = static_cast<Field>(i);
      info.seed_name = def.SeedName();
      info.required = def.required;
    }
  });
  return infos;
}();

// The table's types must be the members' types: a wrong entry fails to compile.
template <size_t I>
constexpr bool TypeMatches() {
  using T = ColumnValue<I>;
  switch (kColumnDef<I>.type) {
    case ValueType::kString:
      return std::is_same_v<T, std::string>;
    case ValueType::kStringList:
      return std::is_same_v<T, std::vector<std::string>>;
    case ValueType::kInt32:
      return std::is_same_v<T, PartitionId>;
    case ValueType::kInt64:
      return std::is_same_v<T, int64_t> || std::is_same_v<T, Offset>;
    case ValueType::kDouble:
      return std::is_same_v<T, double>;
    case ValueType::kBool:
      return std::is_same_v<T, bool>;
    case ValueType::kTimestamp:
      return std::is_same_v<T, Timestamp>;
    case ValueType::kTimestampMillis:
      return std::is_same_v<T, int64_t>;
    case ValueType::kLabel:
      return std::is_same_v<T, Sentiment::Label>;
  }
  return false;
}
static_assert([]<size_t... I>(std::index_sequence<I...>) {
  return (TypeMatches<I>() && ...);
}(std::make_index_sequence<kColumnCount>{}));

}  // namespace

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kStringList:
      return "string_list";
    case ValueType::kInt32:
      return "int32";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kDouble:
      return "double";
    case ValueType::kBool:
      return "bool";
    case ValueType::kTimestamp:
      return "timestamp";
    case ValueType::kTimestampMillis:
      return "timestamp_millis";
    case ValueType::kLabel:
      return "label";
  }
  return "unknown";
}

std::span<const ColumnInfo> Columns() { return kInfos; }

std::optional<size_t> FindColumn(std::string_view name) {
  for (size_t i = 0; i < kInfos.size(); ++i) {
    if (kInfos[i].name == name) return i;
  }
  return std::nullopt;
}

}  // namespace covidflow::schema
