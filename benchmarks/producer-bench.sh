#!/usr/bin/env bash
# The producer benchmark: kpl-codec's KinesisProducer against the real KPL (1.0.7 and 0.15.12, with their native
# daemons) on a fake HTTPS Kinesis endpoint. Builds the benchmarks module under -Pkpl (both KPL jars, about 60 MB
# each, resolved once), then runs io.kplcodec.benchmarks.producer.ProducerBenchmark with the arguments given, e.g.
#   ./benchmarks/producer-bench.sh --records 2000000 --sizes 100,1024 --shards 4,64
# See benchmarks/README.md, "Producer benchmark", for every option. JAVA_HOME picks the JDK of every JVM it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mvn -B -ntp -q -Pkpl -pl benchmarks -am compile -DskipTests ${MAVEN_ARGS_EXTRA:-}
exec "$java" -cp "benchmarks/target/classes:$(cat benchmarks/target/producer-bench.classpath)" \
  io.kplcodec.benchmarks.producer.ProducerBenchmark "$@"
