#include "lake/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "base/fs.h"
#include "lake/internal/encoding.h"
#include "lake/internal/parquet_format.h"
#include "lake/internal/thrift_compact.h"
#include "lake/internal/tweet_columns.h"

namespace covidflow::lake {
namespace {

using internal::Codec;
using internal::ColumnKind;
using internal::ColumnSpec;
using internal::ThriftWriter;
using internal::TType;
namespace pf = internal::pf;

constexpr size_t kBufferFlushBytes = 4 << 20;
constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000;

Codec ToCodec(Compression c) {
  switch (c) {
    case Compression::kNone:
      return Codec::kUncompressed;
    case Compression::kSnappy:
      return Codec::kSnappy;
    case Compression::kZstd:
      return Codec::kZstd;
  }
  return Codec::kUncompressed;
}

void PutU32(uint32_t v, std::string* out) {
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian host (x86-64, aarch64)
  out->append(b, 4);
}
template <typename T>
void PutRaw(T v, std::string* out) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}
template <typename T>
std::string RawBytes(T v) {
  std::string s;
  PutRaw(v, &s);
  return s;
}

// A small open-addressing map from a 64-bit key to a dense dictionary index. Each slot holds
// the key itself, so a probe is one load (std::unordered_map cost more than the rest of the
// encoding on hot columns).
template <typename Hash>
class DictBuilder {
 public:
  explicit DictBuilder(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    slots_.assign(cap, Slot{0, kEmpty});
  }
  // Returns the index of `k`, inserting it when new.
  uint32_t Insert(uint64_t k) {
    const size_t mask = slots_.size() - 1;
    size_t i = Hash{}(k)&mask;
    while (true) {
      const Slot& s = slots_[i];
      if (s.index == kEmpty) break;
      if (s.key == k) return s.index;
      i = (i + 1) & mask;
    }
    const auto idx = static_cast<uint32_t>(keys_.size());
    slots_[i] = Slot{k, idx};
    keys_.push_back(k);
    if (keys_.size() * 2 > slots_.size()) Grow();
    return idx;
  }
  const std::vector<uint64_t>& keys() const { return keys_; }

 private:
  static constexpr uint32_t kEmpty = 0xffffffffu;
  struct Slot {
    uint64_t key;
    uint32_t index;
  };
  void Grow() {
    slots_.assign(slots_.size() * 2, Slot{0, kEmpty});
    const size_t mask = slots_.size() - 1;
    for (uint32_t idx = 0; idx < keys_.size(); ++idx) {
      size_t i = Hash{}(keys_[idx]) & mask;
      while (slots_[i].index != kEmpty) i = (i + 1) & mask;
      slots_[i] = Slot{keys_[idx], idx};
    }
  }
  std::vector<Slot> slots_;
  std::vector<uint64_t> keys_;
};

struct IntHash {
  size_t operator()(uint64_t v) const {
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    return static_cast<size_t>(v);
  }
};
// A word-at-a-time multiply-xorshift hash: std::hash (byte-oriented murmur) cost more than
// the rest of dictionary building. Quality only has to spread dictionary slots.
struct StrHash {
  size_t operator()(std::string_view s) const {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
    uint64_t h = s.size() * kMul;
    const char* p = s.data();
    size_t n = s.size();
    while (n >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ (w * 0xff51afd7ed558ccdULL)) * kMul;
      h ^= h >> 29;
      p += 8;
      n -= 8;
    }
    if (n > 0) {
      // The tail in whole loads, never byte by byte: a byte-wise copy into a word stalls
      // on store forwarding, which cost as much as the rest of the hash.
      uint64_t w;
      if (s.size() >= 8) {
        std::memcpy(&w, s.data() + s.size() - 8, 8);
        w >>= 8 * (8 - n);  // keep the n bytes not hashed yet
      } else if (n >= 4) {
        uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + n - 4, 4);
        w = lo | (static_cast<uint64_t>(hi) << 32);
      } else {
        const auto* b = reinterpret_cast<const uint8_t*>(p);
        w = b[0] | (static_cast<uint64_t>(b[n / 2]) << 8) | (static_cast<uint64_t>(b[n - 1]) << 16);
      }
      h = (h ^ (w * 0xff51afd7ed558ccdULL)) * kMul;
    }
    h ^= h >> 32;
    return static_cast<size_t>(h);
  }
};

