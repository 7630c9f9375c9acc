package io.kplcodec.benchmarks;

import org.openjdk.jmh.infra.Blackhole;

/**
 * What one implementation does in one aggregation op: turn every user record of a {@link Workload} into Kinesis
 * records, ready to send. Made for one workload, used by one thread.
 */
public interface AggregationPath {
  /**
   * Aggregates every user record of the workload once.
   *
   * @param blackhole receives every record produced, so that no work can be optimized away
   * @return the bytes produced (a check that the work was done)
   */
  long aggregate(Blackhole blackhole);
}
