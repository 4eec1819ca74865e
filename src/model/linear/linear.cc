#include "model/linear/linear.h"

#include <linear.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace covidflow::model::linear {
namespace {

constexpr char kModelFile[] = "linear.model";

struct ModelDeleter {
  void operator()(::model* m) const { free_and_destroy_model(&m); }
};
using ModelPtr = std::unique_ptr<::model, ModelDeleter>;

void Quiet(const char*) {}

// liblinear's print function and rand() are process-global.
std::mutex& LiblinearMutex() {
  static std::mutex mu;
  return mu;
}

class LinearClassifier final : public Classifier {
 public:
  // Takes the liblinear model and copies its weights into class-index order.
  explicit LinearClassifier(ModelPtr m) : model_(std::move(m)) {
    // A regression model (L2R_L2LOSS_SVR) has one weight column and no labels.
    num_classes_ = model_->param.solver_type == L2R_L2LOSS_SVR ? 1 : model_->nr_class;
    num_features_ = model_->nr_feature;
    num_w_ = num_classes_ <= 2 ? 1 : num_classes_;
    const int rows = num_features_ + (model_->bias >= 0 ? 1 : 0);
    // weights_[j * num_classes_ + class_index]: liblinear orders its columns by its own
    // label order, which is the order classes first appear in the training rows.
    // Kept as float: a predicted row reads a weight row per feature, mostly cache misses, and
    // half the bytes fit twice the rows in cache (the products are summed in double).
    weights_.assign(static_cast<size_t>(rows) * num_w_, 0.0f);
    for (int j = 0; j < rows; ++j) {
      for (int c = 0; c < num_w_; ++c) {
        weights_[j * num_w_ + c] = static_cast<float>(model_->w[j * num_w_ + c]);
      }
    }
    bias_row_ = model_->bias >= 0 ? num_features_ : -1;
    bias_value_ = model_->bias;
  }

  std::string_view Family() const override { return "linear"; }
  int NumClasses() const override { return num_classes_; }

  Result<std::vector<double>> PredictProba(const SparseRows& rows) const override {
    const size_t n = rows.rows();
    std::vector<double> out(n * num_classes_);
    std::vector<double> dec(num_w_);
    for (size_t r = 0; r < n; ++r) {
      std::fill(dec.begin(), dec.end(), 0.0);
      auto idx = rows.RowIndices(r);
      auto val = rows.RowValues(r);
      // Every weight row is a likely cache miss: ask for all of them before the first is used.
      for (size_t k = 0; k < idx.size(); ++k) {
        if (idx[k] < num_features_) {
          __builtin_prefetch(&weights_[static_cast<size_t>(idx[k]) * num_w_]);
        }
      }
      for (size_t k = 0; k < idx.size(); ++k) {
        if (idx[k] >= num_features_) continue;
        const float* w = &weights_[static_cast<size_t>(idx[k]) * num_w_];
        for (int c = 0; c < num_w_; ++c) dec[c] += static_cast<double>(val[k]) * w[c];
      }
      if (bias_row_ >= 0) {
        const float* w = &weights_[static_cast<size_t>(bias_row_) * num_w_];
        for (int c = 0; c < num_w_; ++c) dec[c] += bias_value_ * w[c];
      }
      double* p = &out[r * num_classes_];
      if (num_classes_ == 1) {
        p[0] = dec[0];
      } else if (num_classes_ == 2) {
        const double p_first = 1.0 / (1.0 + std::exp(-dec[0]));
        p[model_->label[0]] = p_first;
        p[model_->label[1]] = 1.0 - p_first;
      } else {
        double sum = 0;
        for (int c = 0; c < num_w_; ++c) {
          const double s = 1.0 / (1.0 + std::exp(-dec[c]));
          p[model_->label[c]] = s;
          sum += s;
        }
        for (int c = 0; c < num_classes_; ++c) p[c] /= sum;
      }
    }
    return out;
  }

  Result<std::vector<std::string>> Save(const std::string& dir) const override {
    RETURN_IF_ERROR(SaveTo(dir + "/" + kModelFile));
    return std::vector<std::string>{kModelFile};
  }

  // Class 1's score of a two-class model, one weight per feature then the intercept's.
  Result<std::vector<double>> ClassOneScore() const {
    if (num_classes_ != 2) {
      return Status::InvalidArgument("linear: a score of class 1 needs a two-class model, not " +
                                     std::to_string(num_classes_));
    }
    // The one column scores label[0]; class 1's score is its negation when label[0] is 0.
    const double sign = model_->label[0] == 1 ? 1.0 : -1.0;
    std::vector<double> out(num_features_ + 1, 0.0);
    for (int j = 0; j < num_features_; ++j) out[j] = sign * model_->w[j];
    if (bias_row_ >= 0) out[num_features_] = sign * bias_value_ * model_->w[bias_row_];
    return out;
  }

  Status SaveTo(const std::string& path) const {
    if (save_model(path.c_str(), model_.get()) != 0) {
      return Status::IoError("liblinear could not write " + path);
    }
    return Status::Ok();
  }

