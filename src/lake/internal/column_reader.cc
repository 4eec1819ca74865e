#include "lake/internal/column_reader.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "lake/internal/parquet_format.h"
#include "schema/fields.h"

namespace covidflow::lake::internal {
namespace {

// The column count of a lake file of some schema version: 1 (26), 2 (30) or the current one.
bool KnownColumnCount(size_t n) {
  return n == schema::kColumnCount || n == schema::kColumnCountV2 || n == schema::kColumnCountV1;
}

uint32_t LoadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

bool IsCodec(int64_t c) {
  return c == static_cast<int64_t>(Codec::kUncompressed) ||
         c == static_cast<int64_t>(Codec::kSnappy) || c == static_cast<int64_t>(Codec::kZstd);
}

// RLE levels with a 4-byte length prefix (data page v1), each 0 or 1.
Status Levels(std::string_view page, size_t* pos, size_t n, std::vector<uint32_t>* out) {
  if (page.size() - *pos < 4) return Status::Corruption("truncated levels");
  const uint32_t len = LoadU32(page.data() + *pos);
  *pos += 4;
  if (len > page.size() - *pos) return Status::Corruption("levels past end of page");
  out->clear();
  RETURN_IF_ERROR(DecodeRleHybrid(page.substr(*pos, len), 1, n, out));
  *pos += len;
  uint32_t any = 0;
  for (uint32_t l : *out) any |= l;
  if (any > 1) return Status::Corruption("level out of range");
  return Status::Ok();
}

Status PlainString(std::string_view d, size_t* pos, std::string_view* v) {
  if (d.size() - *pos < 4) return Status::Corruption("truncated string length");
  const uint32_t len = LoadU32(d.data() + *pos);
  *pos += 4;
  if (len > d.size() - *pos) return Status::Corruption("string past end of page");
  *v = d.substr(*pos, len);
  *pos += len;
  return Status::Ok();
}

void AppendString(std::string_view v, ColumnVector* out) {
  out->bytes.append(v.data(), v.size());
  out->offsets.push_back(static_cast<int64_t>(out->bytes.size()));
}

}  // namespace

// ---- FileSource ----

FileSource FileSource::FromFd(UniqueFd fd, uint64_t size, std::string name) {
  FileSource f;
  f.fd_ = std::move(fd);
  f.size_ = size;
  f.name_ = std::move(name);
  return f;
}

FileSource FileSource::FromBytes(std::string_view bytes) {
  FileSource f;
  f.bytes_ = bytes;
  f.size_ = bytes.size();
  return f;
}

Result<std::string_view> FileSource::Read(uint64_t offset, size_t length, Buffer* scratch) const {
  if (offset > size_ || length > size_ - offset) {
    return Status::Corruption("read past end of file");
  }
  if (!fd_.valid()) return bytes_.substr(offset, length);
  char* dst = scratch->Resize(length);
  auto n = PreadFull(fd_.get(), dst, length, offset);
  if (!n.ok()) return n.status().WithContext(name_);
  if (*n != length) return Status::Corruption("file shrank while reading");
  return scratch->view();
}

Result<FileSource> OpenFileSource(const std::string& path) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDONLY));
  auto size = FileSize(fd.get());
  if (!size.ok()) return size.status().WithContext(path);
  return FileSource::FromFd(std::move(fd), *size, path);
}

// ---- footer and layout ----

Result<Footer> ReadFooter(const FileSource& file) {
  const uint64_t size = file.size();
  if (size < 12) {
    return Status::Corruption("file too short (" + std::to_string(size) + " bytes)");
  }
  Buffer scratch;
  ASSIGN_OR_RETURN(std::string_view head, file.Read(0, 4, &scratch));
  if (head != pf::kMagic) return Status::Corruption("missing PAR1 header");
  ASSIGN_OR_RETURN(std::string_view tail, file.Read(size - 8, 8, &scratch));
  if (tail.substr(4) != pf::kMagic) return Status::Corruption("missing PAR1 trailer (truncated?)");
  const uint32_t len = LoadU32(tail.data());
  if (len > size - 12) return Status::Corruption("footer length past start of file");
  Footer f;
  f.data_end = size - 8 - len;
  ASSIGN_OR_RETURN(std::string_view bytes, file.Read(f.data_end, len, &scratch));
  // Kept in a buffer of its own: the decoded tree refers into it.
  f.bytes = std::make_unique<std::string>(bytes);
  size_t pos = 0;
  ASSIGN_OR_RETURN(f.meta, DecodeStruct(*f.bytes, &pos));
  return f;
}

