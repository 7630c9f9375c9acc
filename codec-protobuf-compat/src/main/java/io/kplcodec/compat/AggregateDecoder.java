package io.kplcodec.compat;

/**
 * Takes the user records out of one Kinesis record's data: what kpl-codec, protobuf-java and the KCL consumer each
 * do, behind one interface so that conformance tests, fuzzers and benchmarks treat them alike.
 *
 * <p>Implementations in this module are thread-safe. An implementation of your own plugs in by implementing this
 * (or {@link AggregationCodec}) and joining the parameterized conformance tests.
 */
public interface AggregateDecoder {
  /** A short name for reports, for example {@code "kpl-codec"}. */
  String name();

  /**
   * Decodes one Kinesis record's data. Never throws for bad input bytes: a corrupt aggregate is reported as
   * {@link io.kplcodec.Classification#CORRUPT}. (An implementation wrapping a peer with a defect may let that
   * peer's own failure through; see {@link KclCodec}.)
   */
  Decoded decode(byte[] record);
}
