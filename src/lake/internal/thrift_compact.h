#pragma once
// The Thrift compact protocol, only as much of it as Parquet's footer and page headers use.
// Private to the lake module.
//
// The writer appends to a byte string; the caller drives it field by field with explicit
// field ids (they are the on-disk contract, see apache/parquet-format parquet.thrift).
// The reader decodes any compact-protocol struct into a generic tree (ThriftStruct), with
// bounds checks on every read and a nesting limit, so a corrupt footer yields kCorruption
// and never a crash.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow::lake::internal {

// Compact-protocol type codes.
enum class TType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class ThriftWriter {
 public:
  explicit ThriftWriter(std::string* out) : out_(out) {}

  void BeginStruct() { last_ids_.push_back(0); }
  void EndStruct() {
    out_->push_back(0);  // stop field
    last_ids_.pop_back();
  }
  void FieldI16(int16_t id, int16_t v) {
    FieldHeader(id, TType::kI16);
    VarInt(ZigZag(v));
  }
  void FieldI32(int16_t id, int32_t v) {
    FieldHeader(id, TType::kI32);
    VarInt(ZigZag(v));
  }
  void FieldI64(int16_t id, int64_t v) {
    FieldHeader(id, TType::kI64);
    VarInt(ZigZag(v));
  }
  void FieldBool(int16_t id, bool v) { FieldHeader(id, v ? TType::kBoolTrue : TType::kBoolFalse); }
  void FieldBinary(int16_t id, std::string_view v) {
    FieldHeader(id, TType::kBinary);
    Binary(v);
  }
  // A nested struct field: call BeginStruct()/EndStruct() around its fields afterwards.
  void FieldStruct(int16_t id) { FieldHeader(id, TType::kStruct); }
  // A list field header; then write `size` elements with the element writers below.
  void FieldList(int16_t id, TType elem, size_t size);

  // List elements.
  void ElemI32(int32_t v) { VarInt(ZigZag(v)); }
  void ElemI64(int64_t v) { VarInt(ZigZag(v)); }
  void ElemBinary(std::string_view v) { Binary(v); }

 private:
  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }
  void VarInt(uint64_t v);
  void Binary(std::string_view v);
  void FieldHeader(int16_t id, TType type);

  std::string* out_;
  std::vector<int16_t> last_ids_;
};

// A decoded value. Integers of every width land in `i`; binary and string in `bin`.
struct ThriftValue;
using ThriftStruct = std::map<int16_t, ThriftValue>;

struct ThriftValue {
  TType type = TType::kStop;
  int64_t i = 0;
  double d = 0;
  std::string_view bin;                  // points into the decoded buffer
  std::vector<ThriftValue> list;         // list and set elements
  std::shared_ptr<ThriftStruct> fields;  // struct

  bool is_struct() const { return type == TType::kStruct && fields != nullptr; }
};

// Decodes one struct starting at data[*pos]; advances *pos past it. The returned tree
// refers into `data`, which must outlive it.
Result<ThriftStruct> DecodeStruct(std::string_view data, size_t* pos);

// Accessors that turn a missing or mistyped field into kCorruption with the field's name.
Result<int64_t> GetInt(const ThriftStruct& s, int16_t id, std::string_view name);
Result<const ThriftStruct*> GetStruct(const ThriftStruct& s, int16_t id, std::string_view name);
Result<const std::vector<ThriftValue>*> GetList(const ThriftStruct& s, int16_t id,
                                                std::string_view name);
const ThriftValue* Find(const ThriftStruct& s, int16_t id);

}  // namespace covidflow::lake::internal
