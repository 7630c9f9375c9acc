package io.kplcodec.compat;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * Seeded randomness for the generated cases. The base seed is {@code -Dkplcodec.compat.seed} if given, else new for
 * each run; every failure message names it and the case, so any failure reruns exactly with that property.
 */
final class Seeds {
  static final String PROPERTY = "kplcodec.compat.seed";
  private static final long BASE = initialSeed();

  private Seeds() {}

  private static long initialSeed() {
    String configured = System.getProperty(PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Long.decode(configured.trim());
    }
    return new SplittableRandom().nextLong();
  }

  /** The case {@code index} of the generator {@code generator}: its own random stream, reproducible. */
  static Case of(String generator, int index) {
    return new Case(generator, index);
  }

  /** One generated case. */
  static final class Case {
    final String generator;
    final int index;
    final Random random;

    private Case(String generator, int index) {
      this.generator = generator;
      this.index = index;
      // A stream per case, independent of how many draws earlier cases made.
      this.random = new Random(new SplittableRandom(BASE ^ (generator.hashCode() * 0x9E3779B97F4A7C15L)).split()
          .nextLong() + index * 0xC2B2AE3D27D4EB4FL);
    }

    @Override
    public String toString() {
      return generator + " case " + index + " (rerun with -D" + PROPERTY + "=" + BASE + ")";
    }
  }
}