// A dictionary of strings for one column chunk, filled while the rows are gathered (each
// string is hashed while its row is in cache). The entries live in the PLAIN dictionary
// page itself (4-byte length, bytes), so a lookup compares against compact memory rather
// than strings scattered over the rows, and the dictionary page needs no further copy.
class StringDict {
 public:
  StringDict() : slots_(kInitialSlots, 0) {}
  // Empties the dictionary, keeping its memory for the next chunk.
  void Clear() {
    std::fill(slots_.begin(), slots_.end(), 0);
    entries_.clear();
    page_.clear();
  }
  // Returns the index of `v`, adding it when new.
  uint32_t Insert(std::string_view v) {
    const auto h = static_cast<uint32_t>(StrHash{}(v));
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const uint64_t s = slots_[i];
      if (s == 0) {
        const auto idx = static_cast<uint32_t>(entries_.size());
        slots_[i] = (static_cast<uint64_t>(h) << 32) | (idx + 1);
        entries_.push_back(static_cast<uint32_t>(page_.size()));
        PutU32(static_cast<uint32_t>(v.size()), &page_);
        page_.append(v);
        if (entries_.size() * 2 > slots_.size()) Grow();
        return idx;
      }
      if (static_cast<uint32_t>(s >> 32) == h) {
        const auto idx = static_cast<uint32_t>(s) - 1;
        if (Key(idx) == v) return idx;
      }
    }
  }
  std::string_view Key(uint32_t idx) const {
    const char* p = page_.data() + entries_[idx];
    uint32_t len;
    std::memcpy(&len, p, 4);
    return {p + 4, len};
  }
  // The bytes of entry `idx` as PLAIN encodes them (length prefix included).
  std::string_view Plain(uint32_t idx) const {
    return {page_.data() + entries_[idx], 4 + Key(idx).size()};
  }
  size_t size() const { return entries_.size(); }
  const std::string& page() const { return page_; }
  size_t CapacityBytes() const {
    return slots_.capacity() * 8 + entries_.capacity() * 4 + page_.capacity();
  }

 private:
  void Grow() {
    std::vector<uint64_t> old(slots_.size() * 2, 0);
    slots_.swap(old);
    const size_t mask = slots_.size() - 1;
    for (uint64_t s : old) {
      if (s == 0) continue;
      size_t i = (s >> 32) & mask;
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  static constexpr size_t kInitialSlots = 1024;
  std::vector<uint64_t> slots_;    // (32-bit hash << 32) | (index + 1); 0 = empty
  std::vector<uint32_t> entries_;  // offset of each entry in page_
  std::string page_;
};

// One column chunk's values gathered from the rows, nulls and list structure as levels.
struct Gathered {
  bool has_def = false;
  bool has_rep = false;
  std::vector<uint32_t> def;         // one per level entry, when has_def
  std::vector<uint32_t> rep;         // one per level entry, when has_rep
  std::vector<uint32_t> row_levels;  // level entries per row (list columns)
  // String columns are dictionary encoded while they are gathered (sdict set, indices
  // filled) until the dictionary outgrows its page; from then on `plain` holds every value
  // PLAIN-encoded (length + bytes), which required columns' data pages use in place.
  std::unique_ptr<StringDict> sdict;
  std::string plain;
  std::vector<uint32_t> indices;  // dictionary index per non-null value
  std::string_view last;          // the previous string value (in the rows), while sdict
  size_t expected_values = 0;     // rows left in the call: a sizing hint only
  std::vector<uint64_t> fixed;    // int64, int32, double bits, bool (0/1)
  size_t num_levels = 0;
  int64_t nulls = 0;
  // Statistics over non-null values, PLAIN-encoded without length prefix.
  bool has_minmax = false;
  std::string min, max;
};

pf::Type PhysicalType(ColumnKind k) {
  switch (k) {
    case ColumnKind::kString:
    case ColumnKind::kOptionalString:
    case ColumnKind::kStringList:
      return pf::Type::kByteArray;
    case ColumnKind::kInt32:
      return pf::Type::kInt32;
    case ColumnKind::kDouble:
      return pf::Type::kDouble;
    case ColumnKind::kBool:
      return pf::Type::kBoolean;
    case ColumnKind::kInt64:
    case ColumnKind::kTimestampMicros:
    case ColumnKind::kTimestampMillis:
      return pf::Type::kInt64;
  }
  return pf::Type::kInt64;
}

bool IsString(ColumnKind k) {
  return k == ColumnKind::kString || k == ColumnKind::kOptionalString ||
         k == ColumnKind::kStringList;
}

void AppendPlain(std::string_view v, std::string* out) {
  PutU32(static_cast<uint32_t>(v.size()), out);
  out->append(v);
}

// Ends dictionary encoding of a string column: the values so far become PLAIN.
void FallBackToPlain(size_t row_group_bytes, Gathered& g) {
  size_t bytes = 0;
  for (uint32_t idx : g.indices) bytes += g.sdict->Plain(idx).size();
  // Room for the rest of the row group at the rate seen so far, so the buffer is not
  // copied while it doubles (a chunk of unique texts is many megabytes).
  const double per_value = static_cast<double>(bytes) / static_cast<double>(g.indices.size());
  const auto expected = static_cast<size_t>(per_value * static_cast<double>(g.expected_values));
  g.plain.reserve(std::min(std::max(expected + expected / 8, 2 * bytes), row_group_bytes + bytes));
  for (uint32_t idx : g.indices) g.plain.append(g.sdict->Plain(idx));
  g.indices.clear();
  g.indices.shrink_to_fit();
  g.sdict.reset();
}

// After this many values of a chunk, a dictionary of nearly unique values (tweets' texts,
// descriptions) that would outgrow its page at this rate gives up at once: it would fall
// back to PLAIN anyway, after hashing thousands more values into a dictionary it drops.
constexpr size_t kDictionaryProbe = 1024;

bool WillOverflow(const WriterOptions& options, const Gathered& g) {
  const size_t values = g.indices.size();
  if (g.sdict->size() * 8 < values * 7) return false;  // under 7 in 8 distinct: keep trying
  const double per_value =
      static_cast<double>(g.sdict->page().size()) / static_cast<double>(values);
  return per_value * static_cast<double>(std::max(g.expected_values, values)) >
         static_cast<double>(options.dictionary_page_bytes);
}

void AddString(std::string_view v, const WriterOptions& options, Gathered& g) {
  if (g.sdict) {
    // Consecutive rows often repeat a value (one enricher, one topic, a user's burst):
    // comparing with the previous value is cheaper than hashing and probing.
    if (!g.indices.empty() && v == g.last) {
      g.indices.push_back(g.indices.back());
      return;
    }
    g.last = v;
    g.indices.push_back(g.sdict->Insert(v));
    if (g.sdict->page().size() > options.dictionary_page_bytes ||
        (g.indices.size() == kDictionaryProbe && WillOverflow(options, g))) {
      FallBackToPlain(options.row_group_bytes, g);
    }
    return;
  }
  AppendPlain(v, &g.plain);
}

// Prepares g for a new row group of about `rows` rows, keeping its buffers' capacity.
void ResetGathered(const ColumnSpec& col, const WriterOptions& options, size_t rows, Gathered& g) {
  g.has_def = col.kind == ColumnKind::kOptionalString || col.kind == ColumnKind::kStringList;
  g.has_rep = col.kind == ColumnKind::kStringList;
  g.def.clear();
  g.rep.clear();
  g.row_levels.clear();
  g.plain.clear();
  g.indices.clear();
  g.fixed.clear();
  g.num_levels = 0;
  g.nulls = 0;
  g.has_minmax = false;
  g.min.clear();
  g.max.clear();
  g.last = {};
  g.expected_values = rows;
  if (IsString(col.kind) && options.dictionary && col.dictionary) {
    // The previous chunk's dictionary, when it kept one, with its memory.
    if (g.sdict) {
      g.sdict->Clear();
    } else {
      g.sdict = std::make_unique<StringDict>();
    }
  } else {
    g.sdict.reset();
  }
  if (IsString(col.kind)) {
    if (g.sdict) g.indices.reserve(rows);
  } else {
    g.fixed.reserve(rows);
  }
  if (g.has_def) g.def.reserve(rows);
}

// Appends one row's value of every column. Rows are gathered row-major, all columns at
// once: each row's strings are read (and hashed into their dictionaries) while they are in
// cache, and everything later reads contiguous memory instead of chasing a pointer per value.
[[gnu::always_inline]] inline void GatherColumn(const ColumnSpec& col, const WriterOptions& options,
                                                const schema::EnrichedTweet& r, Gathered& g);

void GatherRow(std::span<const ColumnSpec> cols, const WriterOptions& options,
               const schema::EnrichedTweet& r, std::vector<Gathered>& gs) {
  for (size_t c = 0; c < cols.size(); ++c) GatherColumn(cols[c], options, r, gs[c]);
}

// Splits the columns into `n` groups of about equal gathering work (a string costs a
// hash probe or a copy, a number a load), for gathering on n threads.
std::vector<std::vector<size_t>> GatherGroups(std::span<const ColumnSpec> cols, size_t n) {
  std::vector<std::vector<size_t>> groups(n);
  std::vector<int> load(n, 0);
  std::vector<size_t> order(cols.size());
  auto weight = [&](size_t c) {
    return cols[c].kind == ColumnKind::kStringList ? 6 : IsString(cols[c].kind) ? 4 : 1;
  };
  for (size_t c = 0; c < cols.size(); ++c) order[c] = c;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return weight(a) > weight(b); });
  for (size_t c : order) {
    const size_t g = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    groups[g].push_back(c);
    load[g] += weight(c);
  }
  for (auto& g : groups) std::sort(g.begin(), g.end());
  return groups;
}

