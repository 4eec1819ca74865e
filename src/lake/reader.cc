#include "lake/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "lake/internal/encoding.h"
#include "lake/internal/parquet_format.h"
#include "lake/internal/thrift_compact.h"
#include "lake/internal/tweet_columns.h"
#include "lake/layout.h"

namespace covidflow::lake {
namespace {

using internal::ColumnKind;
using internal::ColumnSpec;
using internal::GetInt;
using internal::GetList;
using internal::GetStruct;
using internal::ThriftStruct;
namespace pf = internal::pf;

uint32_t LoadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The header magic and the file's tail (footer, length, magic) in one buffer that
// ParseFooter accepts; page offsets in it are meaningless, which FileInfo never uses.
Result<std::string> ReadFooterRegion(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::FromErrno(errno, "open " + path);
  }
  auto read_at = [fd](char* buf, size_t n, off_t at) {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd, buf + done, n - done, at + static_cast<off_t>(done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      done += static_cast<size_t>(r);
    }
    return true;
  };
  struct stat st;
  std::string out;
  Status status;
  if (::fstat(fd, &st) != 0) {
    status = Status::FromErrno(errno, "stat " + path);
  } else if (st.st_size < 12) {
    status = Status::Corruption(path + ": file too short (" + std::to_string(st.st_size) +
                                " bytes)");
  } else {
    const auto size = static_cast<size_t>(st.st_size);
    char tail[8];
    out.resize(4);
    if (!read_at(out.data(), 4, 0) || !read_at(tail, 8, static_cast<off_t>(size - 8))) {
      status = Status::FromErrno(errno, "read " + path);
    } else {
      const uint32_t len = LoadU32(tail);
      if (len > size - 12) {
        status = Status::Corruption(path + ": footer length past start of file");
      } else {
        out.resize(4 + len + 8);
        if (!read_at(out.data() + 4, len + 8, static_cast<off_t>(size - 8 - len))) {
          status = Status::FromErrno(errno, "read " + path);
        }
      }
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  return out;
}

struct Footer {
  ThriftStruct meta;
  size_t footer_start = 0;
};

Result<Footer> ParseFooter(std::string_view data) {
  if (data.size() < 12) {
    return Status::Corruption("file too short (" + std::to_string(data.size()) + " bytes)");
  }
  if (data.substr(0, 4) != pf::kMagic) return Status::Corruption("missing PAR1 header");
  if (data.substr(data.size() - 4) != pf::kMagic) {
    return Status::Corruption("missing PAR1 trailer (truncated?)");
  }
  const uint32_t len = LoadU32(data.data() + data.size() - 8);
  if (len > data.size() - 12) return Status::Corruption("footer length past start of file");
  Footer f;
  f.footer_start = data.size() - 8 - len;
  std::string_view footer = data.substr(f.footer_start, len);
  size_t pos = 0;
  ASSIGN_OR_RETURN(f.meta, internal::DecodeStruct(footer, &pos));
  return f;
}

// Leaf names in schema order, checked against our table.
Status CheckSchema(const ThriftStruct& meta) {
  ASSIGN_OR_RETURN(const auto* schema, GetList(meta, pf::fmd::kSchema, "schema"));
  std::vector<std::string_view> leaves;
  for (size_t i = 1; i < schema->size(); ++i) {
    const auto& e = (*schema)[i];
    if (!e.is_struct()) return Status::Corruption("schema element is not a struct");
    if (internal::Find(*e.fields, pf::se::kNumChildren) != nullptr) continue;  // a group
    const auto* name = internal::Find(*e.fields, pf::se::kName);
    if (name == nullptr) return Status::Corruption("schema element without a name");
    leaves.push_back(name->bin);
  }
  const auto cols = internal::TweetColumns();
  if (leaves.size() != cols.size()) {
    return Status::Corruption("not a lake file: " + std::to_string(leaves.size()) +
                              " leaf columns, expected " + std::to_string(cols.size()));
  }
  for (size_t i = 0; i < cols.size(); ++i) {
    const std::string_view want = cols[i].kind == ColumnKind::kStringList ? "element" : cols[i].name;
    if (leaves[i] != want) {
      return Status::Corruption("not a lake file: column " + std::to_string(i) + " is '" +
                                std::string(leaves[i]) + "', expected '" + std::string(want) + "'");
    }
  }
  return Status::Ok();
}

// Decodes one column chunk into rows[base ...].
class ChunkDecoder {
 public:
  ChunkDecoder(const ColumnSpec& col, std::string_view file, internal::Codec codec,
               std::vector<schema::EnrichedTweet>* rows, size_t base, size_t num_rows)
      : col_(col), file_(file), codec_(codec), rows_(rows), base_(base), num_rows_(num_rows) {}

  Status Decode(size_t start, size_t length) {
    size_t pos = start;
    const size_t end = start + length;
    while (pos < end) {
      std::string_view region = file_.substr(0, end);
      ASSIGN_OR_RETURN(ThriftStruct header, internal::DecodeStruct(region, &pos));
      ASSIGN_OR_RETURN(int64_t type, GetInt(header, pf::ph::kType, "page type"));
      ASSIGN_OR_RETURN(int64_t usize, GetInt(header, pf::ph::kUncompressedSize, "page size"));
      ASSIGN_OR_RETURN(int64_t csize, GetInt(header, pf::ph::kCompressedSize, "page size"));
      if (csize < 0 || usize < 0 || static_cast<size_t>(csize) > end - pos) {
        return Status::Corruption("page length past end of column chunk");
      }
      std::string_view body = file_.substr(pos, static_cast<size_t>(csize));
      pos += static_cast<size_t>(csize);
      if (const auto* crc = internal::Find(header, pf::ph::kCrc); crc != nullptr) {
        if (static_cast<uint32_t>(crc->i) != internal::Crc32(body)) {
          return Status::Corruption("page checksum mismatch");
        }
      }
      // Our pages are about page_bytes; a corrupt size must not drive a huge allocation.
      constexpr int64_t kMaxPageBytes = int64_t{1} << 28;
      if (usize > kMaxPageBytes) return Status::Corruption("implausible uncompressed page size");
      std::string page;
      RETURN_IF_ERROR(internal::Decompress(codec_, body, static_cast<size_t>(usize), &page));
      if (type == static_cast<int64_t>(pf::PageType::kDictionaryPage)) {
        ASSIGN_OR_RETURN(const auto* dh, GetStruct(header, pf::ph::kDictionaryPageHeader, "dict"));
        ASSIGN_OR_RETURN(int64_t n, GetInt(*dh, pf::dph::kNumValues, "dictionary size"));
        RETURN_IF_ERROR(DecodeDictionary(std::move(page), n));
      } else if (type == static_cast<int64_t>(pf::PageType::kDataPage)) {
        ASSIGN_OR_RETURN(const auto* dh, GetStruct(header, pf::ph::kDataPageHeader, "data"));
        ASSIGN_OR_RETURN(int64_t n, GetInt(*dh, pf::dph::kNumValues, "page values"));
        ASSIGN_OR_RETURN(int64_t enc, GetInt(*dh, pf::dph::kEncoding, "page encoding"));
        RETURN_IF_ERROR(DecodeDataPage(page, n, enc));
      } else {
        return Status::Corruption("unsupported page type " + std::to_string(type));
      }
    }
    if (row_ != num_rows_) {
      return Status::Corruption("column has " + std::to_string(row_) + " rows, row group has " +
                                std::to_string(num_rows_));
    }
    return Status::Ok();
  }

 private:
  bool IsString() const {
    return col_.kind == ColumnKind::kString || col_.kind == ColumnKind::kOptionalString ||
           col_.kind == ColumnKind::kStringList;
  }
  size_t Width() const { return col_.kind == ColumnKind::kInt32 ? 4 : 8; }

  Status DecodeDictionary(std::string page, int64_t n) {
    if (n < 0 || static_cast<uint64_t>(n) > page.size()) {
      return Status::Corruption("bad dictionary size");
    }
    dict_buffer_ = std::move(page);
    std::string_view d = dict_buffer_;
    size_t pos = 0;
    dict_strs_.clear();
    dict_fixed_.clear();
    for (int64_t i = 0; i < n; ++i) {
      if (IsString()) {
        std::string_view v{};
        RETURN_IF_ERROR(PlainString(d, &pos, &v));
        dict_strs_.push_back(v);
      } else {
        uint64_t v = 0;
        RETURN_IF_ERROR(PlainFixed(d, &pos, &v));
        dict_fixed_.push_back(v);
      }
    }
    have_dict_ = true;
    return Status::Ok();
  }

  static Status PlainString(std::string_view d, size_t* pos, std::string_view* v) {
    if (d.size() - *pos < 4) return Status::Corruption("truncated string length");
    const uint32_t len = LoadU32(d.data() + *pos);
    *pos += 4;
    if (len > d.size() - *pos) return Status::Corruption("string past end of page");
    *v = d.substr(*pos, len);
    *pos += len;
    return Status::Ok();
  }

  Status PlainFixed(std::string_view d, size_t* pos, uint64_t* v) const {
    const size_t w = Width();
    if (d.size() - *pos < w) return Status::Corruption("truncated value");
    if (w == 4) {
      int32_t x;
      std::memcpy(&x, d.data() + *pos, 4);
      *v = static_cast<uint64_t>(static_cast<int64_t>(x));
    } else {
      std::memcpy(v, d.data() + *pos, 8);
    }
    *pos += w;
    return Status::Ok();
  }

  static Status Levels(std::string_view page, size_t* pos, size_t n, std::vector<uint32_t>* out) {
    if (page.size() - *pos < 4) return Status::Corruption("truncated levels");
    const uint32_t len = LoadU32(page.data() + *pos);
    *pos += 4;
    if (len > page.size() - *pos) return Status::Corruption("levels past end of page");
    out->clear();
    RETURN_IF_ERROR(internal::DecodeRleHybrid(page.substr(*pos, len), 1, n, out));
    *pos += len;
    for (uint32_t l : *out) {
      if (l > 1) return Status::Corruption("level out of range");
    }
    return Status::Ok();
  }

  Status DecodeDataPage(std::string_view page, int64_t num_values, int64_t encoding) {
    const bool list = col_.kind == ColumnKind::kStringList;
    // A flat column has one value per row; a list column's entries are bounded loosely.
    // Runs make a tiny page able to claim any count, so bound it before decoding.
    constexpr int64_t kMaxListEntries = int64_t{1} << 26;
    const int64_t limit = list ? kMaxListEntries : static_cast<int64_t>(num_rows_ - row_);
    if (num_values < 0 || num_values > limit) {
      return Status::Corruption("implausible value count " + std::to_string(num_values));
    }
    const auto n = static_cast<size_t>(num_values);
    size_t pos = 0;
    const bool has_def = list || col_.kind == ColumnKind::kOptionalString;
    if (list) RETURN_IF_ERROR(Levels(page, &pos, n, &rep_));
    if (has_def) RETURN_IF_ERROR(Levels(page, &pos, n, &def_));
    size_t present = n;
    if (has_def) {
      present = 0;
      for (uint32_t d : def_) present += d;
    }
    // Values, as string views or fixed bits.
    strs_.clear();
    fixed_.clear();
    std::string_view rest = page.substr(pos);
    if (encoding == static_cast<int64_t>(pf::Encoding::kRleDictionary) ||
        encoding == static_cast<int64_t>(pf::Encoding::kPlainDictionary)) {
      if (!have_dict_) return Status::Corruption("dictionary-encoded page without dictionary");
      if (rest.empty()) {
        if (present != 0) return Status::Corruption("missing dictionary indices");
      } else {
        const int bw = static_cast<uint8_t>(rest[0]);
        idx_.clear();
        RETURN_IF_ERROR(internal::DecodeRleHybrid(rest.substr(1), bw, present, &idx_));
        const size_t dict_size = IsString() ? dict_strs_.size() : dict_fixed_.size();
        for (uint32_t i : idx_) {
          if (i >= dict_size) return Status::Corruption("dictionary index out of range");
          if (IsString()) {
            strs_.push_back(dict_strs_[i]);
          } else {
            fixed_.push_back(dict_fixed_[i]);
          }
        }
      }
    } else if (encoding == static_cast<int64_t>(pf::Encoding::kPlain)) {
      size_t p = 0;
      if (col_.kind == ColumnKind::kBool) {
        if (rest.size() < (present + 7) / 8) return Status::Corruption("truncated booleans");
        for (size_t i = 0; i < present; ++i) {
          fixed_.push_back((static_cast<uint8_t>(rest[i / 8]) >> (i % 8)) & 1);
        }
      } else {
        for (size_t i = 0; i < present; ++i) {
          if (IsString()) {
            std::string_view v{};
            RETURN_IF_ERROR(PlainString(rest, &p, &v));
            strs_.push_back(v);
          } else {
            uint64_t v = 0;
            RETURN_IF_ERROR(PlainFixed(rest, &p, &v));
            fixed_.push_back(v);
          }
        }
      }
    } else {
      return Status::Corruption("unsupported encoding " + std::to_string(encoding));
    }
    return Materialize(n, list, has_def);
  }

  Status Materialize(size_t n, bool list, bool has_def) {
    size_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      if (list) {
        if (rep_[i] == 0) {
          if (row_ >= num_rows_) return Status::Corruption("more rows than the row group");
          current_ = &(*rows_)[base_ + row_++];
        } else if (current_ == nullptr) {
          return Status::Corruption("list continues before its first element");
        }
        if (def_[i] == 1) col_.mut_list(*current_)->emplace_back(strs_[v++]);
        continue;
      }
      if (row_ >= num_rows_) return Status::Corruption("more rows than the row group");
      auto& r = (*rows_)[base_ + row_++];
      if (has_def && def_[i] == 0) {
        col_.set_str(r, {});
        continue;
      }
      switch (col_.kind) {
        case ColumnKind::kString:
        case ColumnKind::kOptionalString:
          col_.set_str(r, strs_[v++]);
          break;
        case ColumnKind::kInt64:
        case ColumnKind::kInt32:
        case ColumnKind::kTimestampMicros:
        case ColumnKind::kTimestampMillis:
          col_.set_int(r, static_cast<int64_t>(fixed_[v++]));
          break;
        case ColumnKind::kDouble: {
          double d;
          std::memcpy(&d, &fixed_[v++], 8);
          col_.set_double(r, d);
          break;
        }
        case ColumnKind::kBool:
          col_.set_bool(r, fixed_[v++] != 0);
          break;
        case ColumnKind::kStringList:
          break;
      }
    }
    return Status::Ok();
  }

  const ColumnSpec& col_;
  std::string_view file_;
  internal::Codec codec_;
  std::vector<schema::EnrichedTweet>* rows_;
  size_t base_;
  size_t num_rows_;
  size_t row_ = 0;
  schema::EnrichedTweet* current_ = nullptr;
  bool have_dict_ = false;
  std::string dict_buffer_;
  std::vector<std::string_view> dict_strs_;
  std::vector<uint64_t> dict_fixed_;
  std::vector<uint32_t> rep_, def_, idx_;
  std::vector<std::string_view> strs_;
  std::vector<uint64_t> fixed_;
};

Result<std::vector<schema::EnrichedTweet>> ReadRows(std::string_view data,
                                                    const ReadOptions& options) {
  ASSIGN_OR_RETURN(Footer f, ParseFooter(data));
  RETURN_IF_ERROR(CheckSchema(f.meta));
  const auto cols = internal::TweetColumns();
  std::vector<bool> wanted(cols.size(), options.columns.empty());
  for (const auto& name : options.columns) {
    const int i = internal::FindColumn(name);
    if (i < 0) return Status::InvalidArgument("no column named '" + name + "' in the lake schema");
    wanted[static_cast<size_t>(i)] = true;
  }
  ASSIGN_OR_RETURN(int64_t total, GetInt(f.meta, pf::fmd::kNumRows, "num_rows"));
  // Each row costs at least a bit in some page; anything beyond is a corrupt count.
  if (total < 0 || static_cast<uint64_t>(total) > data.size() * 8) {
    return Status::Corruption("implausible row count " + std::to_string(total));
  }
  ASSIGN_OR_RETURN(const auto* groups, GetList(f.meta, pf::fmd::kRowGroups, "row_groups"));
  std::vector<schema::EnrichedTweet> rows(static_cast<size_t>(total));
  size_t base = 0;
  for (size_t g = 0; g < groups->size(); ++g) {
    const std::string where = "row group " + std::to_string(g);
    if (!(*groups)[g].is_struct()) return Status::Corruption(where + " is not a struct");
    const ThriftStruct& rg = *(*groups)[g].fields;
    ASSIGN_OR_RETURN(int64_t n, GetInt(rg, pf::rg::kNumRows, "num_rows"));
    if (n < 0 || static_cast<uint64_t>(n) > rows.size() - base) {
      return Status::Corruption(where + ": row count exceeds the file's");
    }
    ASSIGN_OR_RETURN(const auto* chunks, GetList(rg, pf::rg::kColumns, "columns"));
    if (chunks->size() != cols.size()) return Status::Corruption(where + ": wrong column count");
    for (size_t c = 0; c < cols.size(); ++c) {
      if (!wanted[c]) continue;
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
      int64_t start = *data_off;
      if (const auto* dict = internal::Find(m, pf::cmd::kDictionaryPageOffset); dict != nullptr) {
        start = dict->i;
      }
      if (start < 4 || *size < 0 || static_cast<uint64_t>(start) > f.footer_start ||
          static_cast<uint64_t>(*size) > f.footer_start - static_cast<uint64_t>(start)) {
        return Status::Corruption(cwhere + ": column chunk outside the data region");
      }
      ChunkDecoder dec(cols[c], data.substr(0, f.footer_start),
                       static_cast<internal::Codec>(*codec), &rows, base, static_cast<size_t>(n));
      Status st = dec.Decode(static_cast<size_t>(start), static_cast<size_t>(*size));
      if (!st.ok()) return st.WithContext(cwhere);
    }
    base += static_cast<size_t>(n);
  }
  if (base != rows.size()) return Status::Corruption("row groups hold fewer rows than the file");
  return rows;
}

Result<FileInfo> InfoFromData(const std::string& path, std::string_view data) {
  ASSIGN_OR_RETURN(Footer f, ParseFooter(data));
  RETURN_IF_ERROR(CheckSchema(f.meta));
  FileInfo info;
  info.path = path;
  ASSIGN_OR_RETURN(info.num_rows, GetInt(f.meta, pf::fmd::kNumRows, "num_rows"));
  ASSIGN_OR_RETURN(const auto* groups, GetList(f.meta, pf::fmd::kRowGroups, "row_groups"));
  info.num_row_groups = static_cast<int>(groups->size());
  if (const auto* kv = internal::Find(f.meta, pf::fmd::kKeyValue); kv != nullptr) {
    for (const auto& e : kv->list) {
      if (!e.is_struct()) return Status::Corruption("key-value entry is not a struct");
      const auto* k = internal::Find(*e.fields, 1);
      const auto* v = internal::Find(*e.fields, 2);
      if (k == nullptr) return Status::Corruption("key-value entry without a key");
      info.metadata[std::string(k->bin)] = v == nullptr ? "" : std::string(v->bin);
    }
  }
  if (auto it = info.metadata.find(std::string(kSourceOffsetsKey)); it != info.metadata.end()) {
    ASSIGN_OR_RETURN(info.source_ranges, DecodeSourceRanges(it->second));
  }
  if (auto it = info.metadata.find(std::string(kReplacesKey)); it != info.metadata.end()) {
    auto j = nlohmann::json::parse(it->second, nullptr, false);
    if (!j.is_array()) return Status::Corruption("replaces metadata is not a JSON array");
    for (const auto& e : j) {
      if (!e.is_string()) return Status::Corruption("replaces metadata: not a file name");
      info.replaces.push_back(e.get<std::string>());
    }
  }
  return info;
}

}  // namespace

std::vector<std::string> LakeColumnNames() {
  std::vector<std::string> names;
  for (const auto& c : internal::TweetColumns()) names.emplace_back(c.name);
  return names;
}

Result<FileInfo> ReadFileInfo(const std::string& path) {
  ASSIGN_OR_RETURN(std::string data, ReadFooterRegion(path));
  auto info = InfoFromData(path, data);
  if (!info.ok()) return info.status().WithContext(path);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) info->file_bytes = static_cast<uint64_t>(st.st_size);
  return info;
}

