package io.kplcodec.benchmarks;

import org.openjdk.jmh.infra.Blackhole;

/** For the one op every benchmark's setup runs to check its implementation before measuring it. */
final class Checks {
  private Checks() {}

  /** A blackhole outside a measurement (JMH hands one to each benchmark method; setup has none). */
  static Blackhole blackhole() {
    return new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
  }
}
