#include "features/pipeline.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "enrich/vader.h"
#include "features/text.h"
#include "schema/time.h"

namespace covidflow::features {

using nlohmann::json;

namespace {

struct KindName {
  FeatureKind kind;
  std::string_view name;
};
constexpr KindName kKinds[] = {
    {FeatureKind::kText, "text"},
    {FeatureKind::kVader, "vader"},
    {FeatureKind::kTextCounts, "text_counts"},
    {FeatureKind::kNumeric, "numeric"},
    {FeatureKind::kBoolean, "boolean"},
    {FeatureKind::kCategorical, "categorical"},
    {FeatureKind::kHour, "hour"},
    {FeatureKind::kWeekday, "weekday"},
};

// Buffers reused across the rows of one Transform call.
struct Scratch {
  std::string normalized;
  std::vector<uint64_t> words;
  std::vector<uint64_t> chars;
  std::vector<int32_t> columns;
  std::vector<int32_t> sort_buffer;
  std::vector<uint64_t> unused;  // the n-grams of the kind a HashNgrams call does not want
  float counts[kTextCountColumns];
};

// Sorts the column numbers (all below `width`) of one row's n-grams: a least-significant-
// digit radix sort, since a few hundred numbers sorted by comparisons cost a mispredicted
// branch each. The digit is as wide as makes two passes (up to 11 bits, three passes beyond
// 22 bits of width): a pass costs its count table plus two reads of the row.
void SortColumns(std::vector<int32_t>& v, std::vector<int32_t>& buffer, int32_t width) {
  if (v.size() < 32) {
    std::sort(v.begin(), v.end());
    return;
  }
  const int bits = std::bit_width(static_cast<uint32_t>(std::max(width - 1, 1)));
  const int digit = std::clamp((bits + 1) / 2, 1, 11);
  const uint32_t radix = uint32_t{1} << digit;
  const uint32_t mask = radix - 1;
  uint32_t start[(1u << 11) + 1];
  buffer.resize(v.size());
  for (int shift = 0; shift < bits; shift += digit) {
    std::fill(start, start + radix + 1, 0u);
    for (int32_t c : v) ++start[((static_cast<uint32_t>(c) >> shift) & mask) + 1];
    for (uint32_t k = 0; k < radix; ++k) start[k + 1] += start[k];
    for (int32_t c : v) buffer[start[(static_cast<uint32_t>(c) >> shift) & mask]++] = c;
    v.swap(buffer);
  }
}

// 1 + ln(tf), sublinear term frequency; most n-grams occur once or twice in a tweet, so a
// table of std::log's own values saves the call without changing a bit.
double OnePlusLog(size_t tf) {
  static const auto table = [] {
    std::array<double, 64> t{};
    for (size_t k = 1; k < t.size(); ++k) t[k] = 1.0 + std::log(static_cast<double>(k));
    return t;
  }();
  return tf < table.size() ? table[tf] : 1.0 + std::log(static_cast<double>(tf));
}

// The set bits of a word. Without the popcnt instruction in the target (the default x86-64
// target lacks it), std::popcount is a call into libgcc per n-gram; this is a dozen inline
// operations.
inline int32_t CountBits(uint64_t x) {
#ifdef __POPCNT__
  return std::popcount(x);
#else
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<int32_t>((x * 0x0101010101010101ULL) >> 56);
#endif
}

Status Corrupt(std::string_view what) {
  return Status::Corruption("feature pipeline state: " + std::string(what));
}

}  // namespace

class Block {
 public:
  virtual ~Block() = default;
  virtual Status Fit(const std::vector<std::string>& column, uint64_t seed) = 0;
  virtual int32_t Width() const = 0;
  // Appends this block's (offset + column, value) pairs for one value, columns ascending.
  virtual void Transform(std::string_view value, int32_t offset, Scratch& s,
                         std::vector<int32_t>& idx, std::vector<float>& val) const = 0;
  virtual json State() const = 0;
  virtual Status Load(const json& state, uint64_t seed) = 0;
  // A text block with word n-grams: the share of a value's words it did not keep (OutOfVocabulary);
  // nullopt for a value without words. Other blocks have no vocabulary.
  virtual bool HasVocabulary() const { return false; }
  virtual std::optional<double> UnknownWords(std::string_view, Scratch&) const {
    return std::nullopt;
  }
};

namespace {

// One tf-idf part (words or chars): kept buckets → columns, and their idf.
class TfIdf {
 public:
  void Configure(int bits, int min_df, bool sublinear) {
    bits_ = bits;
    min_df_ = min_df;
    sublinear_ = sublinear;
  }
  // Learns the document frequencies from each row's hashes.
  template <typename HashRows>
  void Fit(size_t rows, HashRows&& hashes_of) {
    const uint64_t mask = (uint64_t{1} << bits_) - 1;
    std::vector<uint32_t> df(size_t{1} << bits_, 0);
    std::vector<uint32_t> last_row(size_t{1} << bits_, UINT32_MAX);
    for (size_t r = 0; r < rows; ++r) {
      for (uint64_t h : hashes_of(r)) {
        const uint64_t b = h & mask;
        if (last_row[b] != r) {
          last_row[b] = static_cast<uint32_t>(r);
          ++df[b];
        }
      }
    }
    buckets_.clear();
    idf_.clear();
    for (size_t b = 0; b < df.size(); ++b) {
      if (df[b] >= static_cast<uint32_t>(min_df_)) {
        buckets_.push_back(static_cast<uint32_t>(b));
        idf_.push_back(std::log((1.0 + rows) / (1.0 + df[b])) + 1.0);
      }
    }
    BuildMap();
  }
  Status Load(const json& buckets, const json& idf) {
    if (!buckets.is_array() || !idf.is_array() || buckets.size() != idf.size()) {
      return Corrupt("text buckets and idf differ in length");
    }
    buckets_.clear();
    idf_.clear();
    for (size_t k = 0; k < buckets.size(); ++k) {
      if (!buckets[k].is_number_unsigned() || !idf[k].is_number()) return Corrupt("bad bucket");
      const uint64_t b = buckets[k].get<uint64_t>();
      if (b >= (uint64_t{1} << bits_) || (k > 0 && b <= buckets_.back())) {
        return Corrupt("buckets out of range or order");
      }
      buckets_.push_back(static_cast<uint32_t>(b));
      idf_.push_back(idf[k].get<double>());
    }
    BuildMap();
    return Status::Ok();
  }
  json Buckets() const { return buckets_; }
  json Idf() const { return idf_; }
  // Whether the bucket of `hash` is a column (training saw it in at least min_df rows).
  bool Knows(uint64_t hash) const {
    const uint64_t b = hash & ((uint64_t{1} << bits_) - 1);
    return ((map_[b >> 6].kept >> (b & 63)) & 1) != 0;
  }
  int32_t Width() const { return static_cast<int32_t>(buckets_.size()); }

