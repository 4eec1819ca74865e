#pragma once
// A model family's hyperparameters as the spec gives them: key → text. The family reads each
// key it knows through a typed getter that checks the range and names the key in its error;
// CheckAllRead then rejects any key the family did not read (a typo must not be ignored).
//
//   ASSIGN_OR_RETURN(double c, params.Double("C", 1.0, 1e-6, 1e6));
//   RETURN_IF_ERROR(params.CheckAllRead());
//
// Threads: one thread at a time (the getters record which keys were read).
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"

namespace covidflow::model {

class Hyperparameters {
 public:
  using Values = std::map<std::string, std::string, std::less<>>;

  Hyperparameters() = default;
  explicit Hyperparameters(Values values) : values_(std::move(values)) {}

  // The value of `key` or `fallback` when absent; kInvalidArgument "hyperparameter 'C': ..."
  // when it is not a number in [min, max].
  Result<double> Double(std::string_view key, double fallback, double min, double max);
  Result<int64_t> Int(std::string_view key, int64_t fallback, int64_t min, int64_t max);
  Result<bool> Bool(std::string_view key, bool fallback);
  // One of `allowed`.
  Result<std::string> Choice(std::string_view key, std::string_view fallback,
                             std::initializer_list<std::string_view> allowed);
  // Free text (the family parses it), not empty.
  Result<std::string> Text(std::string_view key, std::string_view fallback);
  // kInvalidArgument naming every key no getter read, and the keys that were read.
  Status CheckAllRead() const;

  const Values& values() const { return values_; }

 private:
  const std::string* Get(std::string_view key);

  Values values_;
  std::set<std::string, std::less<>> read_;
};

}  // namespace covidflow::model