inline void GatherColumn(const ColumnSpec& col, const WriterOptions& options,
                         const schema::EnrichedTweet& r, Gathered& g) {
  {
    switch (col.kind) {
      case ColumnKind::kString:
        AddString(col.get_str(r), options, g);
        break;
      case ColumnKind::kOptionalString: {
        std::string_view v = col.get_str(r);
        if (v.empty()) {
          g.def.push_back(0);
          ++g.nulls;
          break;
        }
        g.def.push_back(1);
        AddString(v, options, g);
        break;
      }
      case ColumnKind::kStringList: {
        const auto& list = col.get_list(r);
        if (list.empty()) {
          g.def.push_back(0);
          g.rep.push_back(0);
          g.row_levels.push_back(1);
          ++g.nulls;
          break;
        }
        for (size_t k = 0; k < list.size(); ++k) {
          g.def.push_back(1);
          g.rep.push_back(k == 0 ? 0 : 1);
          AddString(list[k], options, g);
        }
        g.row_levels.push_back(static_cast<uint32_t>(list.size()));
        break;
      }
      case ColumnKind::kInt64:
      case ColumnKind::kTimestampMicros:
      case ColumnKind::kTimestampMillis:
      case ColumnKind::kInt32:
        g.fixed.push_back(static_cast<uint64_t>(col.get_int(r)));
        break;
      case ColumnKind::kDouble:
        g.fixed.push_back(std::bit_cast<uint64_t>(col.get_double(r)));
        break;
      case ColumnKind::kBool:
        g.fixed.push_back(col.get_bool(r) ? 1 : 0);
        break;
    }
  }
}