  void Transform(const std::vector<uint64_t>& hashes, int32_t offset, std::vector<int32_t>& cols,
                 std::vector<int32_t>& sort_buffer, std::vector<int32_t>& idx,
                 std::vector<float>& val) const {
    const uint64_t mask = (uint64_t{1} << bits_) - 1;
    // The bit look-ups miss the cache too: one pass asks for them all, the next reads them.
    for (uint64_t h : hashes) __builtin_prefetch(&map_[(h & mask) >> 6]);
    cols.clear();
    for (uint64_t h : hashes) {
      const uint64_t b = h & mask;
      const Word& m = map_[b >> 6];
      const uint64_t bit = uint64_t{1} << (b & 63);
      if ((m.kept & bit) == 0) continue;
      const int32_t c = m.below + CountBits(m.kept & (bit - 1));
      // The idf look-ups below miss the cache; asking for them now overlaps the misses with
      // each other and with the sort.
      __builtin_prefetch(&idf_[c]);
      cols.push_back(c);
    }
    SortColumns(cols, sort_buffer, Width());
    const size_t first = val.size();
    double norm = 0;
    for (size_t k = 0; k < cols.size();) {
      size_t j = k;
      while (j < cols.size() && cols[j] == cols[k]) ++j;
      const double tf = static_cast<double>(j - k);
      const double w = (sublinear_ ? OnePlusLog(j - k) : tf) * idf_[cols[k]];
      idx.push_back(offset + cols[k]);
      val.push_back(static_cast<float>(w));
      norm += w * w;
      k = j;
    }
    if (norm > 0) {
      const double inv = 1.0 / std::sqrt(norm);
      for (size_t k = first; k < val.size(); ++k) val[k] = static_cast<float>(val[k] * inv);
    }
  }

