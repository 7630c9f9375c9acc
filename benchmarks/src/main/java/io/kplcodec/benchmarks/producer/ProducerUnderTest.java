package io.kplcodec.benchmarks.producer;

import java.nio.file.Path;

/**
 * A producer as the benchmark drives it: kpl-codec's {@code KinesisProducer} or one of the real KPL's. Each runs in a
 * JVM of its own ({@link ProducerRun}); the implementation class is named by {@link #className}, so that a JVM loads
 * only its own producer.
 */
public interface ProducerUnderTest extends AutoCloseable {
  /** Told once per user record, on whatever thread the producer completes it. */
  interface Completion {
    void succeeded();

    void failed(Throwable cause);
  }

  /** What every producer is given: where the fake endpoint is, and the few settings the benchmark varies. */
  record Settings(String stream, int port, Path workDirectory, long kplRateLimit, boolean cbor) {}

  /** Adds one user record; may block while the producer is full. */
  void add(String partitionKey, byte[] data, Completion completion) throws Exception;

  /** The settings that differ from the producer's defaults, for the report. */
  String describe();

  /** The name the report gives each producer, and the class implementing it. */
  static String className(String producer) {
    return switch (producer) {
      case "kpl-codec" -> "io.kplcodec.benchmarks.producer.KplCodecProducer";
      // kpl-codec-kpl is the KPL 1.0.7 API: the same adapter, on kpl-codec-kpl's jar instead of the KPL's.
      case "kpl-1.0.7", "kpl-codec-kpl" -> "io.kplcodec.benchmarks.producer.kpl.Kpl107Producer";
      case "kpl-0.15.12" -> "io.kplcodec.benchmarks.producer.kpl.Kpl015Producer";
      case "none" -> "io.kplcodec.benchmarks.producer.NoProducer";
      default -> throw new IllegalArgumentException("unknown producer " + producer
          + ": kpl-codec, kpl-codec-kpl, kpl-1.0.7, kpl-0.15.12 or none");
    };
  }
}
