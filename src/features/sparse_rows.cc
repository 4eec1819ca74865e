#include "features/sparse_rows.h"

#include <string>

namespace covidflow::features {

void SparseRows::AddRow(std::span<const int32_t> row_indices, std::span<const float> row_values) {
  indices.insert(indices.end(), row_indices.begin(), row_indices.end());
  values.insert(values.end(), row_values.begin(), row_values.end());
  offsets.push_back(indices.size());
}

Status SparseRows::Validate() const {
  if (offsets.empty() || offsets.front() != 0 || offsets.back() != indices.size() ||
      indices.size() != values.size()) {
    return Status::InvalidArgument("sparse rows: offsets, indices and values disagree");
  }
  for (size_t r = 0; r < rows(); ++r) {
    if (offsets[r] > offsets[r + 1]) {
      return Status::InvalidArgument("sparse rows: offsets decrease at row " + std::to_string(r));
    }
    int64_t previous = -1;
    for (int32_t index : RowIndices(r)) {
      if (index <= previous || index >= cols) {
        return Status::InvalidArgument("sparse rows: row " + std::to_string(r) + " has column " +
                                       std::to_string(index) + " out of order or not below " +
                                       std::to_string(cols));
      }
      previous = index;
    }
  }
  return Status::Ok();
}

}  // namespace covidflow::features