 private:
  // A bucket's column is the number of kept buckets below it: a bit per bucket and a count
  // per 64 buckets (256 KiB for 2^20 buckets) stay in cache, where a column per bucket
  // (4 MiB) made every n-gram of a predicted row a cache miss. The bits and the count of a
  // word sit side by side: one cache line per n-gram, not two.
  struct Word {
    uint64_t kept = 0;  // bit k: bucket 64·word + k is a column
    int32_t below = 0;  // kept buckets in the words before
  };
  void BuildMap() {
    const size_t words = ((size_t{1} << bits_) + 63) / 64;
    map_.assign(words, Word{});
    for (uint32_t b : buckets_) map_[b >> 6].kept |= uint64_t{1} << (b & 63);
    int32_t below = 0;
    for (Word& w : map_) {
      w.below = below;
      below += CountBits(w.kept);
    }
  }

  int bits_ = 20;
  int min_df_ = 2;
  bool sublinear_ = true;
  std::vector<uint32_t> buckets_;
  std::vector<double> idf_;
  std::vector<Word> map_;  // one per 64 buckets
};

class TextBlock final : public Block {
 public:
  explicit TextBlock(const FeatureDef& def) {
    options_ = {def.word_min, def.word_max, def.char_min, def.char_max, 0};
    raw_chars_ = def.char_tokens == "whitespace";
    words_.Configure(def.hash_bits, def.min_df, def.sublinear_tf);
    chars_.Configure(def.hash_bits, def.min_df, def.sublinear_tf);
  }
  Status Fit(const std::vector<std::string>& column, uint64_t seed) override {
    options_.seed = seed;
    std::vector<std::vector<uint64_t>> words(column.size()), chars(column.size());
    Scratch s;
    for (size_t r = 0; r < column.size(); ++r) Hash(column[r], s, words[r], chars[r]);
    words_.Fit(column.size(), [&](size_t r) -> const std::vector<uint64_t>& { return words[r]; });
    chars_.Fit(column.size(), [&](size_t r) -> const std::vector<uint64_t>& { return chars[r]; });
    return Status::Ok();
  }
  int32_t Width() const override { return words_.Width() + chars_.Width(); }
  void Transform(std::string_view value, int32_t offset, Scratch& s, std::vector<int32_t>& idx,
                 std::vector<float>& val) const override {
    Hash(value, s, s.words, s.chars);
    words_.Transform(s.words, offset, s.columns, s.sort_buffer, idx, val);
    chars_.Transform(s.chars, offset + words_.Width(), s.columns, s.sort_buffer, idx, val);
  }
  json State() const override {
    return {{"word_buckets", words_.Buckets()},
            {"word_idf", words_.Idf()},
            {"char_buckets", chars_.Buckets()},
            {"char_idf", chars_.Idf()}};
  }
  bool HasVocabulary() const override { return options_.word_min > 0; }
  // The word n-grams of the lowest order (unigrams by default) of the normalised text, as
  // Transform hashes them, and the share whose bucket is not a column.
  std::optional<double> UnknownWords(std::string_view value, Scratch& s) const override {
    if (options_.word_min <= 0) return std::nullopt;
    NormalizeTweet(value, s.normalized);
    NgramOptions lowest = options_;
    lowest.word_max = lowest.word_min;
    lowest.char_min = lowest.char_max = 0;
    HashNgrams(s.normalized, lowest, s.words, s.unused);
    if (s.words.empty()) return std::nullopt;
    size_t unknown = 0;
    for (uint64_t h : s.words) unknown += words_.Knows(h) ? 0 : 1;
    return static_cast<double>(unknown) / static_cast<double>(s.words.size());
  }
  Status Load(const json& state, uint64_t seed) override {
    options_.seed = seed;
    if (!state.is_object() || !state.contains("word_buckets") || !state.contains("word_idf") ||
        !state.contains("char_buckets") || !state.contains("char_idf")) {
      return Corrupt("text state lacks buckets or idf");
    }
    RETURN_IF_ERROR(words_.Load(state["word_buckets"], state["word_idf"]));
    return chars_.Load(state["char_buckets"], state["char_idf"]);
  }