Result<std::vector<schema::EnrichedTweet>> ReadFile(const std::string& path,
                                                    const ReadOptions& options) {
  ASSIGN_OR_RETURN(std::string data, ReadWholeFile(path));
  auto rows = ReadRows(data, options);
  if (!rows.ok()) return rows.status().WithContext(path);
  return rows;
}

Result<std::vector<schema::EnrichedTweet>> ReadFileBytes(std::string_view bytes,
                                                         const ReadOptions& options) {
  return ReadRows(bytes, options);
}

Result<std::vector<schema::EnrichedTweet>> ReadLake(const std::string& lake_dir,
                                                    const LakeReadOptions& options) {
  // A compaction may remove an input between our listing and our open; list again then.
  constexpr int kAttempts = 3;
  Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    ASSIGN_OR_RETURN(auto files, ListLakeFiles(lake_dir, options.from_date, options.to_date));
    std::vector<schema::EnrichedTweet> all;
    last = Status::Ok();
    for (const auto& f : files) {
      auto rows = ReadFile(f.path, ReadOptions{options.columns});
      if (!rows.ok()) {
        last = rows.status();
        break;
      }
      if (all.empty()) {
        all = std::move(rows).value();
      } else {
        all.insert(all.end(), std::make_move_iterator(rows->begin()),
                   std::make_move_iterator(rows->end()));
      }
    }
    if (last.ok()) return all;
    if (last.code() != StatusCode::kNotFound) return last;
  }
  return last;
}

}  // namespace covidflow::lake
