package io.kplcodec.flink;

import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The jobs of the end-to-end tests: on a local MiniCluster, checkpointed, restarted after a failure. */
final class MiniClusterJobs {
  private MiniClusterJobs() {}

  /** An environment that restarts a failed job up to 3 times, 200 ms apart, from its last checkpoint. */
  static StreamExecutionEnvironment restartingEnvironment(int parallelism, long checkpointIntervalMillis) {
    Configuration restarts = new Configuration();
    restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(restarts);
    env.setParallelism(parallelism);
    env.enableCheckpointing(checkpointIntervalMillis);
    return env;
  }
}