 private:
  void Hash(std::string_view text, Scratch& s, std::vector<uint64_t>& words,
            std::vector<uint64_t>& chars) const {
    if (!raw_chars_) {
      NormalizeTweet(text, s.normalized);
      HashNgrams(s.normalized, options_, words, chars);
      return;
    }
    if (options_.word_max > 0) {
      NormalizeTweet(text, s.normalized);
      NgramOptions words_only = options_;
      words_only.char_min = words_only.char_max = 0;
      HashNgrams(s.normalized, words_only, words, s.unused);
    } else {
      words.clear();  // a chars-only block: the normalised text has no use
    }
    LowercaseTokens(text, s.normalized);
    NgramOptions chars_only = options_;
    chars_only.word_min = chars_only.word_max = 0;
    HashNgrams(s.normalized, chars_only, s.unused, chars);
  }

  NgramOptions options_;
  bool raw_chars_ = false;
  TfIdf words_;
  TfIdf chars_;
};

// Dense numbers per value, standardised with the training mean and deviation.
class DenseBlock : public Block {
 public:
  virtual int Dims() const = 0;
  // Writes Dims() raw values; false when the value is missing (then the means are used).
  virtual bool Raw(std::string_view value, Scratch& s, float* out) const = 0;

  Status Fit(const std::vector<std::string>& column, uint64_t) override {
    const int d = Dims();
    std::vector<double> sum(d, 0), sum2(d, 0);
    std::vector<float> raw(d);
    Scratch s;
    size_t n = 0;
    for (const std::string& v : column) {
      if (!Raw(v, s, raw.data())) continue;
      ++n;
      for (int k = 0; k < d; ++k) {
        sum[k] += raw[k];
        sum2[k] += static_cast<double>(raw[k]) * raw[k];
      }
    }
    mean_.assign(d, 0);
    scale_.assign(d, 1);
    for (int k = 0; k < d && n > 0; ++k) {
      mean_[k] = sum[k] / n;
      const double var = sum2[k] / n - mean_[k] * mean_[k];
      scale_[k] = var > 1e-12 ? 1.0 / std::sqrt(var) : 1.0;
    }
    return Status::Ok();
  }
  int32_t Width() const override { return Dims(); }
  void Transform(std::string_view value, int32_t offset, Scratch& s, std::vector<int32_t>& idx,
                 std::vector<float>& val) const override {
    float raw[kTextCountColumns];
    if (!Raw(value, s, raw)) return;  // missing: the mean, i.e. 0 after standardising
    for (int k = 0; k < Dims(); ++k) {
      const float z = static_cast<float>((raw[k] - mean_[k]) * scale_[k]);
      if (z != 0) {
        idx.push_back(offset + k);
        val.push_back(z);
      }
    }
  }
  json State() const override { return {{"mean", mean_}, {"scale", scale_}}; }
  Status Load(const json& state, uint64_t) override {
    if (!state.is_object() || !state.contains("mean") || !state.contains("scale") ||
        !state["mean"].is_array() || !state["scale"].is_array() ||
        state["mean"].size() != static_cast<size_t>(Dims()) ||
        state["scale"].size() != static_cast<size_t>(Dims())) {
      return Corrupt("dense state lacks mean or scale of the right size");
    }
    mean_.clear();
    scale_.clear();
    for (int k = 0; k < Dims(); ++k) {
      if (!state["mean"][k].is_number() || !state["scale"][k].is_number()) {
        return Corrupt("mean or scale is not a number");
      }
      mean_.push_back(state["mean"][k].get<double>());
      scale_.push_back(state["scale"][k].get<double>());
    }
    return Status::Ok();
  }

