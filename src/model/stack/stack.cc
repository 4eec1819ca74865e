#include "model/stack/stack.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "base/fs.h"
#include "model/linear/linear.h"

namespace covidflow::model::stack {
namespace {

using nlohmann::json;

constexpr char kStackFile[] = "stack.json";
constexpr char kMetaFile[] = "stack_meta.model";
constexpr int kStackFormat = 1;
// The smallest probability a base gives the second level: ln(1e-6) bounds its columns.
constexpr double kFloor = 1e-6;

// Column ranges [begin, end) of the input matrix, ascending and disjoint.
struct Range {
  int32_t begin = 0;
  int32_t end = 0;
};
using Ranges = std::vector<Range>;

std::string BaseFile(size_t b) { return "stack_base_" + std::to_string(b) + ".model"; }

int32_t Width(const Ranges& ranges) {
  int32_t w = 0;
  for (const Range& r : ranges) w += r.end - r.begin;
  return w;
}

// `x` restricted to `ranges`, the kept columns renumbered from 0 in range order.
SparseRows Project(const SparseRows& x, const Ranges& ranges) {
  SparseRows out;
  out.cols = Width(ranges);
  out.offsets.reserve(x.rows() + 1);
  for (size_t r = 0; r < x.rows(); ++r) {
    auto idx = x.RowIndices(r);
    auto val = x.RowValues(r);
    size_t p = 0;
    int32_t base = 0;
    for (size_t k = 0; k < idx.size() && p < ranges.size(); ++k) {
      while (p < ranges.size() && idx[k] >= ranges[p].end) {
        base += ranges[p].end - ranges[p].begin;
        ++p;
      }
      if (p == ranges.size()) break;
      if (idx[k] < ranges[p].begin) continue;
      out.indices.push_back(base + idx[k] - ranges[p].begin);
      out.values.push_back(val[k]);
    }
    out.offsets.push_back(out.indices.size());
  }
  return out;
}

// The rows `rows` of `x`, in that order.
SparseRows SelectRows(const SparseRows& x, std::span<const size_t> rows) {
  SparseRows out;
  out.cols = x.cols;
  out.offsets.reserve(rows.size() + 1);
  for (size_t r : rows) out.AddRow(x.RowIndices(r), x.RowValues(r));
  return out;
}

// The second level's rows: each base's ln(max(p, kFloor)) (`probs`: rows × columns, row-major),
// then the meta columns of `x`.
SparseRows MetaRows(std::span<const double> probs, int columns, const SparseRows& x,
                    const Ranges& meta) {
  const SparseRows extra = Project(x, meta);
  SparseRows out;
  out.cols = columns + extra.cols;
  std::vector<int32_t> idx;
  std::vector<float> val;
  for (size_t r = 0; r < x.rows(); ++r) {
    idx.clear();
    val.clear();
    for (int c = 0; c < columns; ++c) {
      idx.push_back(c);
      val.push_back(static_cast<float>(std::log(std::max(probs[r * columns + c], kFloor))));
    }
    auto ei = extra.RowIndices(r);
    auto ev = extra.RowValues(r);
    for (size_t k = 0; k < ei.size(); ++k) {
      idx.push_back(columns + ei[k]);
      val.push_back(ev[k]);
    }
    out.AddRow(idx, val);
  }
  return out;
}

json RangesToJson(const Ranges& ranges) {
  json out = json::array();
  for (const Range& r : ranges) out.push_back({r.begin, r.end});
  return out;
}

class StackClassifier final : public Classifier {
 public:
  StackClassifier(int num_classes, std::vector<Ranges> base_ranges,
                  std::vector<std::unique_ptr<Classifier>> bases, Ranges meta_ranges,
                  std::unique_ptr<Classifier> meta)
      : num_classes_(num_classes),
        base_ranges_(std::move(base_ranges)),
        bases_(std::move(bases)),
        meta_ranges_(std::move(meta_ranges)),
        meta_(std::move(meta)) {}

  std::string_view Family() const override { return "stack"; }
  int NumClasses() const override { return num_classes_; }
  int FormatVersion() const override { return 2; }

