#pragma once
// The feature matrix the pipeline writes and every model family reads: compressed sparse rows of
// float values. Row r holds the pairs (indices[k], values[k]) for k in [offsets[r], offsets[r +
// 1]); indices within a row are strictly increasing and below `cols`. A dense matrix is the special
// case where every row lists every column.
//
// Threads: a plain value; readers may share a const one.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"

namespace covidflow::features {

struct SparseRows {
  int32_t cols = 0;
  std::vector<uint64_t> offsets{0};  // rows() + 1 entries
  std::vector<int32_t> indices;
  std::vector<float> values;

  size_t rows() const { return offsets.size() - 1; }
  std::span<const int32_t> RowIndices(size_t r) const {
    return {indices.data() + offsets[r], indices.data() + offsets[r + 1]};
  }
  std::span<const float> RowValues(size_t r) const {
    return {values.data() + offsets[r], values.data() + offsets[r + 1]};
  }
  // Appends one row; `indices` must be strictly increasing and below `cols`.
  void AddRow(std::span<const int32_t> row_indices, std::span<const float> row_values);
  // kInvalidArgument naming the first row that breaks the invariants above.
  Status Validate() const;
};

}  // namespace covidflow::features
