#pragma once
// Reading a lake file: its footer, the layout of its row groups and column chunks, and the
// decoding of a column chunk's pages into a ColumnVector a few rows at a time. Shared by the
// row reader (reader.h) and the batch reader (batch_reader.h). Private to the lake module.
//
// Nothing here trusts the file: every length and offset is checked against the bytes present,
// page CRCs are verified, and a bad value is kCorruption (the caller adds the file's name).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/fs.h"
#include "base/status.h"
#include "lake/batch_reader.h"
#include "lake/internal/encoding.h"
#include "lake/internal/thrift_compact.h"
#include "lake/internal/tweet_columns.h"

namespace covidflow::lake::internal {

// A reusable byte buffer whose bytes are not zero-filled when it grows: they are always
// overwritten (by a read or a decompression), and zero-filling megabytes per page showed.
class Buffer {
 public:
  // Makes the buffer `n` bytes long (contents unspecified) and returns its data.
  char* Resize(size_t n) {
    if (n > capacity_) {
      data_ = std::make_unique_for_overwrite<char[]>(n);
      capacity_ = n;
    }
    size_ = n;
    return data_.get();
  }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

// The bytes of a lake file, read by range: from a descriptor (pread) or from memory.
class FileSource {
 public:
  // `size` is the file's size.
  static FileSource FromFd(UniqueFd fd, uint64_t size, std::string name);
  static FileSource FromBytes(std::string_view bytes);

  uint64_t size() const { return size_; }
  const std::string& name() const { return name_; }
  // bytes [offset, offset + length): a view into memory, or read into *scratch. The range
  // must lie within size() (callers check it against the footer first).
  Result<std::string_view> Read(uint64_t offset, size_t length, Buffer* scratch) const;

 private:
  FileSource() = default;
  UniqueFd fd_;
  std::string_view bytes_;
  uint64_t size_ = 0;
  std::string name_;
};

// Opens `path` for reading. kNotFound when it does not exist.
Result<FileSource> OpenFileSource(const std::string& path);

// A file's footer: the decoded FileMetaData (refers into `bytes`, kept here) and where the data
// region ends.
struct Footer {
  std::unique_ptr<std::string> bytes;
  ThriftStruct meta;
  uint64_t data_end = 0;  // offset of the footer in the file
};
// Reads and decodes the footer; checks the magic at both ends and the footer's length.
Result<Footer> ReadFooter(const FileSource& file);

// Checks that the footer's schema is the lake schema (leaf names in order).
Status CheckSchema(const ThriftStruct& meta);

// One column chunk's bytes in the file.
struct ChunkRange {
  Codec codec = Codec::kUncompressed;
  uint64_t start = 0;  // the dictionary page if any, else the first data page
  uint64_t size = 0;
};
struct RowGroupLayout {
  int64_t num_rows = 0;
  // One per column the file has, in table order: every column, or the first
  // schema::kColumnCountV2 (kColumnCountV1) in a schema version 2 (1) file.
  std::vector<ChunkRange> chunks;
};
struct FileLayout {
  int64_t num_rows = 0;
  std::vector<RowGroupLayout> row_groups;
};
// The row groups and chunks of a file, each range checked to lie in [4, data_end) and the row
// counts to agree (the row groups sum to the file's rows).
Result<FileLayout> ParseLayout(const Footer& footer);

// Decodes one column chunk page by page. Reset with the chunk's bytes; then Read rows in any
// steps; Finish checks the chunk held exactly the row group's rows.
class ChunkReader {
 public:
  void Reset(const ColumnSpec& column, Codec codec, std::string_view chunk, size_t num_rows);
  // Appends the values of the next `n` rows to *out (n <= rows left).
  Status Read(size_t n, ColumnVector* out);
  // kCorruption unless every page was consumed and exactly num_rows rows were read.
  Status Finish();

 private:
  Status NextPage();
  Status LoadDictionary(std::string_view page, int64_t n);
  Status LoadDataPage(std::string_view page, int64_t num_values, int64_t encoding);
  bool IsString() const;
  bool IsFixedWidth() const;  // int32/int64/double/timestamps: dictionary values in dict_fixed_
  // The dictionary values of the next `n` indices of the page into dst.
  Status GatherFixed(size_t n, uint64_t* dst);

  const ColumnSpec* column_ = nullptr;
  Codec codec_ = Codec::kUncompressed;
  std::string_view chunk_;
  size_t chunk_pos_ = 0;
  size_t num_rows_ = 0;
  size_t rows_started_ = 0;  // rows whose first level entry was decoded (pages loaded)
  // The current data page.
  Buffer page_buffer_;
  size_t levels_ = 0;     // level entries in the page
  size_t level_pos_ = 0;  // next level entry
  std::vector<uint32_t> rep_, def_;
  bool dictionary_encoded_ = false;
  std::vector<uint32_t> indices_;   // a string or bool page's dictionary indices
  RleHybridDecoder index_decoder_;  // a fixed-width page's, read as rows are
  std::string_view values_;         // PLAIN values of the page
  size_t value_pos_ = 0;            // next value (index, or byte offset into values_ for PLAIN)
  // The dictionary.
  bool have_dictionary_ = false;
  Buffer dictionary_buffer_;
  std::vector<std::string_view> dict_strings_;
  std::vector<uint64_t> dict_fixed_;
};

// The batch type of a lake column.
ColumnType BatchType(ColumnKind kind);

}  // namespace covidflow::lake::internal
