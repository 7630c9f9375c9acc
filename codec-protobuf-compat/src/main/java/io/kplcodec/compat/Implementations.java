package io.kplcodec.compat;

import java.util.ArrayList;
import java.util.List;

/**
 * Every implementation this module knows, for tests, fuzzers and benchmarks that run over all of them. To plug in
 * your own, implement {@link AggregationCodec} (or {@link AggregateDecoder} if it only decodes) and add it to
 * these lists (or to your own copy of them): the contract tests then hold it to the same bytes and records.
 */
public final class Implementations {
  private Implementations() {}

  /** Implementations that encode and decode: kpl-codec and the protobuf-java reference. */
  public static List<AggregationCodec> codecs() {
    return List.of(KplCodec.strict(), new ProtobufJavaCodec());
  }

  /** Implementations that decode: the codecs, and KCL 3.5.1. */
  public static List<AggregateDecoder> decoders() {
    List<AggregateDecoder> decoders = new ArrayList<>(codecs());
    decoders.add(KclCodec.create());
    return List.copyOf(decoders);
  }
}