// After every row is gathered: level counts and the statistics of fixed-width columns
// (strings get theirs from the dictionary or the PLAIN values when encoded).
void FinishGather(const ColumnSpec& col, size_t num_rows, Gathered& g) {
  g.num_levels = g.has_def ? g.def.size() : num_rows;
  switch (col.kind) {
    case ColumnKind::kString:
    case ColumnKind::kOptionalString:
    case ColumnKind::kStringList:
      return;
    case ColumnKind::kInt64:
    case ColumnKind::kTimestampMicros:
    case ColumnKind::kTimestampMillis:
    case ColumnKind::kInt32: {
      const bool i32 = col.kind == ColumnKind::kInt32;
      if (g.fixed.empty()) return;
      int64_t mn = std::numeric_limits<int64_t>::max(), mx = std::numeric_limits<int64_t>::min();
      for (uint64_t u : g.fixed) {
        const auto v = static_cast<int64_t>(u);
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
      g.has_minmax = true;
      g.min = i32 ? RawBytes(static_cast<int32_t>(mn)) : RawBytes(mn);
      g.max = i32 ? RawBytes(static_cast<int32_t>(mx)) : RawBytes(mx);
      return;
    }
    case ColumnKind::kDouble: {
      double mn = 0, mx = 0;
      bool any = false;
      for (uint64_t u : g.fixed) {
        const double v = std::bit_cast<double>(u);
        if (std::isnan(v)) continue;  // statistics exclude NaN (parquet.thrift ColumnOrder)
        if (!any || v < mn) mn = v;
        if (!any || v > mx) mx = v;
        any = true;
      }
      if (any) {
        // Zero bounds are written as -0.0 (min) and +0.0 (max), as the spec asks.
        if (mn == 0) mn = -0.0;
        if (mx == 0) mx = 0.0;
        g.has_minmax = true;
        g.min = RawBytes(mn);
        g.max = RawBytes(mx);
      }
      return;
    }
    case ColumnKind::kBool: {
      if (g.fixed.empty()) return;
      bool any_true = false, any_false = false;
      for (uint64_t v : g.fixed) (v ? any_true : any_false) = true;
      g.has_minmax = true;
      g.min = std::string(1, any_false ? '\0' : '\1');
      g.max = std::string(1, any_true ? '\1' : '\0');
      return;
    }
  }
}

// Byte-wise min and max of PLAIN-encoded strings (length + bytes, back to back) into g's
// statistics. With a dictionary only the distinct values are compared.
void StringMinMax(std::string_view plain, Gathered& g) {
  if (plain.empty()) return;
  auto next = [&plain](size_t& at) {
    uint32_t len;
    std::memcpy(&len, plain.data() + at, 4);
    const std::string_view v(plain.data() + at + 4, len);
    at += 4 + len;
    return v;
  };
  size_t at = 0;
  std::string_view mn = next(at), mx = mn;
  while (at < plain.size()) {
    const std::string_view v = next(at);
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  g.has_minmax = true;
  g.min = mn;
  g.max = mx;
}

// Tries to dictionary-encode a fixed-width column; on success fills g.indices and
// *dict_page (PLAIN values).
bool BuildDictionary(const ColumnSpec& col, Gathered& g, const WriterOptions& options,
                     std::string* dict_page, size_t* dict_size) {
  if (!options.dictionary || !col.dictionary || col.kind == ColumnKind::kBool) return false;
  const size_t values = g.fixed.size();
  if (values == 0) return false;

  g.indices.clear();
  g.indices.reserve(values);
  const bool i32 = col.kind == ColumnKind::kInt32;
  const size_t width = i32 ? 4 : 8;
  DictBuilder<IntHash> d(std::min<size_t>(values, 4096));
  uint64_t prev = 0;
  uint32_t prev_idx = 0;
  for (size_t i = 0; i < values; ++i) {
    const uint64_t v = g.fixed[i];
    // Runs of one value (a user's counts, a confidence, a partition) skip the probe.
    if (i > 0 && v == prev) {
      g.indices.push_back(prev_idx);
      continue;
    }
    prev = v;
    prev_idx = d.Insert(v);
    g.indices.push_back(prev_idx);
    if (d.keys().size() * width > options.dictionary_page_bytes) {
      g.indices.clear();
      return false;
    }
  }
  for (uint64_t v : d.keys()) {
    if (i32) {
      PutRaw(static_cast<int32_t>(static_cast<int64_t>(v)), dict_page);
    } else {
      PutRaw(v, dict_page);
    }
  }
  *dict_size = d.keys().size();
  return true;
}

void WritePageHeader(pf::PageType type, size_t uncompressed, const std::string& compressed,
                     int32_t num_values, pf::Encoding encoding, std::string* out) {
  ThriftWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, static_cast<int32_t>(type));
  w.FieldI32(2, static_cast<int32_t>(uncompressed));
  w.FieldI32(3, static_cast<int32_t>(compressed.size()));
  w.FieldI32(4, static_cast<int32_t>(internal::Crc32(compressed)));
  if (type == pf::PageType::kDictionaryPage) {
    w.FieldStruct(7);
    w.BeginStruct();
    w.FieldI32(1, num_values);
    w.FieldI32(2, static_cast<int32_t>(pf::Encoding::kPlain));
    w.EndStruct();
  } else {
    w.FieldStruct(5);
    w.BeginStruct();
    w.FieldI32(1, num_values);
    w.FieldI32(2, static_cast<int32_t>(encoding));
    w.FieldI32(3, static_cast<int32_t>(pf::Encoding::kRle));
    w.FieldI32(4, static_cast<int32_t>(pf::Encoding::kRle));
    w.EndStruct();
  }
  w.EndStruct();
}

void PutLevels(const std::vector<uint32_t>& levels, size_t from, size_t to, std::string* out) {
  const size_t len_pos = out->size();
  PutU32(0, out);
  internal::EncodeRleHybrid(levels.data() + from, to - from, 1, out);
  const auto len = static_cast<uint32_t>(out->size() - len_pos - 4);
  std::memcpy(out->data() + len_pos, &len, 4);
}

// One page of a column chunk: the level, value and PLAIN byte ranges it covers.
struct PageSpan {
  size_t l0 = 0, l1 = 0;    // level entries
  size_t v0 = 0, v1 = 0;    // non-null values
  size_t at0 = 0, at1 = 0;  // bytes of g.plain (PLAIN strings)
};

// One encoded page: its header and compressed payload, written in that order.
struct PageOut {
  std::string header;
  std::string compressed;
  int64_t uncompressed = 0;  // header + uncompressed payload, as ColumnMetaData counts
  Status status;
};

// A column chunk cut into pages that can be encoded independently (and on any thread):
// pages[0] is the dictionary page when `dictionary`.
struct ChunkPlan {
  bool dictionary = false;
  size_t dict_size = 0;
  const std::string* dict_page = nullptr;
  std::string fixed_dict;  // the dictionary page of a fixed-width column
  int bit_width = 0;
  std::vector<PageSpan> spans;  // data pages
  size_t num_pages = 0;         // dictionary page (if any), then one per span
  std::vector<PageOut> pages;   // the encoded pages, when encoded ahead on several threads
};

// Compresses one page payload into *out with its header.
void EncodePayload(Codec codec, const WriterOptions& options, pf::PageType type,
                   std::string_view payload, int32_t num_values, pf::Encoding encoding,
                   PageOut* out) {
  out->status = internal::Compress(codec, options.zstd_level, payload, &out->compressed);
  if (!out->status.ok()) return;
  out->header.clear();
  WritePageHeader(type, payload.size(), out->compressed, num_values, encoding, &out->header);
  out->uncompressed = static_cast<int64_t>(out->header.size() + payload.size());
}

// Decides dictionary or PLAIN, computes the statistics and cuts the chunk into data pages
// that each start at a row boundary and hold about page_bytes of values.
void PlanChunk(const ColumnSpec& col, Gathered& g, const WriterOptions& options, ChunkPlan* plan) {
  const bool strings = IsString(col.kind);
  plan->fixed_dict.clear();
  plan->spans.clear();
  if (strings) {
    plan->dictionary = g.sdict != nullptr && g.sdict->size() > 0;
    if (plan->dictionary) {
      plan->dict_page = &g.sdict->page();
      plan->dict_size = g.sdict->size();
    }
    StringMinMax(plan->dictionary ? *plan->dict_page : g.plain, g);
  } else {
    plan->dict_size = 0;
    plan->dictionary = BuildDictionary(col, g, options, &plan->fixed_dict, &plan->dict_size);
    plan->dict_page = &plan->fixed_dict;
  }
  if (!plan->dictionary) plan->dict_size = 0;
  plan->bit_width =
      internal::BitWidth(plan->dict_size > 0 ? static_cast<uint32_t>(plan->dict_size - 1) : 0);
  const size_t num_rows = g.has_rep ? g.row_levels.size() : g.num_levels;
  // The loop below estimates each page's bytes value by value. Its total is known without
  // the loop: when the whole chunk is under page_bytes (a processor commit's chunks mostly
  // are) it is one page, the same one the loop would cut.
  const size_t num_values = g.num_levels - static_cast<size_t>(g.nulls);
  const bool plain_strings = strings && !plan->dictionary;
  const size_t total = (plan->dictionary ? 2 * num_values
                        : plain_strings  ? g.plain.size()
                                         : 8 * num_values) +
                       (g.has_def ? num_rows : 0);
  if (num_rows > 0 && total < options.page_bytes) {
    plan->spans.push_back(
        PageSpan{0, g.num_levels, 0, num_values, 0, plain_strings ? g.plain.size() : 0});
    plan->num_pages = 1 + (plan->dictionary ? 1 : 0);
    return;
  }
  size_t row = 0, lvl = 0, val = 0, at = 0;  // at: byte offset in g.plain
  while (row < num_rows) {
    PageSpan s{lvl, lvl, val, val, at, at};
    size_t est = 0;
    while (row < num_rows && est < options.page_bytes) {
      const size_t lcount = g.has_rep ? g.row_levels[row] : 1;
      for (size_t k = 0; k < lcount; ++k, ++lvl) {
        if (g.has_def && g.def[lvl] == 0) continue;
        if (plan->dictionary) {
          est += 2;
        } else if (strings) {
          uint32_t len;
          std::memcpy(&len, g.plain.data() + at, 4);
          at += 4 + len;
          est += 4 + len;
        } else {
          est += 8;
        }
        ++val;
      }
      est += g.has_def ? 1 : 0;
      ++row;
    }
    s.l1 = lvl;
    s.v1 = val;
    s.at1 = at;
    plan->spans.push_back(s);
  }
  plan->num_pages = plan->spans.size() + (plan->dictionary ? 1 : 0);
}

// Encodes page `k` of a planned chunk (the dictionary page first, when there is one) into
// *out. Reads g and plan only, so pages of one chunk may be encoded on different threads.
void EncodePage(const ColumnSpec& col, const Gathered& g, const WriterOptions& options,
                const ChunkPlan& plan, size_t k, PageOut* out) {
  const Codec codec = ToCodec(options.compression);
  if (plan.dictionary && k == 0) {
    EncodePayload(codec, options, pf::PageType::kDictionaryPage, *plan.dict_page,
                  static_cast<int32_t>(plan.dict_size), pf::Encoding::kPlain, out);
    return;
  }
  const PageSpan& s = plan.spans[k - (plan.dictionary ? 1 : 0)];
  // Scratch reused across pages: fresh megabyte buffers per page cost page faults.
  static thread_local std::string page;
  page.clear();
  if (g.has_rep) PutLevels(g.rep, s.l0, s.l1, &page);
  if (g.has_def) PutLevels(g.def, s.l0, s.l1, &page);
  // The values' bytes when they can be compressed where they lie (no levels before them).
  std::string_view values;
  if (plan.dictionary) {
    page.push_back(static_cast<char>(plan.bit_width));
    internal::EncodeRleHybrid(g.indices.data() + s.v0, s.v1 - s.v0, plan.bit_width, &page);
  } else if (IsString(col.kind)) {
    values = std::string_view(g.plain).substr(s.at0, s.at1 - s.at0);
  } else if (col.kind == ColumnKind::kBool) {
    uint8_t acc = 0;
    int bits = 0;
    for (size_t i = s.v0; i < s.v1; ++i) {
      acc |= static_cast<uint8_t>(g.fixed[i] << bits);
      if (++bits == 8) page.push_back(static_cast<char>(acc)), acc = 0, bits = 0;
    }
    if (bits > 0) page.push_back(static_cast<char>(acc));
  } else if (col.kind == ColumnKind::kInt32) {
    for (size_t i = s.v0; i < s.v1; ++i) PutRaw(static_cast<int32_t>(g.fixed[i]), &page);
  } else {
    values = std::string_view(reinterpret_cast<const char*>(g.fixed.data() + s.v0),
                              (s.v1 - s.v0) * 8);  // little-endian host, as PLAIN asks
  }
  std::string_view payload = page;
  if (!values.empty()) {
    if (page.empty()) {
      payload = values;
    } else {
      page.append(values);
      payload = page;
    }
  }
  EncodePayload(codec, options, pf::PageType::kDataPage, payload, static_cast<int32_t>(s.l1 - s.l0),
                plan.dictionary ? pf::Encoding::kRleDictionary : pf::Encoding::kPlain, out);
}

// Runs fn(0..n-1) on `threads` threads (the caller is one), each taking the next index.
template <typename Fn>
void ParallelFor(int threads, size_t n, const Fn& fn) {
  threads = static_cast<int>(std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), n));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