  Result<std::vector<double>> PredictProba(const SparseRows& rows) const override {
    const int k = num_classes_;
    const int columns = static_cast<int>(bases_.size()) * k;
    std::vector<double> probs(rows.rows() * columns);
    for (size_t b = 0; b < bases_.size(); ++b) {
      ASSIGN_OR_RETURN(std::vector<double> p,
                       bases_[b]->PredictProba(Project(rows, base_ranges_[b])));
      for (size_t r = 0; r < rows.rows(); ++r) {
        std::copy_n(&p[r * k], k, &probs[r * columns + b * k]);
      }
    }
    return meta_->PredictProba(MetaRows(probs, columns, rows, meta_ranges_));
  }

  Result<std::vector<std::string>> Save(const std::string& dir) const override {
    std::vector<std::string> names;
    json bases = json::array();
    for (size_t b = 0; b < bases_.size(); ++b) {
      RETURN_IF_ERROR(linear::SaveFile(*bases_[b], dir + "/" + BaseFile(b)));
      bases.push_back({{"file", BaseFile(b)}, {"columns", RangesToJson(base_ranges_[b])}});
      names.push_back(BaseFile(b));
    }
    RETURN_IF_ERROR(linear::SaveFile(*meta_, dir + "/" + kMetaFile));
    names.push_back(kMetaFile);
    const json state = {{"stack_format", kStackFormat},
                        {"bases", bases},
                        {"meta", {{"file", kMetaFile}, {"columns", RangesToJson(meta_ranges_)}}},
                        {"probability_floor", kFloor}};
    const std::string path = dir + "/" + kStackFile;
    RETURN_IF_ERROR(ReplaceFileAtomically(path, state.dump(2) + "\n", path + ".tmp"));
    names.push_back(kStackFile);
    return names;
  }

 private:
  int num_classes_;
  std::vector<Ranges> base_ranges_;
  std::vector<std::unique_ptr<Classifier>> bases_;
  Ranges meta_ranges_;
  std::unique_ptr<Classifier> meta_;
};

// "a,b;c" → {{"a", "b"}, {"c"}}; empty parts are kept so the caller can refuse them.
std::vector<std::vector<std::string>> SplitList(const std::string& text) {
  std::vector<std::vector<std::string>> out(1);
  std::string name;
  for (char ch : text + ";") {
    if (ch == ',' || ch == ';') {
      out.back().push_back(name);
      name.clear();
      if (ch == ';') out.emplace_back();
    } else if (ch != ' ') {
      name += ch;
    }
  }
  out.pop_back();
  return out;
}

class StackTrainer final : public Trainer {
 public:
  StackTrainer(std::vector<std::vector<std::string>> bases, std::vector<std::string> meta,
               int folds, std::unique_ptr<Trainer> base, std::unique_ptr<Trainer> second)
      : bases_(std::move(bases)),
        meta_(std::move(meta)),
        folds_(folds),
        base_(std::move(base)),
        second_(std::move(second)) {}

  Result<std::unique_ptr<Classifier>> Fit(const TrainingData& data) const override {
    const size_t n = data.x.rows();
    if (data.num_classes < 2) {
      return Status::InvalidArgument("stack: a classifier only (task regression is refused)");
    }
    if (n == 0 || data.labels.size() != n) {
      return Status::InvalidArgument("stack: " + std::to_string(n) + " rows and " +
                                     std::to_string(data.labels.size()) + " labels");
    }
    const int k = data.num_classes;
    std::vector<Ranges> base_ranges;
    for (const std::vector<std::string>& names : bases_) {
      ASSIGN_OR_RETURN(Ranges r, Resolve("bases", names, data.blocks));
      base_ranges.push_back(std::move(r));
    }
    ASSIGN_OR_RETURN(Ranges meta_ranges, Resolve("meta", meta_, data.blocks));

    // Each class's rows dealt round-robin to the folds, in row order.
    std::vector<int> fold(n);
    std::vector<int> dealt(k, 0);
    for (size_t r = 0; r < n; ++r) {
      const int32_t y = data.labels[r];
      if (y < 0 || y >= k) {
        return Status::InvalidArgument("stack: label " + std::to_string(y) + " out of range");
      }
      fold[r] = dealt[y]++ % folds_;
    }
    const int columns = static_cast<int>(base_ranges.size()) * k;
    std::vector<double> oof(n * columns);
    std::vector<std::unique_ptr<Classifier>> bases;
    for (size_t b = 0; b < base_ranges.size(); ++b) {
      const SparseRows xb = Project(data.x, base_ranges[b]);
      for (int f = 0; f < folds_; ++f) {
        std::vector<size_t> fit_rows;
        std::vector<size_t> held_rows;
        std::vector<int32_t> fit_labels;
        for (size_t r = 0; r < n; ++r) {
          if (fold[r] == f) {
            held_rows.push_back(r);
          } else {
            fit_rows.push_back(r);
            fit_labels.push_back(data.labels[r]);
          }
        }
        std::unique_ptr<Classifier> clf;
        {
          const SparseRows fit_x = SelectRows(xb, fit_rows);
          ASSIGN_OR_RETURN(clf, base_->Fit({fit_x, fit_labels, k, data.seed}));
        }
        ASSIGN_OR_RETURN(std::vector<double> p, clf->PredictProba(SelectRows(xb, held_rows)));
        for (size_t i = 0; i < held_rows.size(); ++i) {
          std::copy_n(&p[i * k], k, &oof[held_rows[i] * columns + b * k]);
        }
      }
      ASSIGN_OR_RETURN(std::unique_ptr<Classifier> full,
                       base_->Fit({xb, data.labels, k, data.seed}));
      bases.push_back(std::move(full));
    }
    const SparseRows meta_x = MetaRows(oof, columns, data.x, meta_ranges);
    ASSIGN_OR_RETURN(std::unique_ptr<Classifier> meta,
                     second_->Fit({meta_x, data.labels, k, data.seed}));
    return std::unique_ptr<Classifier>(new StackClassifier(
        k, std::move(base_ranges), std::move(bases), std::move(meta_ranges), std::move(meta)));
  }

