package io.kplcodec.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every implementation in {@link Implementations} meets, so that one can stand in for another: same
 * bytes from every encoder, and every decoder reads every encoder's output back to the records (as written).
 */
class CodecContractTest {
  /** Generated record lists per pair of implementations (see the README). */
  static final int CASES = 1_000;

  static Stream<Arguments> encoderDecoderPairs() {
    return Implementations.codecs().stream()
        .flatMap(encoder -> Implementations.decoders().stream().map(decoder -> Arguments.of(encoder, decoder)));
  }

  static Stream<AggregationCodec> codecs() {
    return Implementations.codecs().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  void encodesTheSameBytesAsKplCodec(AggregationCodec codec) {
    AggregationCodec kplCodec = KplCodec.strict();
    for (int i = 0; i < CASES; i++) {
      Seeds.Case c = Seeds.of("contract-bytes", i);
      // Explicit hash keys in the forms the KPL accepts: every codec given them as the KPL writes them (issue 22).
      List<CompatRecord> records = new RecordGenerator(c.random, false).kplForms().smallData()
          .records(c.random.nextInt(30));
      assertArrayEquals(kplCodec.encode(records), codec.encode(KplExplicitHashKeys.asSent(records)), c::toString);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("encoderDecoderPairs")
  void decodesWhatAnyCodecEncodes(AggregationCodec encoder, AggregateDecoder decoder) {
    for (int i = 0; i < CASES; i++) {
      Seeds.Case c = Seeds.of("contract-round-trip", i);
      // Valid explicit hash keys: KCL routes by them even without a shard's range.
      List<CompatRecord> records = new RecordGenerator(c.random, false).smallData().records(1 + c.random.nextInt(30));
      byte[] encoded = encoder.encode(records);
      assertEquals(Decoded.aggregated(RecordGenerator.asWritten(records)), decoder.decode(encoded), c::toString);
      byte[] raw = records.get(0).data();
      if (raw.length < 4 || raw[0] != ProtobufJavaCodec.MAGIC[0]) {
        assertEquals(Decoded.notAggregated(raw), decoder.decode(raw), c::toString);
      }
    }
  }
}