void WriteLogicalTimestamp(ThriftWriter& w, bool micros) {
  w.FieldStruct(10);  // logicalType
  w.BeginStruct();
  w.FieldStruct(8);  // TIMESTAMP
  w.BeginStruct();
  w.FieldBool(1, true);  // isAdjustedToUTC
  w.FieldStruct(2);      // unit
  w.BeginStruct();
  w.FieldStruct(micros ? 2 : 1);
  w.BeginStruct();
  w.EndStruct();
  w.EndStruct();
  w.EndStruct();
  w.EndStruct();
}

void WriteLogicalString(ThriftWriter& w) {
  w.FieldStruct(10);
  w.BeginStruct();
  w.FieldStruct(1);  // STRING
  w.BeginStruct();
  w.EndStruct();
  w.EndStruct();
}

void WriteSchema(ThriftWriter& w) {
  const auto cols = internal::TweetColumns();
  w.FieldList(2, TType::kStruct, cols.size() + 3);  // root + list group + repeated group
  w.BeginStruct();
  w.FieldBinary(4, "schema");
  w.FieldI32(5, static_cast<int32_t>(cols.size()));
  w.EndStruct();
  for (const ColumnSpec& c : cols) {
    if (c.kind == ColumnKind::kStringList) {
      w.BeginStruct();
      w.FieldI32(3, static_cast<int32_t>(pf::Repetition::kRequired));
      w.FieldBinary(4, c.name);
      w.FieldI32(5, 1);
      w.FieldI32(6, static_cast<int32_t>(pf::ConvertedType::kList));
      w.FieldStruct(10);
      w.BeginStruct();
      w.FieldStruct(3);  // LIST
      w.BeginStruct();
      w.EndStruct();
      w.EndStruct();
      w.EndStruct();
      w.BeginStruct();
      w.FieldI32(3, static_cast<int32_t>(pf::Repetition::kRepeated));
      w.FieldBinary(4, "list");
      w.FieldI32(5, 1);
      w.EndStruct();
      w.BeginStruct();
      w.FieldI32(1, static_cast<int32_t>(pf::Type::kByteArray));
      w.FieldI32(3, static_cast<int32_t>(pf::Repetition::kRequired));
      w.FieldBinary(4, "element");
      w.FieldI32(6, static_cast<int32_t>(pf::ConvertedType::kUtf8));
      WriteLogicalString(w);
      w.EndStruct();
      continue;
    }
    w.BeginStruct();
    w.FieldI32(1, static_cast<int32_t>(PhysicalType(c.kind)));
    w.FieldI32(
        3, static_cast<int32_t>(c.kind == ColumnKind::kOptionalString ? pf::Repetition::kOptional
                                                                      : pf::Repetition::kRequired));
    w.FieldBinary(4, c.name);
    if (IsString(c.kind)) {
      w.FieldI32(6, static_cast<int32_t>(pf::ConvertedType::kUtf8));
      WriteLogicalString(w);
    } else if (c.kind == ColumnKind::kTimestampMicros) {
      w.FieldI32(6, static_cast<int32_t>(pf::ConvertedType::kTimestampMicros));
      WriteLogicalTimestamp(w, true);
    } else if (c.kind == ColumnKind::kTimestampMillis) {
      w.FieldI32(6, static_cast<int32_t>(pf::ConvertedType::kTimestampMillis));
      WriteLogicalTimestamp(w, false);
    }
    w.EndStruct();
  }
}