Status CheckSchema(const ThriftStruct& meta) {
  ASSIGN_OR_RETURN(const auto* schema, GetList(meta, pf::fmd::kSchema, "schema"));
  std::vector<std::string_view> leaves;
  for (size_t i = 1; i < schema->size(); ++i) {
    const auto& e = (*schema)[i];
    if (!e.is_struct()) return Status::Corruption("schema element is not a struct");
    if (Find(*e.fields, pf::se::kNumChildren) != nullptr) continue;  // a group
    const auto* name = Find(*e.fields, pf::se::kName);
    if (name == nullptr) return Status::Corruption("schema element without a name");
    leaves.push_back(name->bin);
  }
  const auto cols = TweetColumns();
  // A file of an earlier schema version lacks the columns added since, which come last
  // (schema/fields.h).
  if (!KnownColumnCount(leaves.size())) {
    return Status::Corruption("not a lake file: " + std::to_string(leaves.size()) +
                              " leaf columns, expected " + std::to_string(cols.size()) + " (or " +
                              std::to_string(schema::kColumnCountV2) + " for schema version 2, " +
                              std::to_string(schema::kColumnCountV1) + " for version 1)");
  }
  for (size_t i = 0; i < leaves.size(); ++i) {
    const std::string_view want =
        cols[i].kind == ColumnKind::kStringList ? "element" : cols[i].name;
    if (leaves[i] != want) {
      return Status::Corruption("not a lake file: column " + std::to_string(i) + " is '" +
                                std::string(leaves[i]) + "', expected '" + std::string(want) + "'");
    }
  }
  return Status::Ok();
}

Result<FileLayout> ParseLayout(const Footer& footer) {
  const ThriftStruct& meta = footer.meta;
  const auto cols = TweetColumns();
  FileLayout layout;
  ASSIGN_OR_RETURN(layout.num_rows, GetInt(meta, pf::fmd::kNumRows, "num_rows"));
  // Each row costs at least a bit in some page; anything beyond is a corrupt count.
  if (layout.num_rows < 0 || static_cast<uint64_t>(layout.num_rows) > footer.data_end * 8) {
    return Status::Corruption("implausible row count " + std::to_string(layout.num_rows));
  }
  ASSIGN_OR_RETURN(const auto* groups, GetList(meta, pf::fmd::kRowGroups, "row_groups"));
  int64_t rows = 0;
  layout.row_groups.resize(groups->size());
  for (size_t g = 0; g < groups->size(); ++g) {
    const std::string where = "row group " + std::to_string(g);
    if (!(*groups)[g].is_struct()) return Status::Corruption(where + " is not a struct");
    const ThriftStruct& rg = *(*groups)[g].fields;
    RowGroupLayout& out = layout.row_groups[g];
    ASSIGN_OR_RETURN(out.num_rows, GetInt(rg, pf::rg::kNumRows, "num_rows"));
    if (out.num_rows < 0 || out.num_rows > layout.num_rows - rows) {
      return Status::Corruption(where + ": row count exceeds the file's");
    }
    rows += out.num_rows;
    ASSIGN_OR_RETURN(const auto* chunks, GetList(rg, pf::rg::kColumns, "columns"));
    if (!KnownColumnCount(chunks->size())) {
      return Status::Corruption(where + ": wrong column count");
    }
    // A file of an earlier schema version has chunks for the first columns only; readers give
    // the others their empty value (null for the model's columns, 0 for model_value).
    out.chunks.resize(chunks->size());
    for (size_t c = 0; c < chunks->size(); ++c) {
      const std::string cwhere = where + " column " + cols[c].name;
      if (!(*chunks)[c].is_struct()) return Status::Corruption(cwhere + ": not a struct");
      auto md = GetStruct(*(*chunks)[c].fields, pf::cc::kMetaData, "meta_data");
      if (!md.ok()) return md.status().WithContext(cwhere);
      const ThriftStruct& m = **md;
      auto codec = GetInt(m, pf::cmd::kCodec, "codec");
      auto data_off = GetInt(m, pf::cmd::kDataPageOffset, "data_page_offset");
      auto size = GetInt(m, pf::cmd::kTotalCompressed, "total_compressed_size");
      if (!codec.ok() || !data_off.ok() || !size.ok()) {
        return Status::Corruption(cwhere + ": incomplete column metadata");
      }
      if (!IsCodec(*codec)) {
        return Status::Corruption(cwhere + ": unsupported codec " + std::to_string(*codec));
      }
      int64_t start = *data_off;
      if (const auto* dict = Find(m, pf::cmd::kDictionaryPageOffset); dict != nullptr) {
        start = dict->i;
      }
      if (start < 4 || *size < 0 || static_cast<uint64_t>(start) > footer.data_end ||
          static_cast<uint64_t>(*size) > footer.data_end - static_cast<uint64_t>(start)) {
        return Status::Corruption(cwhere + ": column chunk outside the data region");
      }
      out.chunks[c] = ChunkRange{static_cast<Codec>(*codec), static_cast<uint64_t>(start),
                                 static_cast<uint64_t>(*size)};
    }
  }
  if (rows != layout.num_rows)
    return Status::Corruption("row groups hold fewer rows than the file");
  return layout;
}

