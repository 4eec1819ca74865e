#pragma once
// Enum values of apache/parquet-format's parquet.thrift that the lake writes and reads.
// The numbers are the on-disk contract. Private to the lake module.
#include <cstdint>
#include <string_view>

namespace covidflow::lake::internal::pf {

inline constexpr std::string_view kMagic = "PAR1";

enum class Type : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class ConvertedType : int32_t {
  kUtf8 = 0,
  kList = 3,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
};

enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kRleDictionary = 8,
};

enum class PageType : int32_t {
  kDataPage = 0,
  kIndexPage = 1,
  kDictionaryPage = 2,
  kDataPageV2 = 3,
};

// Field ids used by the reader (writer code names them inline next to each write).
namespace fmd {  // FileMetaData
inline constexpr int16_t kVersion = 1, kSchema = 2, kNumRows = 3, kRowGroups = 4, kKeyValue = 5,
                         kCreatedBy = 6;
}
namespace rg {  // RowGroup
inline constexpr int16_t kColumns = 1, kTotalByteSize = 2, kNumRows = 3;
}
namespace cc {  // ColumnChunk
inline constexpr int16_t kMetaData = 3;
}
namespace cmd {  // ColumnMetaData
inline constexpr int16_t kType = 1, kPath = 3, kCodec = 4, kNumValues = 5, kTotalCompressed = 7,
                         kDataPageOffset = 9, kDictionaryPageOffset = 11;
}
namespace ph {  // PageHeader
inline constexpr int16_t kType = 1, kUncompressedSize = 2, kCompressedSize = 3, kCrc = 4,
                         kDataPageHeader = 5, kDictionaryPageHeader = 7;
}
namespace dph {  // DataPageHeader (and DictionaryPageHeader fields 1, 2)
inline constexpr int16_t kNumValues = 1, kEncoding = 2, kDefEncoding = 3, kRepEncoding = 4;
}
namespace se {  // SchemaElement
inline constexpr int16_t kType = 1, kRepetition = 3, kName = 4, kNumChildren = 5;
}

}  // namespace covidflow::lake::internal::pf