Status CheckRow(const schema::EnrichedTweet& r) {
  for (int64_t s : {r.tweet.date.seconds, r.tweet.user_created.seconds}) {
    if (s > kMaxSeconds || s < -kMaxSeconds) {
      return Status::InvalidArgument("timestamp " + std::to_string(s) +
                                     "s is outside the range of TIMESTAMP(MICROS)");
    }
  }
  return Status::Ok();
}

size_t EstimateRowBytes(const schema::EnrichedTweet& r) {
  size_t b = 26 * 8 + r.tweet.user_name.size() + r.tweet.user_location.size() +
             r.tweet.user_description.size() + r.tweet.text.size() + r.tweet.source.size() +
             r.enricher.size() + r.source.topic.size();
  for (const auto& h : r.tweet.hashtags) b += 4 + h.size();
  return b;
}

}  // namespace

std::string EncodeSourceRanges(const SourceRanges& ranges) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [tp, r] : ranges) {
    j.push_back({{"topic", tp.topic},
                 {"partition", tp.partition.value()},
                 {"first", r.first.value()},
                 {"last", r.last.value()},
                 {"count", r.count}});
  }
  return j.dump();
}

Result<SourceRanges> DecodeSourceRanges(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return Status::Corruption("source offsets metadata is not a JSON array");
  SourceRanges out;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("topic") || !e["topic"].is_string() ||
        !e.contains("partition") || !e["partition"].is_number_integer() || !e.contains("first") ||
        !e["first"].is_number_integer() || !e.contains("last") || !e["last"].is_number_integer() ||
        !e.contains("count") || !e["count"].is_number_integer()) {
      return Status::Corruption("source offsets metadata: bad entry");
    }
    TopicPartition tp{e["topic"].get<std::string>(), PartitionId(e["partition"].get<int32_t>())};
    out[tp] = SourceRange{Offset(e["first"].get<int64_t>()), Offset(e["last"].get<int64_t>()),
                          e["count"].get<int64_t>()};
  }
  return out;
}

// The column buffers of the row group being gathered, kept (with their capacity) for the
// writer's next row group.
struct ParquetWriter::ColumnBuffers {
  std::vector<Gathered> columns;
  std::vector<ChunkPlan> plans;
  size_t CapacityBytes() const;
};

// A closed writer's buffers are kept for the thread's next writer (the processor's lake
// writes a file per date every batch: fresh buffers cost allocations and page faults), unless
// they are this large (a compaction's row groups).
constexpr size_t kSpareBuffersMaxBytes = 64 << 20;

ParquetWriter::ParquetWriter(std::string path, WriterOptions options, int fd)
    : path_(std::move(path)), options_(options), fd_(fd) {}

ParquetWriter::~ParquetWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(std::string path,
                                                             WriterOptions options) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(errno, "create " + path);
  std::unique_ptr<ParquetWriter> w(new ParquetWriter(std::move(path), options, fd));
  RETURN_IF_ERROR(w->Append(pf::kMagic));
  return w;
}

Status ParquetWriter::Append(std::string_view bytes) {
  offset_ += bytes.size();
  if (bytes.size() >= kBufferFlushBytes / 4) {
    // Large column chunks go straight to the file rather than through another copy.
    RETURN_IF_ERROR(FlushBuffer());
    return WriteAll(bytes);
  }
  buffer_.append(bytes);
  if (buffer_.size() >= kBufferFlushBytes) return FlushBuffer();
  return Status::Ok();
}

Status ParquetWriter::WriteAll(std::string_view bytes) { return WriteFull(fd_, bytes, path_); }

Status ParquetWriter::FlushBuffer() {
  RETURN_IF_ERROR(WriteAll(buffer_));
  buffer_.clear();
  return Status::Ok();
}

Status ParquetWriter::Write(std::span<const schema::EnrichedTweet> rows) {
  std::vector<const schema::EnrichedTweet*> ptrs(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) ptrs[i] = &rows[i];
  return Write(std::span<const schema::EnrichedTweet* const>(ptrs));
}

Status ParquetWriter::Write(std::span<const schema::EnrichedTweet* const> rows) {
  if (fd_ < 0) return Status::FailedPrecondition("writer for " + path_ + " is closed");
  // One pass over the rows does the checks, row-group boundaries, source ranges, enrichers
  // and the gathering into columns (each pass over row structs costs cache misses). Nothing
  // is kept unless all succeed: on an error the file goes back to where this call started.
  const uint64_t start_offset = offset_;
  const size_t start_groups = row_groups_.size();
  SourceRanges ranges = ranges_;
  std::vector<std::string> enrichers = enrichers_;
  Status st = GatherAndWrite(rows, ranges, enrichers);
  if (!st.ok()) {
    RollBack(start_offset, start_groups);
    return st;
  }
  ranges_ = std::move(ranges);
  enrichers_ = std::move(enrichers);
  rows_ += static_cast<int64_t>(rows.size());
  return Status::Ok();
}

std::unique_ptr<ParquetWriter::ColumnBuffers>& ParquetWriter::SpareBuffers() {
  static thread_local std::unique_ptr<ColumnBuffers> spare;
  return spare;
}

size_t ParquetWriter::ColumnBuffers::CapacityBytes() const {
  size_t b = 0;
  for (const Gathered& g : columns) {
    b +=
        (g.def.capacity() + g.rep.capacity() + g.row_levels.capacity() + g.indices.capacity()) * 4 +
        g.fixed.capacity() * 8 + g.plain.capacity() + (g.sdict ? g.sdict->CapacityBytes() : 0);
  }
  return b;
}