ColumnType BatchType(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kString:
    case ColumnKind::kOptionalString:
      return ColumnType::kString;
    case ColumnKind::kStringList:
      return ColumnType::kStringList;
    case ColumnKind::kInt64:
      return ColumnType::kInt64;
    case ColumnKind::kInt32:
      return ColumnType::kInt32;
    case ColumnKind::kDouble:
      return ColumnType::kDouble;
    case ColumnKind::kBool:
      return ColumnType::kBool;
    case ColumnKind::kTimestampMicros:
      return ColumnType::kTimestampMicros;
    case ColumnKind::kTimestampMillis:
      return ColumnType::kTimestampMillis;
  }
  return ColumnType::kInt64;
}

// ---- ChunkReader ----

bool ChunkReader::IsString() const {
  return column_->kind == ColumnKind::kString || column_->kind == ColumnKind::kOptionalString ||
         column_->kind == ColumnKind::kStringList;
}

bool ChunkReader::IsFixedWidth() const { return !IsString() && column_->kind != ColumnKind::kBool; }

Status ChunkReader::GatherFixed(size_t n, uint64_t* dst) {
  const uint64_t* dict = dict_fixed_.data();
  const size_t dict_size = dict_fixed_.size();
  constexpr size_t kChunk = 256;
  uint32_t idx[kChunk];
  while (n > 0) {
    bool repeated = false;
    uint32_t value = 0;
    size_t count = 0;
    RETURN_IF_ERROR(index_decoder_.Next(n, idx, kChunk, &repeated, &value, &count));
    if (repeated) {
      if (value >= dict_size) return Status::Corruption("dictionary index out of range");
      std::fill_n(dst, count, dict[value]);
    } else {
      uint32_t max_index = 0;
      for (size_t i = 0; i < count; ++i) max_index = std::max(max_index, idx[i]);
      if (max_index >= dict_size) return Status::Corruption("dictionary index out of range");
      for (size_t i = 0; i < count; ++i) dst[i] = dict[idx[i]];
    }
    dst += count;
    n -= count;
  }
  return Status::Ok();
}

void ChunkReader::Reset(const ColumnSpec& column, Codec codec, std::string_view chunk,
                        size_t num_rows) {
  column_ = &column;
  codec_ = codec;
  chunk_ = chunk;
  chunk_pos_ = 0;
  num_rows_ = num_rows;
  rows_started_ = 0;
  levels_ = 0;
  level_pos_ = 0;
  values_ = {};
  value_pos_ = 0;
  have_dictionary_ = false;
  dict_strings_.clear();
  dict_fixed_.clear();
}

