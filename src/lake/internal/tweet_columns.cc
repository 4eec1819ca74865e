#include "lake/internal/tweet_columns.h"

#include <type_traits>

#include "schema/codec.h"
#include "schema/fields.h"

namespace covidflow::lake::internal {
namespace {

using K = ColumnKind;
using schema::ValueType;
constexpr int64_t kMicrosPerSecond = 1'000'000;

// The lake's column kind of a schema column. Timestamps are whole seconds in the stream;
// micros is what Spark and pandas expect.
constexpr ColumnKind KindOf(ValueType type, bool nullable) {
  switch (type) {
    case ValueType::kString:
      return nullable ? K::kOptionalString : K::kString;
    case ValueType::kLabel:
      return K::kString;
    case ValueType::kStringList:
      return K::kStringList;
    case ValueType::kInt32:
      return K::kInt32;
    case ValueType::kInt64:
      return K::kInt64;
    case ValueType::kDouble:
      return K::kDouble;
    case ValueType::kBool:
      return K::kBool;
    case ValueType::kTimestamp:
      return K::kTimestampMicros;
    case ValueType::kTimestampMillis:
      return K::kTimestampMillis;
  }
  return K::kString;
}

// Dictionary encoding is tried for every column but booleans, timestamps and source offsets:
// those are nearly unique per row, so a dictionary only costs hashing, and PLAIN + zstd came
// out smaller on real tweets.
constexpr bool TryDictionary(ValueType type, std::string_view name) {
  return type != ValueType::kBool && type != ValueType::kTimestamp &&
         type != ValueType::kTimestampMillis && name != "source_offset";
}

// The getter and setter of column I, as the function pointers ColumnSpec holds.
template <size_t I>
ColumnSpec MakeSpec() {
  constexpr const auto& def = schema::kColumnDef<I>;
  using Def = std::remove_cvref_t<decltype(def)>;
  using T = schema::ColumnValue<I>;
  ColumnSpec c{def.name.data(), KindOf(Def::type, def.nullable),
               TryDictionary(Def::type, def.name)};
  if constexpr (Def::type == ValueType::kString) {
    c.get_str = [](const Row& r) -> std::string_view { return Def::Ref(r); };
    c.set_str = [](Row& r, std::string_view v) { Def::Ref(r).assign(v); };
  } else if constexpr (Def::type == ValueType::kLabel) {
    c.get_str = [](const Row& r) { return schema::LabelName(Def::Ref(r)); };
    c.set_str = [](Row& r, std::string_view v) { Def::Ref(r) = LabelFromName(v); };
  } else if constexpr (Def::type == ValueType::kStringList) {
    c.get_list = [](const Row& r) -> const std::vector<std::string>& { return Def::Ref(r); };
    c.mut_list = [](Row& r) { return &Def::Ref(r); };
  } else if constexpr (Def::type == ValueType::kTimestamp) {
    c.get_int = [](const Row& r) { return Def::Ref(r).seconds * kMicrosPerSecond; };
    c.set_int = [](Row& r, int64_t v) { Def::Ref(r).seconds = v / kMicrosPerSecond; };
  } else if constexpr (Def::type == ValueType::kInt32 || std::is_same_v<T, Offset>) {
    c.get_int = [](const Row& r) -> int64_t { return Def::Ref(r).value(); };
    c.set_int = [](Row& r, int64_t v) { Def::Ref(r) = T(static_cast<typename T::value_type>(v)); };
  } else if constexpr (Def::type == ValueType::kInt64 || Def::type == ValueType::kTimestampMillis) {
    c.get_int = [](const Row& r) { return Def::Ref(r); };
    c.set_int = [](Row& r, int64_t v) { Def::Ref(r) = v; };
  } else if constexpr (Def::type == ValueType::kDouble) {
    c.get_double = [](const Row& r) { return Def::Ref(r); };
    c.set_double = [](Row& r, double v) { Def::Ref(r) = v; };
  } else if constexpr (Def::type == ValueType::kBool) {
    c.get_bool = [](const Row& r) { return Def::Ref(r); };
    c.set_bool = [](Row& r, bool v) { Def::Ref(r) = v; };
  }
  return c;
}

const std::vector<ColumnSpec>& Table() {
  static const std::vector<ColumnSpec> kColumns = [] {
    std::vector<ColumnSpec> c;
    schema::ForEachColumn([&](auto i) { c.push_back(MakeSpec<decltype(i)::value>()); });
    return c;
  }();
  return kColumns;
}

}  // namespace

std::span<const ColumnSpec> TweetColumns() { return Table(); }

int FindColumn(std::string_view name) {
  const auto cols = TweetColumns();
  for (size_t i = 0; i < cols.size(); ++i) {
    if (name == cols[i].name) return static_cast<int>(i);
  }
  return -1;
}

schema::Sentiment::Label LabelFromName(std::string_view name) {
  if (name == "negative") return schema::Sentiment::Label::kNegative;
  if (name == "positive") return schema::Sentiment::Label::kPositive;
  return schema::Sentiment::Label::kNeutral;
}

}  // namespace covidflow::lake::internal
