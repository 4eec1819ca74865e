#pragma once
// covidflow up: one process running the processor (tweets.raw → enriched topics and the
// lake), the stream monitor, the retraining loop (orchestrate/loop.h) on the real components,
// the scoring server following the loop's alias, and its own server with the dashboard and
// /metrics (every series of the process in one metrics registry).
//
// How `up` feeds the loop (docs/decisions/0010-retraining-loop.md):
//   - training: the newest loop.window_rows lake rows by event time; the newest loop.holdout
//     of them are held out, the spec's split is replaced by these two files, the challenger
//     is trained on the rest (train::Train) and compared with the champion on the held-out
//     rows by the spec's promotion rule (train::Evaluate);
//   - the labels: the VADER label the processor wrote for each tweet. It stands in for labels
//     people would give later: the model learns sentiment from the text alone (no VADER
//     feature in specs/lake-sentiment.yaml) and is judged against it;
//   - live quality: the processor scores the stream with the champion (its slot follows the
//     alias; `process --model` inside up), every prediction on serve.predictions_topic beside
//     the server's; the prediction log joined by tweet with the processor's VADER labels on the
//     enriched topic (StreamLabelQuality); a version's live quality is its accuracy on its
//     newest loop.quality_rows labelled predictions (LiveQualityOf). A replaced champion keeps
//     the figure of its last predictions, which is what it was at its replacement;
//   - drift: app::StreamMonitor on a thread (monitor.window, monitor.lateness,
//     monitor.columns) compares each window of the enriched stream with the champion's
//     training reference (UpMonitorReference) and publishes to loop.events_topic; the trigger
//     counts the events with "kind": "drift" and "dataset_drift": true
//     (docs/formats/monitor_events.md).
//   - staging gate: load from the registry with its smoke test; then, once the scoring server
//     runs (started with a pinned challenger slot, traffic off, and the bearer token
//     serve.token or one made here), the gate names the candidate its shadow challenger over
//     HTTP on 127.0.0.1 (POST /admin/challenger; a version the server refuses fails the gate),
//     sends loop.gate_requests one-row requests (the newest lake rows' texts), reads both
//     versions' answers back from the prediction log by request id and judges them
//     (orchestrate/gate.h: the candidate's p99 within loop.gate_p99_ms, its agreement with the
//     champion at least loop.gate_min_agreement), and turns the shadow off (POST
//     /admin/traffic). The first model, with no server yet, is timed in-process within
//     loop.gate_p99_ms.
#include <atomic>
#include <functional>
#include <map>
#include <string>

#include "app/settings.h"
#include "base/status.h"
#include "monitor/quality.h"
#include "orchestrate/loop.h"
#include "train/trainer.h"

namespace covidflow::app {

// The loop's training step on the lake: the newest loop.window_rows lake rows by event time,
// the newest loop.holdout of them held out, written to DIR/train.csv and DIR/holdout.csv
// (date, text, the label `sentiment`, and user_location, user_followers, user_friends,
// user_verified, is_retweet), and loop.spec trained on them (its split replaced by these two
// files) into DIR/model as `train` trains and records it (TrainSpec: a registry run, FINISHED,
// or FAILED when training refuses): the artifact carries its training reference, drawn from the
// held-out rows. kFailedPrecondition when the lake holds
// fewer than 100 rows or the held-out part fewer than 20.
struct LakeWindowTraining {
  train::TrainReport report;
  // The registry run that recorded it (TrainSpec: the spec's params, the metrics, the model
  // directory as the artifact "model"), in the experiment named after the spec.
  std::string run_id;
  size_t window_rows = 0;
  size_t holdout_rows = 0;
};
Result<LakeWindowTraining> TrainLakeWindow(const Settings& s, const std::string& lake_dir,
                                           const std::string& dir);

// What up's stream monitor compares the stream with while `champion` is the loop's champion:
// monitor.reference when set; else model:LOOP_MODEL@LOOP_ALIAS, the champion's training
// reference, which the monitor follows as the alias moves (promotions and rollbacks,
// monitor.reference_poll); else, for a champion whose artifact has none (trained before
// models carried one) or cannot be read, the newest loop.window_rows lake rows kept in
// HOME/loop/reference-vN.jsonl (a warning says why).
Result<std::string> UpMonitorReference(const Settings& s, const std::string& lake_dir,
                                       const std::string& home, int64_t champion);

// Each model version's live quality for the loop: its accuracy on its newest `newest` labelled
// predictions in `join` (monitor::QualityJoin::Newest), with their count; versions that are not
// a registry version number, or with no labelled prediction, are left out.
std::map<int64_t, orchestrate::LiveQuality> LiveQualityOf(const monitor::QualityJoin& join,
                                                          int64_t newest);

// Runs until `stop` is set (SIGTERM). `say` receives one line per endpoint and per loop
// decision. Restarting resumes: the log's committed offsets, the registry, the loop's state
// file (HOME/loop/state.json) with its pending triggers and its run in progress. The loop
// retrains classifiers only: a `task: regression` loop.spec is kInvalidArgument before anything
// starts (its live labels would be VADER's classes, its live quality accuracy).
Status RunUp(const Settings& s, const std::atomic<bool>& stop,
             const std::function<void(const std::string&)>& say);

}  // namespace covidflow::app
