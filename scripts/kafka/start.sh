#!/usr/bin/env bash
# Starts a single-node Apache Kafka (KRaft: broker and controller in one JVM) for development and
# tests, bound to 127.0.0.1 on free ports, and waits until it answers metadata requests.
#   scripts/kafka/start.sh DIR     -> prints the bootstrap address, also written to DIR/bootstrap
# DIR holds the config, the data, broker.log and pid. Starting again on a DIR that was stopped
# keeps its data and its ports (the crash tests restart the broker under running clients).
# Env: CF_KAFKA_HEAP (default 512m), CF_KAFKA_START_TIMEOUT seconds (default 90).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:?usage: start.sh DIR}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
jars="$("$here/fetch.sh")"
heap="${CF_KAFKA_HEAP:-512m}"
timeout_s="${CF_KAFKA_START_TIMEOUT:-90}"

if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
  echo "start.sh: a broker is already running from $dir (pid $(cat "$dir/pid"))" >&2
  cat "$dir/bootstrap"
  exit 0
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

if [[ ! -f "$dir/server.properties" ]]; then
  port="$(free_port)"
  cport="$(free_port)"
  while [[ "$cport" == "$port" ]]; do cport="$(free_port)"; done
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
# Topics are created explicitly (Log::CreateTopic); a typo must be kNotFound, not a new topic.
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# A test's consumers join one by one; waiting for more members only slows every test down.
group.initial.rebalance.delay.ms=0
# The broker restart test (e2e_kafka_outage) uses a session timeout of a few seconds, below the
# default minimum of 6 s, so that its outage outlasts the session and the test stays short.
group.min.session.timeout.ms=1000
log.segment.bytes=67108864
PROPS
  cat >"$dir/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, out
log4j.logger.kafka.server.BrokerServer=INFO
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPS
  echo "127.0.0.1:$port" >"$dir/bootstrap"
  cluster_id="$(java -cp "$jars/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  java -Xmx256m -cp "$jars/*" -Dlog4j.configuration="file:$dir/log4j.properties" \
    -Dkafka.logs.dir="$dir" kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$dir/server.properties" >"$dir/format.log" 2>&1 ||
    { cat "$dir/format.log" >&2; exit 1; }
fi

bootstrap="$(cat "$dir/bootstrap")"
# setsid: the broker must outlive this script and not take the caller's Ctrl-C.
setsid java "-Xmx$heap" "-Xms128m" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
  -Djava.awt.headless=true -Dlog4j.configuration="file:$dir/log4j.properties" \
  -Dkafka.logs.dir="$dir" -cp "$jars/*" kafka.Kafka "$dir/server.properties" \
  >>"$dir/broker.log" 2>&1 </dev/null &
echo $! >"$dir/pid"

deadline=$((SECONDS + timeout_s))
until kcat -L -b "$bootstrap" -m 2 >/dev/null 2>&1; do
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "start.sh: the broker exited; last lines of $dir/broker.log:" >&2
    tail -20 "$dir/broker.log" >&2
    exit 1
  fi
  if ((SECONDS > deadline)); then
    echo "start.sh: broker at $bootstrap not ready after ${timeout_s}s; see $dir/broker.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "$bootstrap"
