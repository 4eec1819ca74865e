#pragma once
// The JSON values written to the topics tweets.enriched and tweets.dlq, and read back by
// `topic tail`, the demo report and tests. The layout is documented in
// docs/formats/records.md; encoders append to a caller-owned buffer so a batch reuses one.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "schema/tweet.h"

namespace covidflow::schema {

// One enriched tweet as a JSON object: the 13 seed fields under their column names, then
// "utf8_repaired", "extra" (only when non-empty), "sentiment", "enricher", "location",
// "source_position" and "ingest_time_ms". (The position is not "source": that key is the
// seed field holding the tweeting app.) Invalid UTF-8 in any string is written repaired.
// `tweet_utf8_checked`: the tweet's strings are known to be valid UTF-8 (the CSV and JSON
// readers guarantee it for every tweet they return), so they are not checked again.
// A scored tweet (prediction.model set) also has "model": {"id", "label", "confidence",
// "probabilities", "oov_rate"} — a regression model's (prediction.label empty) {"id", "value",
// "oov_rate"}; an unscored one has no "model" key.
void AppendEnrichedJson(std::string& out, const EnrichedTweet& t, bool tweet_utf8_checked = false);

// {"negative":0.1,"positive":0.9}: each class with its probability, in the given order, as
// ModelPrediction::probabilities holds them.
void AppendProbabilitiesJson(std::string& out, std::span<const std::string> classes,
                             const double* probabilities);

// One dead letter as a JSON object: "reason", "message", "field", the raw bytes as "raw"
// (a JSON string) when they are valid UTF-8, else as "raw_base64", then "source"
// {"topic","partition","offset"} and "ingest_time_ms".
void AppendDeadLetterJson(std::string& out, const DeadLetter& d);

// The inverses. InvalidArgument when `json` is not what the encoder writes.
Result<EnrichedTweet> DecodeEnrichedJson(std::string_view json);
Result<DeadLetter> DecodeDeadLetterJson(std::string_view json);

// "positive" / "neutral" / "negative".
std::string_view LabelName(Sentiment::Label label);

// Standard base64 (RFC 4648, with padding).
void AppendBase64(std::string& out, std::string_view bytes);
bool DecodeBase64(std::string_view text, std::string* out);

}  // namespace covidflow::schema
