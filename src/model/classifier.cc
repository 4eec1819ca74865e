#include "model/classifier.h"

namespace covidflow::model {

std::vector<int32_t> ArgMax(std::span<const double> probabilities, int num_classes) {
  std::vector<int32_t> out;
  if (num_classes <= 0) return out;
  out.reserve(probabilities.size() / num_classes);
  for (size_t base = 0; base + num_classes <= probabilities.size(); base += num_classes) {
    int32_t best = 0;
    for (int k = 1; k < num_classes; ++k) {
      if (probabilities[base + k] > probabilities[base + best]) best = k;
    }
    out.push_back(best);
  }
  return out;
}

}  // namespace covidflow::model