Status ChunkReader::NextPage() {
  while (true) {
    if (chunk_pos_ >= chunk_.size()) {
      return Status::Corruption("column has " + std::to_string(rows_started_) +
                                " rows, row group has " + std::to_string(num_rows_));
    }
    ASSIGN_OR_RETURN(ThriftStruct header, DecodeStruct(chunk_, &chunk_pos_));
    ASSIGN_OR_RETURN(int64_t type, GetInt(header, pf::ph::kType, "page type"));
    ASSIGN_OR_RETURN(int64_t usize, GetInt(header, pf::ph::kUncompressedSize, "page size"));
    ASSIGN_OR_RETURN(int64_t csize, GetInt(header, pf::ph::kCompressedSize, "page size"));
    if (csize < 0 || usize < 0 || static_cast<size_t>(csize) > chunk_.size() - chunk_pos_) {
      return Status::Corruption("page length past end of column chunk");
    }
    const std::string_view body = chunk_.substr(chunk_pos_, static_cast<size_t>(csize));
    chunk_pos_ += static_cast<size_t>(csize);
    if (const auto* crc = Find(header, pf::ph::kCrc); crc != nullptr) {
      if (static_cast<uint32_t>(crc->i) != Crc32(body)) {
        return Status::Corruption("page checksum mismatch");
      }
    }
    // Our pages are about page_bytes; a corrupt size must not drive a huge allocation.
    constexpr int64_t kMaxPageBytes = int64_t{1} << 28;
    if (usize > kMaxPageBytes) return Status::Corruption("implausible uncompressed page size");
    std::string_view page = body;
    if (codec_ == Codec::kUncompressed) {
      if (body.size() != static_cast<size_t>(usize)) {
        return Status::Corruption("page size mismatch");
      }
    } else {
      char* out = page_buffer_.Resize(static_cast<size_t>(usize));
      RETURN_IF_ERROR(Decompress(codec_, body, out, static_cast<size_t>(usize)));
      page = page_buffer_.view();
    }
    if (type == static_cast<int64_t>(pf::PageType::kDictionaryPage)) {
      ASSIGN_OR_RETURN(const auto* dh, GetStruct(header, pf::ph::kDictionaryPageHeader, "dict"));
      ASSIGN_OR_RETURN(int64_t n, GetInt(*dh, pf::dph::kNumValues, "dictionary size"));
      RETURN_IF_ERROR(LoadDictionary(page, n));
      continue;
    }
    if (type != static_cast<int64_t>(pf::PageType::kDataPage)) {
      return Status::Corruption("unsupported page type " + std::to_string(type));
    }
    ASSIGN_OR_RETURN(const auto* dh, GetStruct(header, pf::ph::kDataPageHeader, "data"));
    ASSIGN_OR_RETURN(int64_t n, GetInt(*dh, pf::dph::kNumValues, "page values"));
    ASSIGN_OR_RETURN(int64_t enc, GetInt(*dh, pf::dph::kEncoding, "page encoding"));
    RETURN_IF_ERROR(LoadDataPage(page, n, enc));
    if (levels_ > 0) return Status::Ok();
  }
}

Status ChunkReader::LoadDictionary(std::string_view page, int64_t n) {
  if (n < 0 || static_cast<uint64_t>(n) > page.size()) {
    return Status::Corruption("bad dictionary size");
  }
  // The dictionary outlives the page buffer, which the next page reuses.
  if (page.data() == page_buffer_.view().data()) {
    std::swap(dictionary_buffer_, page_buffer_);
  } else {
    std::memcpy(dictionary_buffer_.Resize(page.size()), page.data(), page.size());
  }
  const std::string_view d = dictionary_buffer_.view();
  size_t pos = 0;
  dict_strings_.clear();
  dict_fixed_.clear();
  const size_t width = column_->kind == ColumnKind::kInt32 ? 4 : 8;
  for (int64_t i = 0; i < n; ++i) {
    if (IsString()) {
      std::string_view v;
      RETURN_IF_ERROR(PlainString(d, &pos, &v));
      dict_strings_.push_back(v);
    } else {
      if (d.size() - pos < width) return Status::Corruption("truncated value");
      if (width == 4) {
        int32_t x;
        std::memcpy(&x, d.data() + pos, 4);
        dict_fixed_.push_back(static_cast<uint64_t>(static_cast<int64_t>(x)));
      } else {
        uint64_t x;
        std::memcpy(&x, d.data() + pos, 8);
        dict_fixed_.push_back(x);
      }
      pos += width;
    }
  }
  have_dictionary_ = true;
  return Status::Ok();
}

