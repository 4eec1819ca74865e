#include "schema/codec.h"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <utility>

#include "base/utf8.h"
#include "schema/fields.h"
#include "schema/text_writer.h"
#include "schema/time.h"

namespace covidflow::schema {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view LabelName(Sentiment::Label label) {
  switch (label) {
    case Sentiment::Label::kNegative:
      return "negative";
    case Sentiment::Label::kNeutral:
      return "neutral";
    case Sentiment::Label::kPositive:
      return "positive";
  }
  return "neutral";
}

namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// A JSON string that is valid UTF-8 whatever `s` holds.
void AppendSafeString(std::string& out, std::string_view s) {
  if (IsValidUtf8(s)) {
    AppendJsonString(out, s);
    return;
  }
  std::string repaired;
  AppendRepairedUtf8(repaired, s);
  AppendJsonString(out, repaired);
}

void Number(std::string& out, double v) { AppendDouble(out, std::isfinite(v) ? v : 0.0); }

void AppendTimestampString(std::string& out, Timestamp t) {
  out.push_back('"');
  AppendTimestamp(out, t);
  out.push_back('"');
}

// A JSON boolean member (",\"key\":true"), chosen between two literals of known length.
void AppendFlag(std::string& out, bool v, std::string_view if_true, std::string_view if_false) {
  out.append(v ? if_true : if_false);
}

void AppendPosition(std::string& out, const SourcePosition& p) {
  out.append("{\"topic\":");
  AppendSafeString(out, p.topic);
  out.append(",\"partition\":");
  AppendInt(out, p.partition.value());
  out.append(",\"offset\":");
  AppendInt(out, p.offset.value());
  out.push_back('}');
}

// `{"name":` for the first seed field, `,"name":` for the others, built at compile time.
template <size_t I>
struct SeedJsonKey {
  static constexpr std::string_view kName = kColumnDef<I>.SeedName();
  static constexpr auto kChars = [] {
    std::array<char, kName.size() + 4> key{};
    key[0] = I == 0 ? '{' : ',';
    key[1] = '"';
    for (size_t i = 0; i < kName.size(); ++i) key[2 + i] = kName[i];
    key[kName.size() + 2] = '"';
    key[kName.size() + 3] = ':';
    return key;
  }();
  static constexpr std::string_view kKey{kChars.data(), kChars.size()};
};

// One seed field as a JSON member; `text` writes a string value.
template <size_t I, typename Value, typename Text>
void AppendSeedJson(std::string& out, const Value& value, Text& text) {
  constexpr ValueType kType = std::remove_cvref_t<decltype(kColumnDef<I>)>::type;
  out.append(SeedJsonKey<I>::kKey);
  if constexpr (kType == ValueType::kString) {
    text(value);
  } else if constexpr (kType == ValueType::kTimestamp) {
    AppendTimestampString(out, value);
  } else if constexpr (kType == ValueType::kInt64) {
    AppendInt(out, value);
  } else if constexpr (kType == ValueType::kBool) {
    out.append(value ? std::string_view("true") : std::string_view("false"));
  } else if constexpr (kType == ValueType::kStringList) {
    out.push_back('[');
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out.push_back(',');
      text(value[i]);
    }
    out.push_back(']');
  } else {
    static_assert(kType == ValueType::kString, "a seed type the codec lacks");
  }
}

}  // namespace

