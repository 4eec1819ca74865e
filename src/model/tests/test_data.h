#pragma once
// Small synthetic training sets for the model tests.
#include <cstdint>
#include <random>
#include <vector>

#include "model/sparse.h"

namespace covidflow::model::testdata {

struct Labeled {
  SparseRows x;
  std::vector<int32_t> y;
};

// `n` rows of `classes` classes: class c lights feature c strongly and a few noise features
// (of 20), so a linear model separates them almost perfectly.
inline Labeled Separable(int n, int classes, uint32_t seed = 7) {
  Labeled d;
  d.x.cols = 20;
  std::mt19937 rng(seed);
  for (int r = 0; r < n; ++r) {
    const int c = r % classes;
    std::vector<int32_t> idx;
    std::vector<float> val;
    for (int j = 0; j < d.x.cols; ++j) {
      if (j == c) {
        idx.push_back(j);
        val.push_back(2.0f);
      } else if (j >= classes && rng() % 4 == 0) {
        idx.push_back(j);
        val.push_back(static_cast<float>(rng() % 100) / 100.0f);
      }
    }
    d.x.AddRow(idx, val);
    d.y.push_back(c);
  }
  return d;
}

}  // namespace covidflow::model::testdata