 private:
  std::vector<double> mean_;
  std::vector<double> scale_;
};

class VaderBlock final : public DenseBlock {
 public:
  int Dims() const override { return 4; }
  bool Raw(std::string_view value, Scratch&, float* out) const override {
    const enrich::VaderScores v = vader_.ScoreVader(value);
    out[0] = static_cast<float>(v.neg);
    out[1] = static_cast<float>(v.neu);
    out[2] = static_cast<float>(v.pos);
    out[3] = static_cast<float>(v.compound);
    return true;
  }

 private:
  enrich::VaderEnricher vader_;
};

class TextCountsBlock final : public DenseBlock {
 public:
  int Dims() const override { return kTextCountColumns; }
  bool Raw(std::string_view value, Scratch&, float* out) const override {
    TextCounts(value, out);
    for (int k = 0; k < kTextCountColumns; ++k) out[k] = std::log1p(out[k]);
    return true;
  }
};

class NumericBlock final : public DenseBlock {
 public:
  int Dims() const override { return 1; }
  bool Raw(std::string_view value, Scratch&, float* out) const override {
    if (value.empty()) return false;
    char* end = nullptr;
    const std::string text(value);
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(v)) {
      if (value == "True" || value == "true") {
        out[0] = 1;
        return true;
      }
      if (value == "False" || value == "false") {
        out[0] = 0;
        return true;
      }
      return false;
    }
    out[0] = static_cast<float>(v);
    return true;
  }
};

class BooleanBlock final : public Block {
 public:
  Status Fit(const std::vector<std::string>&, uint64_t) override { return Status::Ok(); }
  int32_t Width() const override { return 1; }
  void Transform(std::string_view v, int32_t offset, Scratch&, std::vector<int32_t>& idx,
                 std::vector<float>& val) const override {
    if (v == "true" || v == "True" || v == "TRUE" || v == "1" || v == "yes") {
      idx.push_back(offset);
      val.push_back(1.0f);
    }
  }
  json State() const override { return json::object(); }
  Status Load(const json&, uint64_t) override { return Status::Ok(); }
};

class CategoricalBlock final : public Block {
 public:
  explicit CategoricalBlock(int min_count) : min_count_(min_count) {}
  Status Fit(const std::vector<std::string>& column, uint64_t) override {
    std::map<std::string, int, std::less<>> counts;
    for (const std::string& v : column) {
      if (!v.empty()) ++counts[v];
    }
    values_.clear();
    for (const auto& [v, count] : counts) {
      if (count >= min_count_) values_.emplace(v, static_cast<int32_t>(values_.size()));
    }
    return Status::Ok();
  }
  int32_t Width() const override { return static_cast<int32_t>(values_.size()); }
  void Transform(std::string_view v, int32_t offset, Scratch&, std::vector<int32_t>& idx,
                 std::vector<float>& val) const override {
    auto it = values_.find(v);
    if (it == values_.end()) return;
    idx.push_back(offset + it->second);
    val.push_back(1.0f);
  }
  json State() const override {
    json values = json::array();
    for (const auto& [v, k] : values_) values.push_back(v);
    return {{"values", values}};
  }
  Status Load(const json& state, uint64_t) override {
    if (!state.is_object() || !state.contains("values") || !state["values"].is_array()) {
      return Corrupt("categorical state lacks values");
    }
    values_.clear();
    for (const json& v : state["values"]) {
      if (!v.is_string()) return Corrupt("a categorical value is not a string");
      values_.emplace(v.get<std::string>(), static_cast<int32_t>(values_.size()));
    }
    return Status::Ok();
  }