 private:
  ModelPtr model_;
  int num_classes_ = 0;
  int num_features_ = 0;
  int num_w_ = 0;
  int bias_row_ = -1;
  double bias_value_ = -1;
  std::vector<float> weights_;
};

struct Options {
  double c = 1.0;
  bool balanced = false;
  double tolerance = 0.01;
  bool bias = true;
  double epsilon = 0;  // regression: the loss's insensitive zone (0 = squared loss, ridge)
};

class LinearTrainer final : public Trainer {
 public:
  explicit LinearTrainer(Options options) : options_(options) {}

  Result<std::unique_ptr<Classifier>> Fit(const TrainingData& data) const override {
    const size_t n = data.x.rows();
    const bool regression = data.num_classes == 1;
    if (regression) {
      if (n == 0 || data.targets.size() != n) {
        return Status::InvalidArgument("linear: " + std::to_string(n) + " rows and " +
                                       std::to_string(data.targets.size()) + " targets");
      }
      if (options_.balanced) {
        return Status::InvalidArgument("linear: class_weight has no meaning for a regression");
      }
      RETURN_IF_ERROR(data.x.Validate());
      std::vector<double> y(data.targets.begin(), data.targets.end());
      return Solve(data, y, L2R_L2LOSS_SVR, {}, {});
    }
    if (n == 0 || data.labels.size() != n) {
      return Status::InvalidArgument("linear: " + std::to_string(n) + " rows and " +
                                     std::to_string(data.labels.size()) + " labels");
    }
    RETURN_IF_ERROR(data.x.Validate());
    std::vector<int> counts(data.num_classes, 0);
    for (int32_t y : data.labels) {
      if (y < 0 || y >= data.num_classes) {
        return Status::InvalidArgument("linear: label " + std::to_string(y) + " out of range");
      }
      ++counts[y];
    }
    for (int c = 0; c < data.num_classes; ++c) {
      if (counts[c] == 0) {
        return Status::InvalidArgument("linear: class " + std::to_string(c) +
                                       " has no training rows");
      }
    }
    std::vector<double> y(data.labels.begin(), data.labels.end());
    std::vector<int> weight_labels;
    std::vector<double> weights;
    if (options_.balanced) {
      for (int c = 0; c < data.num_classes; ++c) {
        weight_labels.push_back(c);
        weights.push_back(static_cast<double>(n) / (data.num_classes * counts[c]));
      }
    }
    return Solve(data, y, L2R_LR, weight_labels, weights);
  }

 private:
  // liblinear's `solver` on the rows of `data` with targets `y` (class indices or values).
  Result<std::unique_ptr<Classifier>> Solve(const TrainingData& data, std::vector<double>& y,
                                            int solver, std::vector<int> weight_labels,
                                            std::vector<double> weights) const {
    const size_t n = data.x.rows();
    // liblinear's rows: 1-based feature nodes, then the bias node, then a -1 terminator.
    std::vector<::feature_node> nodes;
    nodes.reserve(data.x.indices.size() + n * 2);
    std::vector<size_t> starts(n);
    for (size_t r = 0; r < n; ++r) {
      starts[r] = nodes.size();
      auto idx = data.x.RowIndices(r);
      auto val = data.x.RowValues(r);
      for (size_t k = 0; k < idx.size(); ++k) nodes.push_back({idx[k] + 1, val[k]});
      if (options_.bias) nodes.push_back({data.x.cols + 1, 1.0});
      nodes.push_back({-1, 0.0});
    }
    std::vector<::feature_node*> rows(n);
    for (size_t r = 0; r < n; ++r) rows[r] = &nodes[starts[r]];
    ::problem prob{};
    prob.l = static_cast<int>(n);
    prob.n = data.x.cols + (options_.bias ? 1 : 0);
    prob.y = y.data();
    prob.x = rows.data();
    prob.bias = options_.bias ? 1.0 : -1.0;

    ::parameter param{};
    param.solver_type = solver;
    param.eps = options_.tolerance;
    param.C = options_.c;
    param.nr_weight = static_cast<int>(weights.size());
    param.weight_label = weight_labels.empty() ? nullptr : weight_labels.data();
    param.weight = weights.empty() ? nullptr : weights.data();
    param.p = options_.epsilon;
    param.init_sol = nullptr;
    if (const char* why = check_parameter(&prob, &param); why != nullptr) {
      return Status::InvalidArgument(std::string("liblinear: ") + why);
    }
    ::model* trained = nullptr;
    {
      std::lock_guard lock(LiblinearMutex());
      set_print_string_function(&Quiet);
      std::srand(static_cast<unsigned>(data.seed));
      trained = train(&prob, &param);
    }
    if (trained == nullptr) return Status::Internal("liblinear: train returned no model");
    // liblinear points the saved parameter at our weight arrays; they die with this frame.
    trained->param.weight_label = nullptr;
    trained->param.weight = nullptr;
    trained->param.nr_weight = 0;
    return std::unique_ptr<Classifier>(new LinearClassifier(ModelPtr(trained)));
  }

  Options options_;
};

}  // namespace