Status ChunkReader::LoadDataPage(std::string_view page, int64_t num_values, int64_t encoding) {
  const bool list = column_->kind == ColumnKind::kStringList;
  const bool has_def = list || column_->kind == ColumnKind::kOptionalString;
  // A flat column has one value per row; a list column's entries are bounded loosely.
  // Runs make a tiny page able to claim any count, so bound it before decoding.
  constexpr int64_t kMaxListEntries = int64_t{1} << 26;
  const auto rows_left = static_cast<int64_t>(num_rows_ - rows_started_);
  if (num_values < 0 || num_values > (list ? kMaxListEntries : rows_left)) {
    return Status::Corruption("implausible value count " + std::to_string(num_values));
  }
  const auto n = static_cast<size_t>(num_values);
  size_t pos = 0;
  if (list) RETURN_IF_ERROR(Levels(page, &pos, n, &rep_));
  if (has_def) RETURN_IF_ERROR(Levels(page, &pos, n, &def_));
  size_t present = n;
  if (has_def) {
    present = 0;
    for (uint32_t d : def_) present += d;
  }
  size_t rows = n;
  if (list) {
    // Our writer starts every page at a row boundary; rows never span pages.
    if (n > 0 && rep_[0] != 0) return Status::Corruption("page starts inside a list");
    rows = static_cast<size_t>(std::count(rep_.begin(), rep_.end(), 0u));
    if (rows > num_rows_ - rows_started_) {
      return Status::Corruption("more rows than the row group");
    }
  }
  const std::string_view rest = page.substr(pos);
  value_pos_ = 0;
  if (encoding == static_cast<int64_t>(pf::Encoding::kRleDictionary) ||
      encoding == static_cast<int64_t>(pf::Encoding::kPlainDictionary)) {
    if (!have_dictionary_) return Status::Corruption("dictionary-encoded page without dictionary");
    indices_.clear();
    if (rest.empty()) {
      if (present != 0) return Status::Corruption("missing dictionary indices");
    } else if (IsFixedWidth()) {
      // Decoded run by run as rows are read (GatherFixed), straight into the output.
      RETURN_IF_ERROR(index_decoder_.Reset(rest.substr(1), static_cast<uint8_t>(rest[0])));
    } else {
      const int bw = static_cast<uint8_t>(rest[0]);
      RETURN_IF_ERROR(DecodeRleHybrid(rest.substr(1), bw, present, &indices_));
      const size_t dict_size = IsString() ? dict_strings_.size() : dict_fixed_.size();
      uint32_t max_index = 0;
      for (uint32_t i : indices_) max_index = std::max(max_index, i);
      if (!indices_.empty() && max_index >= dict_size) {
        return Status::Corruption("dictionary index out of range");
      }
    }
    dictionary_encoded_ = true;
  } else if (encoding == static_cast<int64_t>(pf::Encoding::kPlain)) {
    const size_t need = column_->kind == ColumnKind::kBool    ? (present + 7) / 8
                        : column_->kind == ColumnKind::kInt32 ? present * 4
                        : IsString()                          ? present * 4
                                                              : present * 8;
    if (rest.size() < need) return Status::Corruption("truncated values");
    values_ = rest;
    dictionary_encoded_ = false;
  } else {
    return Status::Corruption("unsupported encoding " + std::to_string(encoding));
  }
  rows_started_ += rows;
  levels_ = n;
  level_pos_ = 0;
  return Status::Ok();
}

