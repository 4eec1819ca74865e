#include "serve/stream_step.h"

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <type_traits>
#include <utility>

#include "base/logging.h"
#include "schema/codec.h"
#include "schema/fields.h"
#include "schema/text_writer.h"
#include "schema/time.h"
#include "serve/prediction_rows.h"
#include "serve/scoring.h"

namespace covidflow::serve {
namespace {

using Append = void (*)(const schema::EnrichedTweet&, std::string&);

// Column I of a tweet as text, the way the reference CSV writes the value.
template <size_t I>
void AppendColumn(const schema::EnrichedTweet& t, std::string& out) {
  using Def = std::remove_cvref_t<decltype(schema::kColumnDef<I>)>;
  using V = schema::ValueType;
  const auto& v = Def::Ref(t);
  if constexpr (Def::type == V::kString) {
    out.append(v);
  } else if constexpr (Def::type == V::kStringList) {
    // "['COVID19', 'Vaccine']", as the reference files write hashtags; none is empty.
    if (v.empty()) return;
    out.push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out.append(", ");
      out.push_back('\'');
      out.append(v[i]);
      out.push_back('\'');
    }
    out.push_back(']');
  } else if constexpr (Def::type == V::kInt32) {
    schema::AppendInt(out, v.value());
  } else if constexpr (Def::type == V::kInt64) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, Offset>) {
      schema::AppendInt(out, v.value());
    } else {
      schema::AppendInt(out, v);
    }
  } else if constexpr (Def::type == V::kDouble) {
    schema::AppendDouble(out, v);
  } else if constexpr (Def::type == V::kBool) {
    out.append(v ? "True" : "False");
  } else if constexpr (Def::type == V::kTimestamp) {
    schema::AppendTimestamp(out, v);
  } else if constexpr (Def::type == V::kTimestampMillis) {
    schema::AppendInt(out, v);
  } else {
    static_assert(Def::type == V::kLabel, "a column type the stream step lacks");
    out.append(schema::LabelName(v));
  }
}

// Every name a tweet field answers to: seed columns by their reference name ("date") and
// their lake name ("event_time"), the others by their lake name.
const std::map<std::string, Append, std::less<>>& Fields() {
  static const std::map<std::string, Append, std::less<>> fields = [] {
    std::map<std::string, Append, std::less<>> m;
    schema::ForEachColumn([&](auto i) {
      constexpr size_t I = decltype(i)::value;
      const auto& def = schema::kColumnDef<I>;
      m.emplace(std::string(def.name), &AppendColumn<I>);
      if constexpr (I < schema::kFieldCount)
        m.emplace(std::string(def.SeedName()), &AppendColumn<I>);
    });
    return m;
  }();
  return fields;
}

Status NotAField(std::string_view column) {
  return Status::InvalidArgument("the model reads column '" + std::string(column) +
                                 "', which no tweet field fills (the stream has the reference "
                                 "schema's columns and the lake's)");
}

// "TOPIC/PARTITION/OFFSET": the request id of a streamed tweet's prediction.
std::string SourceId(const SourcePosition& source) {
  std::string out = source.topic;
  out.push_back('/');
  schema::AppendInt(out, source.partition.value());
  out.push_back('/');
  schema::AppendInt(out, source.offset.value());
  return out;
}

// The tweet's id when the stream keeps one (an extra column "tweet_id", else "id").
std::optional<std::string> TweetId(const schema::Tweet& tweet) {
  for (std::string_view name : {"tweet_id", "id"}) {
    for (const auto& [column, value] : tweet.extra) {
      if (column == name && !value.empty()) return value;
    }
  }
  return std::nullopt;
}

}  // namespace

Status CheckStreamable(const model::Model& model) {
  for (const std::string& column : model.pipeline.InputColumns()) {
    if (!Fields().contains(column)) return NotAField(column);
  }
  return Status::Ok();
}

Status CheckStreamSwap(const LoadedModel& current, const LoadedModel& next) {
  const bool was = current.model.classifier->IsRegressor();
  const bool is = next.model.classifier->IsRegressor();
  if (was == is) return Status::Ok();
  auto kind = [](bool regression) {
    return regression ? std::string("a regression model (model_value)")
                      : std::string("a classifier (model_label, model_confidence)");
  };
  return Status::FailedPrecondition(
      "model " + next.Id() + " is " + kind(is) + " and the stream is scored by " + current.Id() +
      ", " + kind(was) +
      ": a swap would change the stream's model columns mid-stream; the stream keeps " +
      current.Id() + " (restart it with the new model to change the output kind)");
}

Result<features::Table> TweetRows(const std::vector<std::string>& columns,
                                  std::span<const schema::EnrichedTweet* const> tweets) {
  features::Table table;
  table.names = columns;
  table.columns.resize(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    const auto it = Fields().find(columns[c]);
    if (it == Fields().end()) return NotAField(columns[c]);
    std::vector<std::string>& values = table.columns[c];
    values.resize(tweets.size());
    for (size_t r = 0; r < tweets.size(); ++r) it->second(*tweets[r], values[r]);
  }
  return table;
}

void ModelStep::Apply(std::span<schema::EnrichedTweet* const> tweets) const {
  if (tweets.empty()) return;
  std::shared_ptr<const LoadedModel> loaded = slot_->Load();
  Status status = [&]() -> Status {
    ASSIGN_OR_RETURN(features::Table rows, TweetRows(loaded->model.pipeline.InputColumns(),
                                                     std::span<const schema::EnrichedTweet* const>(
                                                         tweets.data(), tweets.size())));
    const auto start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(Scores scores, Score(loaded, rows));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Beside the answer, the share of the text's words the model does not know (none for a
    // model without a vocabulary); the monitor watches it (model_oov_rate).
    const Result<std::vector<double>> oov = loaded->model.pipeline.OutOfVocabulary(rows);
    const std::string id = loaded->Id();
    const size_t k = scores.classes().size();
    const bool regression = scores.Regression();
    for (size_t r = 0; r < tweets.size(); ++r) {
      schema::ModelPrediction& p = tweets[r]->prediction;
      p.model = id;
      p.label.clear();
      p.confidence = 0;
      p.probabilities.clear();
      p.value = 0;
      if (regression) {
        p.value = scores.Value(r);  // no class: model_label, model_probabilities stay null
      } else {
        p.label = scores.Label(r);
        p.confidence = scores.Probability(r, scores.labels[r]);
        schema::AppendProbabilitiesJson(p.probabilities, scores.classes(),
                                        scores.probabilities.data() + r * k);
      }
      p.oov_rate.reset();
      if (oov.ok() && !std::isnan((*oov)[r])) p.oov_rate = (*oov)[r];
    }
    if (predictions_ != nullptr) {
      std::vector<PredictionRecord> records =
          PredictionRecords(scores, rows, {{}, Role::kChampion, seconds, 0});
      for (size_t r = 0; r < tweets.size(); ++r) {
        const schema::EnrichedTweet& t = *tweets[r];
        PredictionRecord& p = records[r];
        p.request_id = SourceId(t.source);
        p.row = 0;
        p.tweet_id = TweetId(t.tweet);
      }
      predictions_->RecordAll(std::move(records));
    }
    return Status::Ok();
  }();
  if (!status.ok()) {
    Logf(LogLevel::kWarning, "model %s did not score %zu tweets: %s", loaded->Id().c_str(),
         tweets.size(), status.ToString().c_str());
  }
}

}  // namespace covidflow::serve