Status ParquetWriter::GatherAndWrite(std::span<const schema::EnrichedTweet* const> rows,
                                     SourceRanges& ranges, std::vector<std::string>& enrichers) {
  const auto cols = internal::TweetColumns();
  if (!buffers_) buffers_ = std::exchange(SpareBuffers(), nullptr);
  if (!buffers_) buffers_ = std::make_unique<ColumnBuffers>();
  std::vector<Gathered>& gs = buffers_->columns;
  gs.resize(cols.size());
  SourceRange* range = nullptr;
  // Map entries do not move, so their topic and range can be pointed at.
  struct SeenPartition {
    PartitionId partition;
    std::string_view topic;
    SourceRange* range;
  };
  constexpr size_t kMaxSeen = 64;
  std::vector<SeenPartition> seen;
  const schema::EnrichedTweet* prev = nullptr;
  size_t start = 0;
  // With more than one thread the row structs are read twice (checks, then gathering split
  // by columns across threads); with one, once.
  const bool parallel = options_.threads > 1;
  const auto groups =
      parallel ? GatherGroups(cols, std::min(static_cast<size_t>(options_.threads), cols.size()))
               : std::vector<std::vector<size_t>>{};
  while (start < rows.size()) {
    for (size_t c = 0; c < cols.size(); ++c) {
      ResetGathered(cols[c], options_, rows.size() - start, gs[c]);
    }
    size_t bytes = 0;
    size_t i = start;
    while (i < rows.size() && bytes < options_.row_group_bytes) {
      const auto& r = *rows[i++];
      RETURN_IF_ERROR(CheckRow(r));
      bytes += EstimateRowBytes(r);
      // Consecutive rows mostly share a topic-partition and an enricher: look up on change,
      // first among the partitions seen in this call (rows of a few partitions interleave).
      if (prev == nullptr || r.source.partition != prev->source.partition ||
          r.source.topic != prev->source.topic) {
        range = nullptr;
        for (const SeenPartition& s : seen) {
          if (s.partition == r.source.partition && s.topic == r.source.topic) {
            range = s.range;
            break;
          }
        }
        if (range == nullptr) {
          auto it = ranges
                        .try_emplace(TopicPartition{r.source.topic, r.source.partition},
                                     SourceRange{r.source.offset, r.source.offset, 0})
                        .first;
          range = &it->second;
          if (seen.size() < kMaxSeen) seen.push_back({r.source.partition, it->first.topic, range});
        }
      }
      range->first = std::min(range->first, r.source.offset);
      range->last = std::max(range->last, r.source.offset);
      ++range->count;
      if ((prev == nullptr || r.enricher != prev->enricher) &&
          std::find(enrichers.begin(), enrichers.end(), r.enricher) == enrichers.end()) {
        enrichers.push_back(r.enricher);
      }
      prev = &r;
      if (!parallel) GatherRow(cols, options_, r, gs);
    }
    if (parallel) {
      // The checks above read only the row structs; now each thread gathers its group of
      // columns over the row group (the rows' strings are read by one thread each).
      ParallelFor(static_cast<int>(groups.size()), groups.size(), [&](size_t t) {
        for (size_t k = start; k < i; ++k) {
          for (size_t c : groups[t]) GatherColumn(cols[c], options_, *rows[k], gs[c]);
        }
      });
    }
    for (size_t c = 0; c < cols.size(); ++c) FinishGather(cols[c], i - start, gs[c]);
    RETURN_IF_ERROR(WriteRowGroup(*buffers_, i - start));
    start = i;
  }
  return Status::Ok();
}

void ParquetWriter::RollBack(uint64_t offset, size_t row_groups) {
  row_groups_.resize(row_groups);
  const uint64_t flushed = offset_ - buffer_.size();
  if (offset >= flushed) {
    buffer_.resize(offset - flushed);
  } else {
    buffer_.clear();
    if (::ftruncate(fd_, static_cast<off_t>(offset)) != 0 ||
        ::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
      // The file cannot be put back: make the writer unusable rather than write after garbage.
      ::close(fd_);
      fd_ = -1;
    }
  }
  offset_ = offset;
}

