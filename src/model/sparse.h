#pragma once
// The feature matrix a family reads is the one the feature pipeline writes
// (features/sparse_rows.h); model code names it model::SparseRows.
#include "features/sparse_rows.h"

namespace covidflow::model {

using SparseRows = features::SparseRows;

}  // namespace covidflow::model
