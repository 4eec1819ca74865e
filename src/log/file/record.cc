#include "log/file/record.h"

#include <cstring>

#include "base/crc32c.h"

namespace covidflow::log::file {
namespace {

// Little-endian fixed-width fields; the targets we build for are little-endian, so a memcpy
// is the encoding (docs/formats/log.md fixes the byte order).
template <typename T>
void Put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

template <typename T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void PutBytes(std::string* out, std::string_view s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

// Reads a u32-length-prefixed byte string from body[*pos..]; false when it overruns.
bool TakeBytes(std::string_view body, size_t* pos, std::string_view* out) {
  if (body.size() - *pos < 4) return false;
  uint32_t n = Get<uint32_t>(body.data() + *pos);
  *pos += 4;
  if (body.size() - *pos < n) return false;
  *out = body.substr(*pos, n);
  *pos += n;
  return true;
}

uint32_t RecordCrc(const char* record, uint32_t length) {
  uint32_t crc = Crc32cExtend(0, record, 4);
  return Crc32cExtend(crc, record + kFrameBytes, length);
}

}  // namespace

size_t EncodedSize(std::string_view key, std::string_view value, std::span<const Header> headers) {
  size_t n = kFrameBytes + kMinBodyBytes + key.size() + value.size();
  for (const Header& h : headers) n += 8 + h.key.size() + h.value.size();
  return n;
}

void AppendRecord(std::string* out, int64_t timestamp_ms, std::string_view key,
                  std::string_view value, std::span<const Header> headers) {
  size_t size = EncodedSize(key, value, headers);
  Put<uint32_t>(out, static_cast<uint32_t>(size - kFrameBytes));
  Put<uint32_t>(out, 0);  // crc, set by SealRecord
  Put<int64_t>(out, 0);   // offset, set by SealRecord
  Put<int64_t>(out, timestamp_ms);
  PutBytes(out, key);
  PutBytes(out, value);
  Put<uint32_t>(out, static_cast<uint32_t>(headers.size()));
  for (const Header& h : headers) {
    PutBytes(out, h.key);
    PutBytes(out, h.value);
  }
}

void SealRecord(char* record, int64_t offset) {
  std::memcpy(record + kFrameBytes, &offset, 8);
  uint32_t length = Get<uint32_t>(record);
  uint32_t crc = RecordCrc(record, length);
  std::memcpy(record + 4, &crc, 4);
}

namespace {

// Checks that the body's inner lengths add up exactly and fills `r`; the reason on failure.
const char* ParseBody(std::string_view body, RecordView* r) {
  r->offset = Get<int64_t>(body.data());
  r->timestamp_ms = Get<int64_t>(body.data() + 8);
  size_t pos = 16;
  if (!TakeBytes(body, &pos, &r->key) || !TakeBytes(body, &pos, &r->value) ||
      body.size() - pos < 4) {
    return "bad field lengths";
  }
  r->header_count = Get<uint32_t>(body.data() + pos);
  pos += 4;
  const size_t headers_start = pos;
  for (uint32_t i = 0; i < r->header_count; ++i) {
    std::string_view k, v;
    if (!TakeBytes(body, &pos, &k) || !TakeBytes(body, &pos, &v)) return "bad header lengths";
  }
  if (pos != body.size()) return "trailing bytes in record";
  r->headers = body.substr(headers_start);
  return nullptr;
}

}  // namespace

ParseResult ParseRecord(std::string_view bytes, RecordView* out, const char** why) {
  const char* ignored;
  if (why == nullptr) why = &ignored;
  if (bytes.size() < 4) {
    *why = "partial record frame";
    return ParseResult::kIncomplete;
  }
  uint32_t length = Get<uint32_t>(bytes.data());
  if (length < kMinBodyBytes || length > kMaxBodyBytes) {
    *why = "bad length";
    return ParseResult::kBad;
  }
  if (bytes.size() < kFrameBytes + length) {
    *why = "partial record";
    return ParseResult::kIncomplete;
  }
  if (Get<uint32_t>(bytes.data() + 4) != RecordCrc(bytes.data(), length)) {
    *why = "bad checksum";
    return ParseResult::kBad;
  }
  RecordView r;
  if (const char* bad = ParseBody(bytes.substr(kFrameBytes, length), &r)) {
    *why = bad;
    return ParseResult::kBad;
  }
  r.size = kFrameBytes + length;
  *out = r;
  return ParseResult::kOk;
}

void DecodeHeaders(const RecordView& record, std::vector<HeaderView>* out) {
  size_t pos = 0;
  for (uint32_t i = 0; i < record.header_count; ++i) {
    HeaderView h;
    TakeBytes(record.headers, &pos, &h.key);
    TakeBytes(record.headers, &pos, &h.value);
    out->push_back(h);
  }
}

bool ValidRecordAfter(std::string_view bytes, size_t from) {
  for (size_t q = from + 1; q + kFrameBytes + kMinBodyBytes <= bytes.size(); ++q) {
    uint32_t length = Get<uint32_t>(bytes.data() + q);
    // Cheap filters first: most positions fail on the length alone, nearly all the rest on
    // the inner lengths; only candidates that pass both pay for a checksum. This keeps the
    // search linear in practice even on adversarial bytes.
    if (length < kMinBodyBytes || length > kMaxBodyBytes) continue;
    if (bytes.size() - q - kFrameBytes < length) continue;
    RecordView r;
    if (ParseBody(bytes.substr(q + kFrameBytes, length), &r) != nullptr) continue;
    if (Get<uint32_t>(bytes.data() + q + 4) == RecordCrc(bytes.data() + q, length)) return true;
  }
  return false;
}

Result<ScanResult> ScanSegment(std::string_view bytes, int64_t base_offset, std::string_view file,
                               size_t index_interval, const ScanStart& start) {
  ScanResult s;
  s.valid_end = start.position;
  s.next_offset = start.offset;
  s.last_indexed = start.last_indexed;
  size_t pos = start.position;
  while (pos < bytes.size()) {
    RecordView r;
    const char* why = nullptr;
    ParseResult pr = ParseRecord(bytes.substr(pos), &r, &why);
    if (pr != ParseResult::kOk) {
      if (ValidRecordAfter(bytes, pos)) {
        return Status::Corruption(std::string(file) + ": " + why + " at byte " +
                                  std::to_string(pos) + " followed by valid records");
      }
      s.torn_bytes = bytes.size() - pos;
      s.torn_reason = why;
      return s;
    }
    if (r.offset != s.next_offset) {
      return Status::Corruption(std::string(file) + ": record at byte " + std::to_string(pos) +
                                " has offset " + std::to_string(r.offset) + ", expected " +
                                std::to_string(s.next_offset));
    }
    if (pos >= s.last_indexed + index_interval && pos <= UINT32_MAX &&
        r.offset - base_offset <= INT64_C(0xFFFFFFFF)) {
      s.index.push_back(
          {static_cast<uint32_t>(r.offset - base_offset), static_cast<uint32_t>(pos)});
      s.last_indexed = pos;
    }
    pos += r.size;
    s.valid_end = pos;
    ++s.next_offset;
    ++s.records;
  }
  return s;
}

std::string EncodeIndex(std::span<const IndexEntry> entries) {
  std::string out;
  out.reserve(entries.size() * kIndexEntryBytes);
  for (const IndexEntry& e : entries) {
    Put<uint32_t>(&out, e.relative_offset);
    Put<uint32_t>(&out, e.position);
  }
  return out;
}

std::vector<IndexEntry> DecodeIndex(std::string_view bytes, uint64_t segment_size) {
  std::vector<IndexEntry> out;
  for (size_t p = 0; p + kIndexEntryBytes <= bytes.size(); p += kIndexEntryBytes) {
    IndexEntry e{Get<uint32_t>(bytes.data() + p), Get<uint32_t>(bytes.data() + p + 4)};
    if (e.position >= segment_size) break;
    if (!out.empty() &&
        (e.relative_offset <= out.back().relative_offset || e.position <= out.back().position)) {
      break;
    }
    out.push_back(e);
  }
  return out;
}

}  // namespace covidflow::log::file
