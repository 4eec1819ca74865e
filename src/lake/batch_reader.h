#pragma once
// Column batches from the lake, for training and analysis over many rows in bounded memory.
//
// A BatchReader walks the committed files of the partitions in a date range (partitions outside
// it are never opened), in date then file-name order, and returns batches of up to
// `batch_rows` rows holding only the projected columns, as typed column vectors (strings as one
// contiguous byte buffer plus offsets, as Arrow lays them out). A batch may span row groups and
// files. Memory in use is one batch plus, per projected column, the compressed column chunk of
// the current row group and one decompressed page: never the lake, never a whole file.
//
// Files are picked by ListLakeFiles's rule, and all files of a partition are opened before any
// of them is read: a compaction that runs meanwhile can remove them, but the open descriptors
// keep the snapshot readable, so no row is shown twice or lost. A file that vanished between
// the listing and the opening (a compaction finished in between) makes the reader list that
// partition again.
//
// A corrupt or truncated file yields kCorruption naming the file, never a crash: every offset
// and length is checked against the bytes present, page checksums (CRC-32) are verified.
//
// Threads: a BatchReader is used by one thread at a time; distinct readers are independent.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/status.h"

namespace covidflow::lake {

// The type of a lake column as a batch holds it.
enum class ColumnType : uint8_t {
  kString,           // UTF-8 strings: bytes + offsets
  kStringList,       // lists of UTF-8 strings: bytes + offsets + list_offsets
  kInt32,            // in `ints`
  kInt64,            // in `ints`
  kDouble,           // in `doubles`
  kBool,             // in `bools` (0 or 1)
  kTimestampMicros,  // in `ints`: microseconds since the epoch, UTC (the lake's unit)
  kTimestampMillis,  // in `ints`: milliseconds since the epoch, UTC
};

// The allocator of a batch's value vectors: `resize` leaves new elements uninitialised, since the
// reader writes every value it adds (zero-filling each batch first was a tenth of a numeric scan).
// Otherwise a std::vector: index, iterate, size, push_back as usual.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>& /*other*/) noexcept {}
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <typename T>
using ValueVector = std::vector<T, UninitializedAllocator<T>>;

// One column of a batch. Only the vectors of its type are filled.
struct ColumnVector {
  std::string name;
  ColumnType type = ColumnType::kInt64;
  bool nullable = false;  // country, region: null when unresolved
  ValueVector<int64_t> ints;
  ValueVector<double> doubles;
  ValueVector<uint8_t> bools;
  // Strings: value i is bytes[offsets[i], offsets[i + 1]); offsets has one entry more than
  // there are strings. For a kString column there is one string per row (a null is empty).
  std::string bytes;
  ValueVector<int64_t> offsets = {0};
  // kStringList: row r holds strings list_offsets[r] .. list_offsets[r + 1] - 1.
  ValueVector<int64_t> list_offsets = {0};
  // Nullable columns: valid[r] is 0 for a null, 1 for a value. Empty for the others.
  ValueVector<uint8_t> valid;

  std::string_view String(size_t i) const {
    return std::string_view(bytes).substr(static_cast<size_t>(offsets[i]),
                                          static_cast<size_t>(offsets[i + 1] - offsets[i]));
  }
  // Empties the values, keeping the storage.
  void Clear();
};

struct ColumnBatch {
  size_t num_rows = 0;
  std::vector<ColumnVector> columns;  // in the order of BatchReaderOptions::columns
  // The column named `name`, or nullptr.
  const ColumnVector* Find(std::string_view name) const;
};

// A file a reader opened, for lineage: lake files are written once under a unique name and
// renamed into place, so path, size and modification time name its bytes.
struct FileRead {
  std::string path;  // empty for OpenBytes
  uint64_t bytes = 0;
  int64_t mtime_ns = 0;
  int64_t rows = 0;  // the file's rows (all of them are read)
};

// A lake date range as a source string: "lake:DIR[?from=YYYY-MM-DD][&to=YYYY-MM-DD]" (both
// dates inclusive; absent = unbounded). The one parser of that form (monitor's samples, train).
struct LakeUri {
  std::string dir;
  std::string from_date;
  std::string to_date;
};
// kInvalidArgument naming the bad part (no directory, an unknown key, a malformed date).
Result<LakeUri> ParseLakeUri(std::string_view uri);

struct BatchReaderOptions {
  // Column names (docs/formats/lake.md) to read, in the order the batch holds them; empty
  // means all, in file order. An unknown name is kInvalidArgument at Open.
  std::vector<std::string> columns;
  std::string from_date;  // "YYYY-MM-DD", inclusive; empty = unbounded
  std::string to_date;    // inclusive; empty = unbounded
  size_t batch_rows = 65536;
};

class BatchReader {
 public:
  // Opens the lake at `lake_dir`. A missing lake or an empty range gives a reader with no rows.
  static Result<std::unique_ptr<BatchReader>> Open(const std::string& lake_dir,
                                                   BatchReaderOptions options);
  // Reads one file's bytes already in memory (the fuzzer and tests use it).
  static Result<std::unique_ptr<BatchReader>> OpenBytes(std::string_view bytes,
                                                        BatchReaderOptions options);
  ~BatchReader();
  BatchReader(const BatchReader&) = delete;
  BatchReader& operator=(const BatchReader&) = delete;

  // The next batch of 1..batch_rows rows, or nullopt after the last row. After an error the
  // reader is unusable.
  Result<std::optional<ColumnBatch>> Next();
  // The same into a caller's batch, reusing its storage; false after the last row.
  Result<bool> NextInto(ColumnBatch* batch);

  // Rows returned so far.
  int64_t rows_read() const { return rows_read_; }
  // The files opened so far, in reading order (after the last batch: every file read).
  const std::vector<FileRead>& files_read() const;

 private:
  struct State;
  explicit BatchReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  int64_t rows_read_ = 0;
};

}  // namespace covidflow::lake