Status ParquetWriter::WriteRowGroup(ColumnBuffers& buffers, size_t num_rows) {
  const auto cols = internal::TweetColumns();
  std::vector<Gathered>& gathered = buffers.columns;
  const int64_t group_start = static_cast<int64_t>(offset_);
  int64_t total_uncompressed = 0;
  std::string meta;
  ThriftWriter w(&meta);
  w.BeginStruct();
  w.FieldList(1, TType::kStruct, cols.size());
  // Column chunks, and the pages of a chunk, are independent. With several threads: plan
  // every chunk, then encode all pages on options_.threads threads, each taking the next
  // page (a column of unique texts is most of the compression work, so whole chunks would
  // not balance), then write them in schema order. With one: plan, encode and write page by
  // page through one reused buffer. The output is the same either way.
  std::vector<ChunkPlan>& plans = buffers.plans;
  plans.resize(cols.size());
  const bool parallel = options_.threads > 1;
  if (parallel) {
    ParallelFor(options_.threads, cols.size(), [&](size_t ci) {
      PlanChunk(cols[ci], gathered[ci], options_, &plans[ci]);
      plans[ci].pages.resize(plans[ci].num_pages);
    });
    std::vector<std::pair<uint32_t, uint32_t>> tasks;  // (column, page)
    for (size_t ci = 0; ci < cols.size(); ++ci) {
      for (size_t k = 0; k < plans[ci].num_pages; ++k) {
        tasks.emplace_back(static_cast<uint32_t>(ci), static_cast<uint32_t>(k));
      }
    }
    ParallelFor(options_.threads, tasks.size(), [&](size_t t) {
      const auto [ci, k] = tasks[t];
      EncodePage(cols[ci], gathered[ci], options_, plans[ci], k, &plans[ci].pages[k]);
    });
  }
  // Reused across pages and calls: fresh megabyte buffers cost page faults.
  static thread_local PageOut scratch;
  for (size_t ci = 0; ci < cols.size(); ++ci) {
    const ColumnSpec& c = cols[ci];
    const Gathered& g = gathered[ci];
    ChunkPlan& chunk = plans[ci];
    if (!parallel) PlanChunk(c, gathered[ci], options_, &chunk);
    const auto chunk_start = static_cast<int64_t>(offset_);
    int64_t chunk_uncompressed = 0;
    int64_t data_page_offset = 0;
    for (size_t k = 0; k < chunk.num_pages; ++k) {
      if (!parallel) EncodePage(c, g, options_, chunk, k, &scratch);
      const PageOut& page = parallel ? chunk.pages[k] : scratch;
      RETURN_IF_ERROR(page.status);
      if (k == 1 && chunk.dictionary) {
        data_page_offset = static_cast<int64_t>(offset_) - chunk_start;
      }
      RETURN_IF_ERROR(Append(page.header));
      RETURN_IF_ERROR(Append(page.compressed));
      chunk_uncompressed += page.uncompressed;
    }
    const auto chunk_bytes = static_cast<size_t>(static_cast<int64_t>(offset_) - chunk_start);
    total_uncompressed += chunk_uncompressed;

    w.BeginStruct();   // ColumnChunk
    w.FieldI64(2, 0);  // file_offset: 0, the metadata lives only in the footer
    w.FieldStruct(3);
    w.BeginStruct();  // ColumnMetaData
    w.FieldI32(1, static_cast<int32_t>(PhysicalType(c.kind)));
    if (chunk.dictionary) {
      w.FieldList(2, TType::kI32, 3);
      w.ElemI32(static_cast<int32_t>(pf::Encoding::kPlain));
      w.ElemI32(static_cast<int32_t>(pf::Encoding::kRle));
      w.ElemI32(static_cast<int32_t>(pf::Encoding::kRleDictionary));
    } else {
      w.FieldList(2, TType::kI32, 2);
      w.ElemI32(static_cast<int32_t>(pf::Encoding::kPlain));
      w.ElemI32(static_cast<int32_t>(pf::Encoding::kRle));
    }
    if (c.kind == ColumnKind::kStringList) {
      w.FieldList(3, TType::kBinary, 3);
      w.ElemBinary(c.name);
      w.ElemBinary("list");
      w.ElemBinary("element");
    } else {
      w.FieldList(3, TType::kBinary, 1);
      w.ElemBinary(c.name);
    }
    w.FieldI32(4, static_cast<int32_t>(ToCodec(options_.compression)));
    w.FieldI64(5, static_cast<int64_t>(g.num_levels));
    w.FieldI64(6, chunk_uncompressed);
    w.FieldI64(7, static_cast<int64_t>(chunk_bytes));
    w.FieldI64(9, chunk_start + data_page_offset);
    if (chunk.dictionary) w.FieldI64(11, chunk_start);
    w.FieldStruct(12);
    w.BeginStruct();  // Statistics
    w.FieldI64(3, g.nulls);
    if (g.has_minmax) {
      w.FieldBinary(5, g.max);
      w.FieldBinary(6, g.min);
    }
    w.EndStruct();
    w.EndStruct();  // ColumnMetaData
    w.EndStruct();  // ColumnChunk
  }
  w.FieldI64(2, total_uncompressed);
  w.FieldI64(3, static_cast<int64_t>(num_rows));
  w.FieldI64(5, group_start);
  w.FieldI64(6, static_cast<int64_t>(offset_) - group_start);
  w.FieldI16(7, static_cast<int16_t>(row_groups_.size()));
  w.EndStruct();
  row_groups_.push_back(std::move(meta));
  return Status::Ok();
}

Status ParquetWriter::Close(const KeyValues& extra) {
  if (fd_ < 0) return Status::FailedPrecondition("writer for " + path_ + " is closed");
  if (buffers_ && buffers_->CapacityBytes() <= kSpareBuffersMaxBytes) {
    SpareBuffers() = std::move(buffers_);
  }
  buffers_.reset();
  const auto cols = internal::TweetColumns();
  std::string footer;
  ThriftWriter w(&footer);
  w.BeginStruct();
  w.FieldI32(1, 1);
  WriteSchema(w);
  w.FieldI64(3, rows_);
  w.FieldList(4, TType::kStruct, row_groups_.size());
  for (const auto& rg : row_groups_) footer += rg;
  std::string enrichers;
  for (const auto& e : enrichers_) enrichers += (enrichers.empty() ? "" : ",") + e;
  KeyValues kv = {{std::string(kSchemaVersionKey), std::to_string(kSchemaVersion)},
                  {std::string(kEnrichersKey), enrichers},
                  {std::string(kSourceOffsetsKey), EncodeSourceRanges(ranges_)}};
  kv.insert(kv.end(), extra.begin(), extra.end());
  w.FieldList(5, TType::kStruct, kv.size());
  for (const auto& [k, v] : kv) {
    w.BeginStruct();
    w.FieldBinary(1, k);
    w.FieldBinary(2, v);
    w.EndStruct();
  }
  w.FieldBinary(6, "covidflow version 0.1.0");
  w.FieldList(7, TType::kStruct, cols.size());
  for (size_t i = 0; i < cols.size(); ++i) {
    w.BeginStruct();   // ColumnOrder union
    w.FieldStruct(1);  // TYPE_ORDER
    w.BeginStruct();
    w.EndStruct();
    w.EndStruct();
  }
  w.EndStruct();
  RETURN_IF_ERROR(Append(footer));
  std::string tail;
  PutU32(static_cast<uint32_t>(footer.size()), &tail);
  tail += pf::kMagic;
  RETURN_IF_ERROR(Append(tail));
  RETURN_IF_ERROR(FlushBuffer());
  if (options_.fsync && ::fsync(fd_) != 0) return Status::FromErrno(errno, "fsync " + path_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Status::FromErrno(errno, "close " + path_);
  return Status::Ok();
}

namespace {
template <typename Rows>
Status WriteWholeFile(const std::string& path, Rows rows, const WriterOptions& options,
                      const KeyValues& extra) {
  ASSIGN_OR_RETURN(auto writer, ParquetWriter::Create(path, options));
  RETURN_IF_ERROR(writer->Write(rows));
  return writer->Close(extra);
}
}  // namespace

Status WriteParquetFile(const std::string& path, std::span<const schema::EnrichedTweet> rows,
                        const WriterOptions& options, const KeyValues& extra) {
  return WriteWholeFile(path, rows, options, extra);
}

Status WriteParquetFileOf(const std::string& path,
                          std::span<const schema::EnrichedTweet* const> rows,
                          const WriterOptions& options, const KeyValues& extra) {
  return WriteWholeFile(path, rows, options, extra);
}

}  // namespace covidflow::lake
