#pragma once
// The stream scored by a model (`covidflow process --model`): an enrichment step
// (enrich/enrichment.h) that scores the processor's tweets, chunk by chunk in its transform
// workers, with the model in a ModelSlot, and writes the answer into each tweet's
// EnrichedTweet::prediction — the enriched topic's "model" object and the lake's model
// columns (docs/formats/records.md, docs/formats/lake.md): a classifier's label, confidence
// and probabilities, or a regression model's value (model_value) — with the tweet's
// out-of-vocabulary rate under that model (features::Pipeline::OutOfVocabulary; the topic only).
//
// The tweets reach the model as the rows training read: each column the model's pipeline reads
// is filled from the tweet field of that name — a reference-schema column name (`text`,
// `date`, `user_followers`, ...) or a lake column name (`event_time`, `sentiment_compound`,
// ...) — written as the reference CSV writes it, so `covidflow predict` on the same tweets
// gives the same answers.
//
// With a prediction log, every scored tweet is also one PredictionRecord (role champion): its
// request id is its source position "TOPIC/PARTITION/OFFSET", row 0, its tweet id the kept
// extra column "tweet_id" (else "id") when there is one, its latency the chunk's scoring time.
// The records are queued (prediction_log.h): the log's writer never holds up a worker.
//
// The step takes the slot's model once per chunk: a model swapped in (the alias moved) scores
// the next chunk, and every tweet names the version that scored it.
//
// Threads: Apply is const and runs on many transform workers at once (a LoadedModel is
// immutable); the slot may be swapped meanwhile from any thread.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "enrich/enrichment.h"
#include "features/table.h"
#include "model/artifact.h"
#include "schema/tweet.h"
#include "serve/model_source.h"
#include "serve/prediction_log.h"

namespace covidflow::serve {

// kInvalidArgument naming the column when `model` reads a column no tweet field fills (a model
// trained on other data than tweets cannot score the stream). A classifier and a regression
// model are both streamable: a classifier fills the label, its confidence and the
// probabilities, a regression model the value (schema::ModelPrediction).
Status CheckStreamable(const model::Model& model);

// Whether the stream scored by `current` may swap to `next` (a hot swap, the alias moved):
// kFailedPrecondition naming both versions when one is a classifier and the other a regression
// model. Such a swap is refused, not handled: the stream's model columns (model_label and
// model_confidence, or model_value), the monitor's training reference and live quality's
// figures (accuracy, or MAE/RMSE) would change kind in the middle of a window. A classifier
// with other classes may swap in (its probabilities are its own JSON object).
Status CheckStreamSwap(const LoadedModel& current, const LoadedModel& next);

// The rows `columns` of `tweets` as a features::Table, each value as the reference CSV writes
// it. kInvalidArgument naming a column that is not a tweet field.
Result<features::Table> TweetRows(const std::vector<std::string>& columns,
                                  std::span<const schema::EnrichedTweet* const> tweets);

class ModelStep : public enrich::EnrichmentStep {
 public:
  // `slot` holds a model CheckStreamable accepts, now and after every swap (the caller checks
  // before it swaps, with CheckStreamSwap too). Each chunk is scored by the slot's model of
  // either kind.
  // `predictions`: where every prediction goes, or null; it outlives the step's use (the
  // processor stops before it closes).
  explicit ModelStep(std::shared_ptr<const ModelSlot> slot, PredictionLog* predictions = nullptr)
      : slot_(std::move(slot)), predictions_(predictions) {}
  std::string_view Id() const override { return "model"; }
  // Scores `tweets`; when the model cannot (it should not, once checked), they stay unscored
  // and a warning names the model and the reason.
  void Apply(std::span<schema::EnrichedTweet* const> tweets) const override;

 private:
  std::shared_ptr<const ModelSlot> slot_;
  PredictionLog* predictions_;
};

}  // namespace covidflow::serve