void AppendBase64(std::string& out, std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out.push_back(kBase64[v >> 18]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(kBase64[(v >> 6) & 63]);
    out.push_back(kBase64[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return;
  const uint32_t v = (p[i] << 16) | (rest == 2 ? p[i + 1] << 8 : 0);
  out.push_back(kBase64[v >> 18]);
  out.push_back(kBase64[(v >> 12) & 63]);
  out.push_back(rest == 2 ? kBase64[(v >> 6) & 63] : '=');
  out.push_back('=');
}

bool DecodeBase64(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0) return false;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    if (pad == 1 && text[i + 2] == '=') return false;
    uint32_t v = 0;
    for (int k = 0; k < 4 - pad; ++k) {
      const int x = value(text[i + static_cast<size_t>(k)]);
      if (x < 0) return false;
      v |= static_cast<uint32_t>(x) << (18 - 6 * k);
    }
    out->push_back(static_cast<char>(v >> 16));
    if (pad < 2) out->push_back(static_cast<char>((v >> 8) & 255));
    if (pad < 1) out->push_back(static_cast<char>(v & 255));
  }
  return true;
}

void AppendEnrichedJson(std::string& out, const EnrichedTweet& e, bool tweet_utf8_checked) {
  const Tweet& t = e.tweet;
  auto text = [&](std::string_view s) {
    if (tweet_utf8_checked) {
      AppendJsonString(out, s);
    } else {
      AppendSafeString(out, s);
    }
  };
  // The seed fields under their seed column names, in table order; each key is one literal
  // made at compile time, so this is the straight-line code a hand-written encoder would be.
  [&]<size_t... I>(std::index_sequence<I...>) {
    (AppendSeedJson<I>(out, kColumnDef<I>.Ref(t), text), ...);
  }
  (std::make_index_sequence<kFieldCount>{});
  AppendFlag(out, t.utf8_repaired, ",\"utf8_repaired\":true", ",\"utf8_repaired\":false");
  if (!t.extra.empty()) {
    out.append(",\"extra\":{");
    for (size_t i = 0; i < t.extra.size(); ++i) {
      if (i > 0) out.push_back(',');
      text(t.extra[i].first);
      out.push_back(':');
      text(t.extra[i].second);
    }
    out.push_back('}');
  }
  const Sentiment& s = e.sentiment;
  out.append(",\"sentiment\":{\"positive\":");
  Number(out, s.positive);
  out.append(",\"neutral\":");
  Number(out, s.neutral);
  out.append(",\"negative\":");
  Number(out, s.negative);
  out.append(",\"compound\":");
  Number(out, s.compound);
  out.append(",\"label\":\"");
  out.append(LabelName(s.label));
  out.append("\"},\"enricher\":");
  AppendSafeString(out, e.enricher);
  out.append(",\"location\":{\"country\":");
  AppendSafeString(out, e.location.country);
  out.append(",\"region\":");
  AppendSafeString(out, e.location.region);
  out.append(",\"confidence\":");
  Number(out, e.location.confidence);
  out.append("},\"source_position\":");
  AppendPosition(out, e.source);
  out.append(",\"ingest_time_ms\":");
  AppendInt(out, e.ingest_time_ms);
  // Only a scored tweet has the key: the stream without a model writes what it always wrote.
  if (!e.prediction.model.empty()) {
    const ModelPrediction& m = e.prediction;
    out.append(",\"model\":{\"id\":");
    AppendSafeString(out, m.model);
    if (m.label.empty()) {  // a regression model: its value, no class
      out.append(",\"value\":");
      Number(out, m.value);
    } else {
      out.append(",\"label\":");
      AppendSafeString(out, m.label);
      out.append(",\"confidence\":");
      Number(out, m.confidence);
      out.append(",\"probabilities\":");
      // Made by AppendProbabilitiesJson: valid JSON already.
      out.append(m.probabilities.empty() ? std::string_view("{}") : m.probabilities);
    }
    out.append(",\"oov_rate\":");
    if (m.oov_rate && std::isfinite(*m.oov_rate)) {
      Number(out, *m.oov_rate);
    } else {
      out.append("null");
    }
    out.push_back('}');
  }
  out.push_back('}');
}

void AppendProbabilitiesJson(std::string& out, std::span<const std::string> classes,
                             const double* probabilities) {
  out.push_back('{');
  for (size_t c = 0; c < classes.size(); ++c) {
    if (c > 0) out.push_back(',');
    AppendSafeString(out, classes[c]);
    out.push_back(':');
    AppendDouble(out, probabilities[c]);
  }
  out.push_back('}');
}

void AppendDeadLetterJson(std::string& out, const DeadLetter& d) {
  out.append("{\"reason\":\"");
  out.append(ReasonName(d.reason));
  out.append("\",\"message\":");
  AppendSafeString(out, d.message);
  out.append(",\"field\":");
  AppendSafeString(out, d.field);
  if (IsValidUtf8(d.raw)) {
    out.append(",\"raw\":");
    AppendJsonString(out, d.raw);
  } else {
    out.append(",\"raw_base64\":\"");
    AppendBase64(out, d.raw);
    out.push_back('"');
  }
  out.append(",\"source\":");
  AppendPosition(out, d.source);
  out.append(",\"ingest_time_ms\":");
  AppendInt(out, d.ingest_time_ms);
  out.push_back('}');
}

// ---- decoding ----

namespace {

Status Bad(std::string_view what, std::string_view key) {
  return Status::InvalidArgument(std::string(what) + ": key '" + std::string(key) +
                                 "' is missing or has the wrong type");
}

// Typed getters over an object; absent keys are errors unless `optional`.
class Reader {
 public:
  Reader(simdjson::dom::object o, std::string_view what) : o_(o), what_(what) {}

  Status Str(std::string_view key, std::string* dst) {
    std::string_view s;
    if (o_[key].get_string().get(s)) return Bad(what_, key);
    dst->assign(s);
    return Status::Ok();
  }
  Status Int(std::string_view key, int64_t* dst) {
    if (o_[key].get_int64().get(*dst)) return Bad(what_, key);
    return Status::Ok();
  }
  Status Double(std::string_view key, double* dst) {
    if (o_[key].get_double().get(*dst)) return Bad(what_, key);
    return Status::Ok();
  }
  Status Bool(std::string_view key, bool* dst) {
    if (o_[key].get_bool().get(*dst)) return Bad(what_, key);
    return Status::Ok();
  }
  Status Time(std::string_view key, Timestamp* dst) {
    std::string_view s;
    if (o_[key].get_string().get(s)) return Bad(what_, key);
    std::optional<Timestamp> t = ParseTimestamp(s);
    if (!t) return Bad(what_, key);
    *dst = *t;
    return Status::Ok();
  }
  Status Position(std::string_view key, SourcePosition* dst) {
    simdjson::dom::object p;
    if (o_[key].get_object().get(p)) return Bad(what_, key);
    Reader r(p, what_);
    int64_t partition = 0, offset = 0;
    RETURN_IF_ERROR(r.Str("topic", &dst->topic));
    RETURN_IF_ERROR(r.Int("partition", &partition));
    RETURN_IF_ERROR(r.Int("offset", &offset));
    dst->partition = PartitionId(static_cast<int32_t>(partition));
    dst->offset = Offset(offset);
    return Status::Ok();
  }
  simdjson::simdjson_result<element> operator[](std::string_view key) { return o_[key]; }

 private:
  simdjson::dom::object o_;
  std::string_view what_;
};

Result<simdjson::dom::object> ParseObject(simdjson::dom::parser& parser, std::string_view json,
                                          std::string_view what) {
  element doc;
  if (auto error = parser.parse(json.data(), json.size()).get(doc)) {
    return Status::InvalidArgument(std::string(what) + ": " + simdjson::error_message(error));
  }
  simdjson::dom::object o;
  if (doc.get_object().get(o)) {
    return Status::InvalidArgument(std::string(what) + ": not an object");
  }
  return o;
}

}  // namespace

Result<EnrichedTweet> DecodeEnrichedJson(std::string_view json) {
  constexpr std::string_view kWhat = "enriched tweet";
  thread_local simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(simdjson::dom::object o, ParseObject(parser, json, kWhat));
  Reader r(o, kWhat);
  EnrichedTweet e;
  Tweet& t = e.tweet;
  Status status;
  ForEachSeedField(t, [&](const auto& def, auto& value) {
    using Def = std::remove_cvref_t<decltype(def)>;
    if (!status.ok()) return;
    const std::string_view key = def.SeedName();
    if constexpr (Def::type == ValueType::kString) {
      status = r.Str(key, &value);
    } else if constexpr (Def::type == ValueType::kTimestamp) {
      status = r.Time(key, &value);
    } else if constexpr (Def::type == ValueType::kInt64) {
      status = r.Int(key, &value);
    } else if constexpr (Def::type == ValueType::kBool) {
      status = r.Bool(key, &value);
    } else if constexpr (Def::type == ValueType::kStringList) {
      simdjson::dom::array tags;
      if (r[key].get_array().get(tags)) {
        status = Bad(kWhat, key);
        return;
      }
      for (element tag : tags) {
        std::string_view s;
        if (tag.get_string().get(s)) {
          status = Bad(kWhat, key);
          return;
        }
        value.emplace_back(s);
      }
    } else {
      static_assert(Def::type == ValueType::kString, "a seed type the codec lacks");
    }
  });
  RETURN_IF_ERROR(status);
  RETURN_IF_ERROR(r.Bool("utf8_repaired", &t.utf8_repaired));
  simdjson::dom::object extra;
  if (!r["extra"].get_object().get(extra)) {
    for (auto [key, value] : extra) {
      std::string_view s;
      if (value.get_string().get(s)) return Bad(kWhat, "extra");
      t.extra.emplace_back(std::string(key), std::string(s));
    }
  }
  simdjson::dom::object so;
  if (r["sentiment"].get_object().get(so)) return Bad(kWhat, "sentiment");
  Reader sr(so, kWhat);
  RETURN_IF_ERROR(sr.Double("positive", &e.sentiment.positive));
  RETURN_IF_ERROR(sr.Double("neutral", &e.sentiment.neutral));
  RETURN_IF_ERROR(sr.Double("negative", &e.sentiment.negative));
  RETURN_IF_ERROR(sr.Double("compound", &e.sentiment.compound));
  std::string label;
  RETURN_IF_ERROR(sr.Str("label", &label));
  if (label == "positive") {
    e.sentiment.label = Sentiment::Label::kPositive;
  } else if (label == "negative") {
    e.sentiment.label = Sentiment::Label::kNegative;
  } else if (label == "neutral") {
    e.sentiment.label = Sentiment::Label::kNeutral;
  } else {
    return Bad(kWhat, "sentiment.label");
  }
  RETURN_IF_ERROR(r.Str("enricher", &e.enricher));
  simdjson::dom::object lo;
  if (r["location"].get_object().get(lo)) return Bad(kWhat, "location");
  Reader lr(lo, kWhat);
  RETURN_IF_ERROR(lr.Str("country", &e.location.country));
  RETURN_IF_ERROR(lr.Str("region", &e.location.region));
  RETURN_IF_ERROR(lr.Double("confidence", &e.location.confidence));
  RETURN_IF_ERROR(r.Position("source_position", &e.source));
  RETURN_IF_ERROR(r.Int("ingest_time_ms", &e.ingest_time_ms));
  simdjson::dom::object mo;
  if (!r["model"].get_object().get(mo)) {
    Reader mr(mo, kWhat);
    RETURN_IF_ERROR(mr.Str("id", &e.prediction.model));
    if (mr["value"].error() != simdjson::NO_SUCH_FIELD) {
      // A regression model's answer: its value, no label, confidence nor probabilities.
      RETURN_IF_ERROR(mr.Double("value", &e.prediction.value));
    } else {
      RETURN_IF_ERROR(mr.Str("label", &e.prediction.label));
      RETURN_IF_ERROR(mr.Double("confidence", &e.prediction.confidence));
      simdjson::dom::object po;
      if (mr["probabilities"].get_object().get(po)) return Bad(kWhat, "model.probabilities");
      std::vector<std::string> classes;
      std::vector<double> values;
      for (auto [key, value] : po) {
        double v = 0;
        if (value.get_double().get(v)) return Bad(kWhat, "model.probabilities");
        classes.emplace_back(key);
        values.push_back(v);
      }
      AppendProbabilitiesJson(e.prediction.probabilities, classes, values.data());
    }
    // Optional: null, or absent in records written before it existed.
    double oov = 0;
    if (!mr["oov_rate"].get_double().get(oov)) e.prediction.oov_rate = oov;
  }
  return e;
}

Result<DeadLetter> DecodeDeadLetterJson(std::string_view json) {
  constexpr std::string_view kWhat = "dead letter";
  thread_local simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(simdjson::dom::object o, ParseObject(parser, json, kWhat));
  Reader r(o, kWhat);
  DeadLetter d;
  std::string reason;
  RETURN_IF_ERROR(r.Str("reason", &reason));
  if (!ReasonFromName(reason, &d.reason)) {
    return Status::InvalidArgument("dead letter: unknown reason '" + reason + "'");
  }
  RETURN_IF_ERROR(r.Str("message", &d.message));
  RETURN_IF_ERROR(r.Str("field", &d.field));
  std::string_view raw;
  if (!r["raw"].get_string().get(raw)) {
    d.raw.assign(raw);
  } else if (!r["raw_base64"].get_string().get(raw)) {
    if (!DecodeBase64(raw, &d.raw)) return Bad(kWhat, "raw_base64");
  } else {
    return Bad(kWhat, "raw");
  }
  RETURN_IF_ERROR(r.Position("source", &d.source));
  RETURN_IF_ERROR(r.Int("ingest_time_ms", &d.ingest_time_ms));
  return d;
}

}  // namespace covidflow::schema
