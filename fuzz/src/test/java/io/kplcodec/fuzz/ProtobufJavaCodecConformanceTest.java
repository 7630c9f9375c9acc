package io.kplcodec.fuzz;

import io.kplcodec.compat.AggregationCodec;
import io.kplcodec.compat.ProtobufJavaCodec;

/**
 * The reference through the same kit, reading leniently as it does: shows the kit's verdicts are about the
 * behaviour, not about kpl-codec (a user's implementation plugs in the same way).
 */
class ProtobufJavaCodecConformanceTest extends AggregationCodecContract {
  private static final ProtobufJavaCodec CODEC = new ProtobufJavaCodec();

  @Override
  protected AggregationCodec codec() {
    return CODEC;
  }

  @Override
  protected DecodeDifferential.Policy policy() {
    return DecodeDifferential.Policy.AS_PROTOBUF_JAVA;
  }
}