Result<std::unique_ptr<Trainer>> MakeTrainer(Hyperparameters& params) {
  Options o;
  ASSIGN_OR_RETURN(o.c, params.Double("C", 1.0, 1e-6, 1e6));
  Result<std::string> weight = params.Choice("class_weight", "none", {"none", "balanced"});
  if (!weight.ok()) return weight.status();
  o.balanced = *weight == "balanced";
  ASSIGN_OR_RETURN(o.tolerance, params.Double("tolerance", 0.01, 1e-8, 1.0));
  ASSIGN_OR_RETURN(o.bias, params.Bool("bias", true));
  ASSIGN_OR_RETURN(o.epsilon, params.Double("epsilon", 0.0, 0.0, 1e6));
  RETURN_IF_ERROR(params.CheckAllRead());
  return std::unique_ptr<Trainer>(new LinearTrainer(o));
}

Result<std::unique_ptr<Classifier>> Load(const std::string& dir, int num_classes) {
  return LoadFile(dir + "/" + kModelFile, num_classes);
}

Status SaveFile(const Classifier& classifier, const std::string& path) {
  const auto* linear = dynamic_cast<const LinearClassifier*>(&classifier);
  if (linear == nullptr) {
    return Status::InvalidArgument("linear::SaveFile: a " + std::string(classifier.Family()) +
                                   " classifier");
  }
  return linear->SaveTo(path);
}

Result<std::vector<double>> ClassOneScore(const Classifier& classifier) {
  const auto* linear = dynamic_cast<const LinearClassifier*>(&classifier);
  if (linear == nullptr) {
    return Status::InvalidArgument("linear::ClassOneScore: a " + std::string(classifier.Family()) +
                                   " classifier");
  }
  return linear->ClassOneScore();
}

Result<std::unique_ptr<Classifier>> FromScores(int num_features,
                                               const std::vector<std::vector<double>>& scores) {
  if (num_features < 0 || scores.empty() || scores.size() == 2) {
    return Status::InvalidArgument("linear::FromScores: " + std::to_string(scores.size()) +
                                   " scores (1 for two classes, one per class for more)");
  }
  for (const std::vector<double>& s : scores) {
    if (s.size() != static_cast<size_t>(num_features) + 1) {
      return Status::InvalidArgument("linear::FromScores: a score of " + std::to_string(s.size()) +
                                     " weights, not " + std::to_string(num_features + 1));
    }
  }
  const int num_w = static_cast<int>(scores.size());
  const int num_classes = num_w == 1 ? 2 : num_w;
  // Allocated as liblinear's load_model does: free_and_destroy_model frees w and label.
  auto* m = static_cast<::model*>(std::calloc(1, sizeof(::model)));
  if (m == nullptr) return Status::Internal("linear::FromScores: out of memory");
  ModelPtr owned(m);
  m->param.solver_type = L2R_LR;
  m->nr_class = num_classes;
  m->nr_feature = num_features;
  m->bias = 1.0;
  m->label = static_cast<int*>(std::malloc(sizeof(int) * num_classes));
  m->w = static_cast<double*>(
      std::malloc(sizeof(double) * static_cast<size_t>(num_features + 1) * num_w));
  if (m->label == nullptr || m->w == nullptr) {
    return Status::Internal("linear::FromScores: out of memory");
  }
  // Two classes: the one column scores label[0], so class 1 comes first.
  for (int c = 0; c < num_classes; ++c) m->label[c] = num_w == 1 ? 1 - c : c;
  for (int j = 0; j <= num_features; ++j) {
    for (int c = 0; c < num_w; ++c) m->w[static_cast<size_t>(j) * num_w + c] = scores[c][j];
  }
  return std::unique_ptr<Classifier>(new LinearClassifier(std::move(owned)));
}

Result<std::unique_ptr<Classifier>> LoadFile(const std::string& path, int num_classes) {
  ModelPtr m;
  {
    std::lock_guard lock(LiblinearMutex());
    m = ModelPtr(load_model(path.c_str()));
  }
  if (m == nullptr) return Status::Corruption(path + ": liblinear could not read the model");
  if (num_classes == 1) {
    if (m->param.solver_type != L2R_L2LOSS_SVR || m->w == nullptr) {
      return Status::Corruption(path + ": not an L2-regularised linear regression");
    }
    return std::unique_ptr<Classifier>(new LinearClassifier(std::move(m)));
  }
  if (m->param.solver_type != L2R_LR || m->nr_class != num_classes || m->w == nullptr ||
      m->label == nullptr) {
    return Status::Corruption(path + ": not a logistic regression of " +
                              std::to_string(num_classes) + " classes");
  }
  std::vector<bool> seen(num_classes, false);
  for (int c = 0; c < num_classes; ++c) {
    const int label = m->label[c];
    if (label < 0 || label >= num_classes || seen[label]) {
      return Status::Corruption(path + ": labels are not the class indices 0.." +
                                std::to_string(num_classes - 1));
    }
    seen[label] = true;
  }
  return std::unique_ptr<Classifier>(new LinearClassifier(std::move(m)));
}

}  // namespace covidflow::model::linear
