package io.kplcodec.fuzz;

import io.kplcodec.compat.AggregationCodec;
import io.kplcodec.compat.KplCodec;

/** kpl-codec through the reusable kit, with its documented (strict) behaviour on protobuf-java's lenient readings. */
class KplCodecConformanceTest extends AggregationCodecContract {
  private static final KplCodec CODEC = KplCodec.strict();

  @Override
  protected AggregationCodec codec() {
    return CODEC;
  }
}
