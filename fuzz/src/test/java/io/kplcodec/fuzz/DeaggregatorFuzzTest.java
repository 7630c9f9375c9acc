package io.kplcodec.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kplcodec.HashKeyRange;
import io.kplcodec.compat.ProtobufJavaCodec;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * Jazzer target for the decoder: {@link DeaggregatorChecks} (every entry point and buffer kind, strict, passing
 * corrupt aggregates through, without MD5, and with a hash range under every policy) on one input.
 *
 * <p>Input: a control byte, then a protobuf message. Bits 0-1 of the control byte frame the message (0 and 1:
 * magic and a valid MD5, so the fuzzer reaches the protobuf layer; 2: the bytes as they are; 3: a stale MD5);
 * bits 2-4 choose the consuming shard's hash range (0: none).
 *
 * <p>Regression mode (the normal build) replays {@code src/test/resources/io/kplcodec/fuzz/
 * DeaggregatorFuzzTestInputs/deaggregate}; a campaign: see the module README.
 */
class DeaggregatorFuzzTest {
  private static final BigInteger TWO_POW_127 = BigInteger.ONE.shiftLeft(127);
  private static final HashKeyRange[] RANGES = {
      null,
      HashKeyRange.all(),
      HashKeyRange.of("0", "0"),
      HashKeyRange.of(HashKeys.MAX.toString(), HashKeys.MAX.toString()),
      HashKeyRange.of("0", TWO_POW_127.subtract(BigInteger.ONE).toString()),
      HashKeyRange.of(TWO_POW_127.toString(), HashKeys.MAX.toString()),
      HashKeyRange.of(BigInteger.ONE.shiftLeft(64).toString(), TWO_POW_127.toString()),
      HashKeyRange.of("1", HashKeys.MAX.subtract(BigInteger.ONE).toString())};

  @FuzzTest(maxDuration = "30s")
  void deaggregate(byte[] input) {
    DeaggregatorChecks.check(record(input), range(input));
  }

  /** The Kinesis record an input stands for. */
  static byte[] record(byte[] input) {
    if (input.length == 0) {
      return input;
    }
    byte[] message = Arrays.copyOfRange(input, 1, input.length);
    switch (input[0] & 3) {
      case 2:
        return message;
      case 3:
        return Aggregates.Framing.STALE_MD5.frame(message);
      default:
        return ProtobufJavaCodec.frame(message);
    }
  }

  static HashKeyRange range(byte[] input) {
    return input.length == 0 ? null : RANGES[(input[0] >>> 2) & 7];
  }
}
