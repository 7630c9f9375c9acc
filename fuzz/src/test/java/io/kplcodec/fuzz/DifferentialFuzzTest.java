package io.kplcodec.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kplcodec.compat.ProtobufJavaCodec;

/**
 * Jazzer target for the differential rule: the input is a protobuf message, framed with magic and a valid MD5, and
 * kpl-codec (strict and passing corrupt aggregates through) must decode it as protobuf-java does, except for the
 * documented differences, where it must throw exactly the documented reason at the documented offset
 * ({@link DecodeDifferential#checkKplCodec}).
 *
 * <p>Regression mode replays {@code src/test/resources/io/kplcodec/fuzz/DifferentialFuzzTestInputs/
 * agreesWithProtobufJava}; a campaign: see the module README.
 */
class DifferentialFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void agreesWithProtobufJava(byte[] message) {
    DecodeDifferential.checkKplCodec(ProtobufJavaCodec.frame(message));
  }
}