 private:
  int min_count_;
  std::map<std::string, int32_t, std::less<>> values_;  // sorted: columns in value order
};

class TimeBlock final : public Block {
 public:
  TimeBlock(bool hour, std::string format) : hour_(hour), format_(std::move(format)) {}
  Status Fit(const std::vector<std::string>&, uint64_t) override { return Status::Ok(); }
  int32_t Width() const override { return hour_ ? 24 : 7; }
  void Transform(std::string_view v, int32_t offset, Scratch&, std::vector<int32_t>& idx,
                 std::vector<float>& val) const override {
    std::optional<schema::Timestamp> t = schema::ParseTimestamp(v, format_);
    if (!t) return;
    const int64_t day = t->seconds >= 0 ? t->seconds / 86400 : (t->seconds - 86399) / 86400;
    const int64_t second_of_day = t->seconds - day * 86400;
    // 1970-01-01 was a Thursday: Monday = 0.
    const int32_t k = hour_ ? static_cast<int32_t>(second_of_day / 3600)
                            : static_cast<int32_t>(((day % 7) + 7 + 3) % 7);
    idx.push_back(offset + k);
    val.push_back(1.0f);
  }
  json State() const override { return json::object(); }
  Status Load(const json&, uint64_t) override { return Status::Ok(); }

 private:
  bool hour_;
  std::string format_;
};

std::unique_ptr<Block> MakeBlock(const FeatureDef& def) {
  switch (def.kind) {
    case FeatureKind::kText:
      return std::make_unique<TextBlock>(def);
    case FeatureKind::kVader:
      return std::make_unique<VaderBlock>();
    case FeatureKind::kTextCounts:
      return std::make_unique<TextCountsBlock>();
    case FeatureKind::kNumeric:
      return std::make_unique<NumericBlock>();
    case FeatureKind::kBoolean:
      return std::make_unique<BooleanBlock>();
    case FeatureKind::kCategorical:
      return std::make_unique<CategoricalBlock>(def.min_count);
    case FeatureKind::kHour:
      return std::make_unique<TimeBlock>(true, def.time_format);
    case FeatureKind::kWeekday:
      return std::make_unique<TimeBlock>(false, def.time_format);
  }
  return nullptr;
}

json DefToJson(const FeatureDef& d) {
  return {{"name", d.name},
          {"kind", FeatureKindName(d.kind)},
          {"column", d.column},
          {"word_ngrams", {d.word_min, d.word_max}},
          {"char_ngrams", {d.char_min, d.char_max}},
          {"hash_bits", d.hash_bits},
          {"min_df", d.min_df},
          {"sublinear_tf", d.sublinear_tf},
          {"char_tokens", d.char_tokens},
          {"min_count", d.min_count},
          {"time_format", d.time_format}};
}

Result<FeatureDef> DefFromJson(const json& j) {
  FeatureDef d;
  try {
    d.name = j.at("name").get<std::string>();
    ASSIGN_OR_RETURN(d.kind, ParseFeatureKind(j.at("kind").get<std::string>()));
    d.column = j.at("column").get<std::string>();
    d.word_min = j.at("word_ngrams").at(0).get<int>();
    d.word_max = j.at("word_ngrams").at(1).get<int>();
    d.char_min = j.at("char_ngrams").at(0).get<int>();
    d.char_max = j.at("char_ngrams").at(1).get<int>();
    d.hash_bits = j.at("hash_bits").get<int>();
    d.min_df = j.at("min_df").get<int>();
    d.sublinear_tf = j.at("sublinear_tf").get<bool>();
    // Absent in the models saved before it.
    d.char_tokens = j.value("char_tokens", std::string("tweet"));
    d.min_count = j.at("min_count").get<int>();
    d.time_format = j.at("time_format").get<std::string>();
  } catch (const json::exception& e) {
    return Corrupt(std::string("feature definition: ") + e.what());
  }
  Status valid = d.Validate();
  if (!valid.ok()) return Corrupt(valid.message());
  return d;
}

}  // namespace