 private:
  // The column ranges of the named features, ascending.
  static Result<Ranges> Resolve(std::string_view key, const std::vector<std::string>& names,
                                std::span<const FeatureBlock> blocks) {
    Ranges out;
    for (const std::string& name : names) {
      auto it = std::find_if(blocks.begin(), blocks.end(),
                             [&](const FeatureBlock& b) { return b.name == name; });
      if (it == blocks.end()) {
        std::string known;
        for (const FeatureBlock& b : blocks) known += (known.empty() ? "" : ", ") + b.name;
        return Status::InvalidArgument(
            "hyperparameter '" + std::string(key) + "': no feature '" + name +
            "'; the features are: " + (known.empty() ? "(none given)" : known));
      }
      if (it->end > it->begin) out.push_back({it->begin, it->end});
    }
    std::sort(out.begin(), out.end(),
              [](const Range& a, const Range& b) { return a.begin < b.begin; });
    for (size_t i = 1; i < out.size(); ++i) {
      if (out[i].begin < out[i - 1].end) {
        return Status::InvalidArgument("hyperparameter '" + std::string(key) +
                                       "': a feature is named twice in one model");
      }
    }
    return out;
  }

  std::vector<std::vector<std::string>> bases_;
  std::vector<std::string> meta_;
  int folds_;
  std::unique_ptr<Trainer> base_;
  std::unique_ptr<Trainer> second_;
};

Status Corrupt(const std::string& path, std::string_view why) {
  return Status::Corruption(path + ": " + std::string(why));
}

Result<Ranges> RangesFromJson(const json& j, const std::string& path) {
  if (!j.is_array()) return Corrupt(path, "columns is not an array");
  Ranges out;
  for (const json& r : j) {
    if (!r.is_array() || r.size() != 2 || !r[0].is_number_integer() || !r[1].is_number_integer()) {
      return Corrupt(path, "a column range is not [begin, end]");
    }
    const Range range{r[0].get<int32_t>(), r[1].get<int32_t>()};
    if (range.begin < 0 || range.end <= range.begin ||
        (!out.empty() && range.begin < out.back().end)) {
      return Corrupt(path, "column ranges must be non-empty, ascending and disjoint");
    }
    out.push_back(range);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Trainer>> MakeTrainer(Hyperparameters& params) {
  ASSIGN_OR_RETURN(std::string bases_text, params.Text("bases", ""));
  if (bases_text.empty()) {
    return Status::InvalidArgument(
        "hyperparameter 'bases': required: base models separated by ';', each a ','-separated "
        "list of feature names");
  }
  std::vector<std::vector<std::string>> bases = SplitList(bases_text);
  for (const auto& names : bases) {
    for (const std::string& name : names) {
      if (name.empty()) {
        return Status::InvalidArgument("hyperparameter 'bases': an empty feature name in '" +
                                       bases_text + "'");
      }
    }
  }
  std::vector<std::string> meta;
  Result<std::string> meta_text = params.Text("meta", "-");
  if (!meta_text.ok()) return meta_text.status();
  if (*meta_text != "-") {
    for (const auto& names : SplitList(*meta_text)) {
      for (const std::string& name : names) {
        if (name.empty()) {
          return Status::InvalidArgument("hyperparameter 'meta': an empty feature name in '" +
                                         *meta_text + "'");
        }
        meta.push_back(name);
      }
    }
  }
  ASSIGN_OR_RETURN(int64_t folds, params.Int("folds", 5, 2, 20));
  // The linear family checks C, class_weight and tolerance; meta_C is the second level's C.
  ASSIGN_OR_RETURN(double meta_c, params.Double("meta_C", 1.0, 1e-6, 1e6));
  Hyperparameters::Values base_values;
  for (const char* key : {"C", "class_weight", "tolerance"}) {
    if (auto it = params.values().find(key); it != params.values().end()) {
      base_values[key] = it->second;
    }
  }
  Hyperparameters::Values meta_values = base_values;
  meta_values["C"] =
      params.values().contains("meta_C") ? params.values().at("meta_C") : std::to_string(meta_c);
  ASSIGN_OR_RETURN(double c, params.Double("C", 1.0, 1e-6, 1e6));
  (void)c;
  Result<std::string> weight = params.Choice("class_weight", "none", {"none", "balanced"});
  if (!weight.ok()) return weight.status();
  ASSIGN_OR_RETURN(double tolerance, params.Double("tolerance", 0.01, 1e-8, 1.0));
  (void)tolerance;
  RETURN_IF_ERROR(params.CheckAllRead());
  Hyperparameters base_params(base_values);
  Hyperparameters meta_params(meta_values);
  ASSIGN_OR_RETURN(std::unique_ptr<Trainer> base, linear::MakeTrainer(base_params));
  ASSIGN_OR_RETURN(std::unique_ptr<Trainer> second, linear::MakeTrainer(meta_params));
  return std::unique_ptr<Trainer>(new StackTrainer(std::move(bases), std::move(meta),
                                                   static_cast<int>(folds), std::move(base),
                                                   std::move(second)));
}

Result<std::unique_ptr<Classifier>> Load(const std::string& dir, int num_classes) {
  const std::string path = dir + "/" + kStackFile;
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  const json state = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object()) return Corrupt(path, "not valid JSON");
  if (!state.contains("stack_format") || !state["stack_format"].is_number_integer() ||
      state["stack_format"].get<int>() != kStackFormat) {
    return Corrupt(path, "stack_format is not " + std::to_string(kStackFormat));
  }
  if (!state.contains("bases") || !state["bases"].is_array() || state["bases"].empty() ||
      !state.contains("meta") || !state["meta"].is_object() || !state["meta"].contains("columns")) {
    return Corrupt(path, "bases or meta missing");
  }
  std::vector<Ranges> base_ranges;
  std::vector<std::unique_ptr<Classifier>> bases;
  for (size_t b = 0; b < state["bases"].size(); ++b) {
    const json& base = state["bases"][b];
    if (!base.is_object() || !base.contains("file") || base["file"] != BaseFile(b) ||
        !base.contains("columns")) {
      return Corrupt(path,
                     "base " + std::to_string(b) + " is not {file: " + BaseFile(b) + ", columns}");
    }
    ASSIGN_OR_RETURN(Ranges r, RangesFromJson(base["columns"], path));
    base_ranges.push_back(std::move(r));
    ASSIGN_OR_RETURN(std::unique_ptr<Classifier> clf,
                     linear::LoadFile(dir + "/" + BaseFile(b), num_classes));
    bases.push_back(std::move(clf));
  }
  if (state["meta"].value("file", "") != kMetaFile) {
    return Corrupt(path, std::string("meta.file is not ") + kMetaFile);
  }
  ASSIGN_OR_RETURN(Ranges meta_ranges, RangesFromJson(state["meta"]["columns"], path));
  ASSIGN_OR_RETURN(std::unique_ptr<Classifier> meta,
                   linear::LoadFile(dir + "/" + kMetaFile, num_classes));
  return std::unique_ptr<Classifier>(new StackClassifier(num_classes, std::move(base_ranges),
                                                         std::move(bases), std::move(meta_ranges),
                                                         std::move(meta)));
}

}  // namespace covidflow::model::stack