Status ChunkReader::Read(size_t n, ColumnVector* out) {
  const ColumnKind kind = column_->kind;
  while (n > 0) {
    if (level_pos_ == levels_) RETURN_IF_ERROR(NextPage());
    const size_t from = level_pos_;
    size_t to = from;
    size_t rows = 0;
    if (kind == ColumnKind::kStringList) {
      while (to < levels_ && rows < n) {
        ++to;
        ++rows;
        while (to < levels_ && rep_[to] != 0) ++to;
      }
    } else {
      rows = std::min(n, levels_ - from);
      to = from + rows;
    }
    const size_t values = kind == ColumnKind::kString ? rows : 0;  // others count below
    switch (kind) {
      case ColumnKind::kInt64:
      case ColumnKind::kTimestampMicros:
      case ColumnKind::kTimestampMillis:
      case ColumnKind::kInt32:
      case ColumnKind::kDouble: {
        const bool dbl = kind == ColumnKind::kDouble;
        const size_t at = dbl ? out->doubles.size() : out->ints.size();
        if (dbl) {
          out->doubles.resize(at + rows);
        } else {
          out->ints.resize(at + rows);
        }
        auto* dst = dbl ? reinterpret_cast<uint64_t*>(out->doubles.data() + at)
                        : reinterpret_cast<uint64_t*>(out->ints.data() + at);
        if (dictionary_encoded_) {
          RETURN_IF_ERROR(GatherFixed(rows, dst));
        } else if (kind == ColumnKind::kInt32) {
          const char* src = values_.data() + value_pos_ * 4;
          for (size_t i = 0; i < rows; ++i) {
            int32_t x;
            std::memcpy(&x, src + 4 * i, 4);
            dst[i] = static_cast<uint64_t>(static_cast<int64_t>(x));
          }
        } else {
          std::memcpy(dst, values_.data() + value_pos_ * 8, rows * 8);
        }
        value_pos_ += rows;
        break;
      }
      case ColumnKind::kBool: {
        const size_t at = out->bools.size();
        out->bools.resize(at + rows);
        for (size_t i = 0; i < rows; ++i) {
          const size_t v = value_pos_ + i;
          out->bools[at + i] =
              dictionary_encoded_
                  ? static_cast<uint8_t>(dict_fixed_[indices_[v]] != 0)
                  : static_cast<uint8_t>((static_cast<uint8_t>(values_[v / 8]) >> (v % 8)) & 1);
        }
        value_pos_ += rows;
        break;
      }
      case ColumnKind::kString:
      case ColumnKind::kOptionalString:
      case ColumnKind::kStringList: {
        const bool nullable = kind == ColumnKind::kOptionalString;
        const bool is_list = kind == ColumnKind::kStringList;
        if (!nullable && !is_list && !dictionary_encoded_) {
          // Required PLAIN strings: values_ holds them back to back; copy the run at once.
          size_t p = value_pos_;
          const size_t start = p;
          const size_t base = out->bytes.size();
          const size_t first_offset = out->offsets.size();
          out->offsets.resize(first_offset + values);
          int64_t copied = 0;
          for (size_t i = 0; i < values; ++i) {
            if (values_.size() - p < 4) return Status::Corruption("truncated string length");
            const uint32_t len = LoadU32(values_.data() + p);
            p += 4;
            if (len > values_.size() - p) return Status::Corruption("string past end of page");
            p += len;
            copied += len;
            out->offsets[first_offset + i] = static_cast<int64_t>(base) + copied;
          }
          // Strip the length prefixes while copying: copy each value (they are contiguous
          // apart from their 4-byte prefixes).
          out->bytes.resize(base + static_cast<size_t>(copied));
          char* dst = out->bytes.data() + base;
          size_t q = start;
          for (size_t i = 0; i < values; ++i) {
            const uint32_t len = LoadU32(values_.data() + q);
            std::memcpy(dst, values_.data() + q + 4, len);
            dst += len;
            q += 4 + len;
          }
          value_pos_ = p;
          break;
        }
        auto next_value = [&](std::string_view* v) -> Status {
          if (dictionary_encoded_) {
            *v = dict_strings_[indices_[value_pos_++]];
            return Status::Ok();
          }
          return PlainString(values_, &value_pos_, v);
        };
        for (size_t i = from; i < to; ++i) {
          if (is_list && rep_[i] == 0 && i != from) {
            out->list_offsets.push_back(static_cast<int64_t>(out->offsets.size() - 1));
          }
          if ((nullable || is_list) && def_[i] == 0) {
            if (nullable) {
              out->valid.push_back(0);
              out->offsets.push_back(static_cast<int64_t>(out->bytes.size()));
            }
            continue;
          }
          std::string_view v;
          RETURN_IF_ERROR(next_value(&v));
          if (nullable) out->valid.push_back(1);
          AppendString(v, out);
        }
        if (is_list) out->list_offsets.push_back(static_cast<int64_t>(out->offsets.size() - 1));
        break;
      }
    }
    level_pos_ = to;
    n -= rows;
  }
  return Status::Ok();
}

Status ChunkReader::Finish() {
  if (level_pos_ != levels_ || rows_started_ != num_rows_) {
    return Status::Corruption("column has " + std::to_string(rows_started_) +
                              " rows, row group has " + std::to_string(num_rows_));
  }
  if (chunk_pos_ != chunk_.size()) {
    return Status::Corruption("column chunk holds pages past its last row");
  }
  return Status::Ok();
}

}  // namespace covidflow::lake::internal
