package io.kplcodec.benchmarks;

import org.openjdk.jmh.infra.Blackhole;

/**
 * What one implementation does in one deaggregation op: verify the MD5 of one full aggregate and hand over every user
 * record's partition key and data. Made for one workload, used by one thread.
 */
public interface DeaggregationPath {
  /**
   * Deaggregates the workload's full aggregate once; every implementation passes each user record's partition key
   * and data (whatever object holds it) to the blackhole.
   *
   * @return the user data bytes seen (a check that the work was done)
   */
  long deaggregate(Blackhole blackhole);
}
