#include "lake/internal/thrift_compact.h"

#include <cstring>

namespace covidflow::lake::internal {

void ThriftWriter::VarInt(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void ThriftWriter::Binary(std::string_view v) {
  VarInt(v.size());
  out_->append(v);
}

void ThriftWriter::FieldHeader(int16_t id, TType type) {
  int16_t& last = last_ids_.back();
  const int delta = id - last;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    VarInt(ZigZag(id));
  }
  last = id;
}

void ThriftWriter::FieldList(int16_t id, TType elem, size_t size) {
  FieldHeader(id, TType::kList);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<uint8_t>(elem)));
  } else {
    out_->push_back(static_cast<char>(0xf0 | static_cast<uint8_t>(elem)));
    VarInt(size);
  }
}

namespace {

// Nesting deeper than Parquet ever needs means the bytes are not a footer.
constexpr int kMaxDepth = 32;

class Decoder {
 public:
  Decoder(std::string_view data, size_t pos) : data_(data), pos_(pos) {}
  size_t pos() const { return pos_; }

  Status Struct(ThriftStruct* out, int depth) {
    if (depth > kMaxDepth) return Status::Corruption("thrift: nesting too deep");
    int16_t last = 0;
    while (true) {
      uint8_t b;
      RETURN_IF_ERROR(Byte(&b));
      if (b == 0) return Status::Ok();
      const auto type = static_cast<TType>(b & 0x0f);
      const int delta = b >> 4;
      int16_t id;
      if (delta != 0) {
        id = static_cast<int16_t>(last + delta);
      } else {
        uint64_t raw;
        RETURN_IF_ERROR(VarInt(&raw));
        id = static_cast<int16_t>(UnZigZag(raw));
      }
      last = id;
      ThriftValue v;
      RETURN_IF_ERROR(Value(type, &v, depth, /*in_field=*/true));
      (*out)[id] = std::move(v);
    }
  }

 private:
  static int64_t UnZigZag(uint64_t v) {
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }

  Status Byte(uint8_t* b) {
    if (pos_ >= data_.size()) return Status::Corruption("thrift: unexpected end of data");
    *b = static_cast<uint8_t>(data_[pos_++]);
    return Status::Ok();
  }

  Status VarInt(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      RETURN_IF_ERROR(Byte(&b));
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return Status::Ok();
    }
    return Status::Corruption("thrift: varint too long");
  }

  Status Value(TType type, ThriftValue* v, int depth, bool in_field) {
    v->type = type;
    switch (type) {
      case TType::kBoolTrue:
      case TType::kBoolFalse:
        if (in_field) {
          v->i = type == TType::kBoolTrue ? 1 : 0;
        } else {
          uint8_t b;
          RETURN_IF_ERROR(Byte(&b));
          v->i = b == 1 ? 1 : 0;
        }
        return Status::Ok();
      case TType::kByte: {
        uint8_t b;
        RETURN_IF_ERROR(Byte(&b));
        v->i = static_cast<int8_t>(b);
        return Status::Ok();
      }
      case TType::kI16:
      case TType::kI32:
      case TType::kI64: {
        uint64_t raw;
        RETURN_IF_ERROR(VarInt(&raw));
        v->i = UnZigZag(raw);
        return Status::Ok();
      }
      case TType::kDouble:
        if (data_.size() - pos_ < 8) return Status::Corruption("thrift: truncated double");
        std::memcpy(&v->d, data_.data() + pos_, 8);
        pos_ += 8;
        return Status::Ok();
      case TType::kBinary: {
        uint64_t len;
        RETURN_IF_ERROR(VarInt(&len));
        if (len > data_.size() - pos_) return Status::Corruption("thrift: binary past end");
        v->bin = data_.substr(pos_, len);
        pos_ += len;
        return Status::Ok();
      }
      case TType::kList:
      case TType::kSet: {
        uint8_t h;
        RETURN_IF_ERROR(Byte(&h));
        uint64_t size = h >> 4;
        if (size == 15) RETURN_IF_ERROR(VarInt(&size));
        // Every element takes at least one byte (except bools in a field, not used here).
        if (size > data_.size() - pos_) return Status::Corruption("thrift: list too long");
        const auto elem = static_cast<TType>(h & 0x0f);
        v->list.resize(size);
        for (auto& e : v->list) RETURN_IF_ERROR(Value(elem, &e, depth + 1, false));
        return Status::Ok();
      }
      case TType::kStruct:
        v->fields = std::make_shared<ThriftStruct>();
        return Struct(v->fields.get(), depth + 1);
      case TType::kMap:
      case TType::kStop:
        break;
    }
    return Status::Corruption("thrift: unsupported type " + std::to_string(static_cast<int>(type)));
  }

  std::string_view data_;
  size_t pos_;
};

}  // namespace

Result<ThriftStruct> DecodeStruct(std::string_view data, size_t* pos) {
  Decoder d(data, *pos);
  ThriftStruct s;
  RETURN_IF_ERROR(d.Struct(&s, 0));
  *pos = d.pos();
  return s;
}

const ThriftValue* Find(const ThriftStruct& s, int16_t id) {
  auto it = s.find(id);
  return it == s.end() ? nullptr : &it->second;
}

Result<int64_t> GetInt(const ThriftStruct& s, int16_t id, std::string_view name) {
  const ThriftValue* v = Find(s, id);
  if (v == nullptr || v->type < TType::kBoolTrue || v->type > TType::kI64) {
    return Status::Corruption("missing integer field " + std::string(name));
  }
  return v->i;
}

Result<const ThriftStruct*> GetStruct(const ThriftStruct& s, int16_t id, std::string_view name) {
  const ThriftValue* v = Find(s, id);
  if (v == nullptr || !v->is_struct()) {
    return Status::Corruption("missing struct field " + std::string(name));
  }
  return v->fields.get();
}

Result<const std::vector<ThriftValue>*> GetList(const ThriftStruct& s, int16_t id,
                                                std::string_view name) {
  const ThriftValue* v = Find(s, id);
  if (v == nullptr || v->type != TType::kList) {
    return Status::Corruption("missing list field " + std::string(name));
  }
  return &v->list;
}

}  // namespace covidflow::lake::internal