Result<FeatureKind> ParseFeatureKind(std::string_view name) {
  std::string known;
  for (const KindName& k : kKinds) {
    if (k.name == name) return k.kind;
    known += (known.empty() ? "" : ", ") + std::string(k.name);
  }
  return Status::InvalidArgument("unknown feature kind '" + std::string(name) +
                                 "'; known kinds: " + known);
}

std::string_view FeatureKindName(FeatureKind kind) {
  for (const KindName& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

Status FeatureDef::Validate() const {
  const std::string where = "feature '" + name + "': ";
  if (name.empty()) return Status::InvalidArgument("a feature needs a name");
  if (column.empty()) return Status::InvalidArgument(where + "column is required");
  if (kind == FeatureKind::kText) {
    if (word_min < 0 || word_max < word_min || word_max > 4 || (word_min == 0 && word_max != 0)) {
      return Status::InvalidArgument(
          where + "word_ngrams must be [min, max] with 1 <= min <= max <= 4, or [0, 0]");
    }
    if (char_min < 0 || char_max < char_min || char_max > 8 || (char_min == 0 && char_max != 0)) {
      return Status::InvalidArgument(
          where + "char_ngrams must be [min, max] with 1 <= min <= max <= 8, or [0, 0]");
    }
    if (word_max == 0 && char_max == 0) {
      return Status::InvalidArgument(where + "word_ngrams and char_ngrams are both off");
    }
    if (hash_bits < 10 || hash_bits > 24) {
      return Status::InvalidArgument(where + "hash_bits must be in [10, 24]");
    }
    if (min_df < 1) return Status::InvalidArgument(where + "min_df must be at least 1");
    if (char_tokens != "tweet" && char_tokens != "whitespace") {
      return Status::InvalidArgument(where + "char_tokens must be tweet or whitespace");
    }
  }
  if (kind == FeatureKind::kCategorical && min_count < 1) {
    return Status::InvalidArgument(where + "min_count must be at least 1");
  }
  if ((kind == FeatureKind::kHour || kind == FeatureKind::kWeekday) &&
      !schema::IsValidTimestampFormat(time_format)) {
    return Status::InvalidArgument(where + "time_format '" + time_format + "' is not valid");
  }
  return Status::Ok();
}

Pipeline::Pipeline() = default;
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

Result<Pipeline> Pipeline::Fit(const std::vector<FeatureDef>& defs, const Table& rows,
                               uint64_t seed) {
  if (defs.empty()) return Status::InvalidArgument("no features defined");
  Pipeline p;
  p.seed_ = seed;
  p.defs_ = defs;
  for (const FeatureDef& def : defs) {
    RETURN_IF_ERROR(def.Validate());
    const std::vector<std::string>* column = rows.Column(def.column);
    const bool empty_everywhere =
        column == nullptr ||
        std::all_of(column->begin(), column->end(), [](const std::string& v) { return v.empty(); });
    if (empty_everywhere && def.kind != FeatureKind::kBoolean) {
      return Status::InvalidArgument("feature '" + def.name + "': column '" + def.column +
                                     "' is missing everywhere in the " +
                                     std::to_string(rows.rows()) + " training rows");
    }
    std::unique_ptr<Block> block = MakeBlock(def);
    if (column != nullptr) RETURN_IF_ERROR(block->Fit(*column, seed));
    p.offsets_.push_back(p.cols_);
    p.cols_ += block->Width();
    p.blocks_.push_back(std::move(block));
  }
  return p;
}

json Pipeline::ToJson() const {
  json features = json::array();
  for (size_t b = 0; b < blocks_.size(); ++b) {
    json f = DefToJson(defs_[b]);
    f["state"] = blocks_[b]->State();
    features.push_back(std::move(f));
  }
  return {{"seed", seed_}, {"features", features}};
}

Result<Pipeline> Pipeline::FromJson(const json& state) {
  if (!state.is_object() || !state.contains("seed") || !state["seed"].is_number_unsigned() ||
      !state.contains("features") || !state["features"].is_array()) {
    return Corrupt("seed or features missing");
  }
  Pipeline p;
  p.seed_ = state["seed"].get<uint64_t>();
  for (const json& f : state["features"]) {
    ASSIGN_OR_RETURN(FeatureDef def, DefFromJson(f));
    std::unique_ptr<Block> block = MakeBlock(def);
    if (!f.contains("state")) return Corrupt("feature '" + def.name + "' has no state");
    RETURN_IF_ERROR(block->Load(f["state"], p.seed_));
    p.offsets_.push_back(p.cols_);
    p.cols_ += block->Width();
    p.blocks_.push_back(std::move(block));
    p.defs_.push_back(std::move(def));
  }
  if (p.blocks_.empty()) return Corrupt("no features");
  return p;
}

Result<SparseRows> Pipeline::Transform(const Table& rows) const {
  SparseRows out;
  RETURN_IF_ERROR(TransformRange(rows, 0, rows.rows(), out));
  return out;
}

Status Pipeline::TransformRange(const Table& rows, size_t begin, size_t end,
                                SparseRows& out) const {
  if (begin > end || end > rows.rows()) {
    return Status::InvalidArgument("rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                                   ") outside a table of " + std::to_string(rows.rows()));
  }
  std::vector<const std::vector<std::string>*> columns;
  for (const FeatureDef& def : defs_) {
    const std::vector<std::string>* column = rows.Column(def.column);
    if (column == nullptr && def.kind != FeatureKind::kBoolean) {
      return Status::InvalidArgument("feature '" + def.name + "': the input has no column '" +
                                     def.column + "'");
    }
    columns.push_back(column);
  }
  out.cols = cols_;
  out.offsets.assign(1, 0);
  out.offsets.reserve(end - begin + 1);
  out.indices.clear();
  out.values.clear();
  // Each row's blocks clear what they use; kept per thread, so a call for a few rows (a
  // server's request) allocates nothing once the thread has warmed it up.
  thread_local Scratch scratch;
  for (size_t r = begin; r < end; ++r) {
    for (size_t b = 0; b < blocks_.size(); ++b) {
      const std::string_view value = columns[b] == nullptr ? std::string_view() : (*columns[b])[r];
      blocks_[b]->Transform(value, offsets_[b], scratch, out.indices, out.values);
    }
    out.offsets.push_back(out.indices.size());
  }
  return Status::Ok();
}

Result<std::vector<double>> Pipeline::OutOfVocabulary(const Table& rows) const {
  for (size_t b = 0; b < blocks_.size(); ++b) {
    if (!blocks_[b]->HasVocabulary()) continue;
    const std::vector<std::string>* column = rows.Column(defs_[b].column);
    if (column == nullptr) {
      return Status::InvalidArgument("feature '" + defs_[b].name + "': the input has no column '" +
                                     defs_[b].column + "'");
    }
    std::vector<double> out(column->size(), std::numeric_limits<double>::quiet_NaN());
    Scratch scratch;
    for (size_t r = 0; r < column->size(); ++r) {
      if (std::optional<double> share = blocks_[b]->UnknownWords((*column)[r], scratch)) {
        out[r] = *share;
      }
    }
    return out;
  }
  return Status::NotFound("no text feature with word n-grams: the model has no vocabulary");
}

std::vector<std::string> Pipeline::InputColumns() const {
  std::vector<std::string> out;
  for (const FeatureDef& def : defs_) {
    if (std::find(out.begin(), out.end(), def.column) == out.end()) out.push_back(def.column);
  }
  return out;
}

}  // namespace covidflow::features
