package io.kplcodec.fuzz;

import io.kplcodec.compat.AggregationCodec;
import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.Decoded;
import io.kplcodec.compat.Hex;
import io.kplcodec.compat.ProtobufJavaCodec;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The conformance properties for any implementation behind codec-protobuf-compat's {@link AggregationCodec}: extend
 * this class in your test sources, return your codec from {@link #codec()}, and jqwik runs every property below
 * against it.
 *
 * <pre>{@code
 * class MyCodecConformanceTest extends AggregationCodecContract {
 *   protected AggregationCodec codec() { return new MyCodec(); }
 *   // optional: how it treats the constructs protobuf-java reads leniently (default STRICT, like kpl-codec)
 *   protected DecodeDifferential.Policy policy() { return DecodeDifferential.Policy.AS_PROTOBUF_JAVA; }
 * }
 * }</pre>
 *
 * <p>Tries per property: {@value #ROUND_TRIP_TRIES} round trips, {@value #SAME_BYTES_TRIES} byte comparisons with
 * protobuf-java, {@value #DIFFERENTIAL_TRIES} differential decodes (canonical, mutated and arbitrary inputs).
 */
public abstract class AggregationCodecContract {
  public static final int ROUND_TRIP_TRIES = 1000;
  public static final int SAME_BYTES_TRIES = 1000;
  public static final int DIFFERENTIAL_TRIES = 6000;

  private static final ProtobufJavaCodec REFERENCE = new ProtobufJavaCodec();

  /** The implementation under test (called once per try; return a shared instance if it is thread-safe). */
  protected abstract AggregationCodec codec();

  /** How the implementation treats protobuf-java's lenient readings; kpl-codec's rule by default. */
  protected DecodeDifferential.Policy policy() {
    return DecodeDifferential.Policy.STRICT;
  }

  /** decode(encode(x)) == x, keys as written (an unpaired surrogate becomes '?'), sub-sequence numbers 0..n-1. */
  @Property(tries = ROUND_TRIP_TRIES)
  public void decodeOfEncodeIsIdentity(@ForAll("userRecordLists") List<CompatRecord> records) {
    AggregationCodec codec = codec();
    byte[] encoded = codec.encode(records);
    // An aggregate of no records is magic + MD5 alone, 20 bytes: every consumer passes it through.
    Decoded expected = records.isEmpty()
        ? Decoded.notAggregated(encoded)
        : Decoded.aggregated(UserRecords.asWritten(records));
    Decoded actual = codec.decode(encoded);
    if (!expected.equals(actual)) {
      throw new AssertionError(codec.name() + " does not decode what it encoded\n  expected: " + expected
          + "\n  actual: " + actual + "\n  encoded: " + Hex.abbreviate(encoded));
    }
    Statistics.label("records").collect(records.size() == 0 ? "0" : records.size() == 1 ? "1" : "2+");
    Statistics.label("explicit hash keys").collect(
        records.stream().anyMatch(r -> r.explicitHashKey() != null) ? "some" : "none");
  }

  /** The same bytes as protobuf-java for the same records (so the same MD5, as conformance vectors compare). */
  @Property(tries = SAME_BYTES_TRIES)
  public void encodesTheSameBytesAsProtobufJava(@ForAll("userRecordLists") List<CompatRecord> records) {
    byte[] expected = REFERENCE.encode(records);
    byte[] actual = codec().encode(records);
    if (!Arrays.equals(expected, actual)) {
      throw new AssertionError(codec().name() + " writes other bytes than protobuf-java for " + records
          + "\n  protobuf-java: " + Hex.abbreviate(expected) + "\n  " + codec().name() + ": "
          + Hex.abbreviate(actual));
    }
  }

  /** Canonical, mutated and arbitrary inputs decode as protobuf-java decodes them, up to the documented differences. */
  @Property(tries = DIFFERENTIAL_TRIES)
  public void decodesLikeProtobufJava(@ForAll("kinesisRecords") Aggregates.Generated input) {
    DecodeDifferential.Verdict verdict = DecodeDifferential.of(codec(), policy()).check(input.bytes());
    Statistics.label("outcome").collect(verdict.outcome());
    if (verdict.finding() != null) {
      Statistics.label("documented difference").collect(verdict.finding().difference());
    }
  }

  /**
   * Explicit hash keys canonical, as every real producer writes them: the KPL and kpl-codec write any other form they
   * accept canonically and refuse the rest (issue 22), where protobuf-java writes the text as given.
   */
  @Provide
  Arbitrary<List<CompatRecord>> userRecordLists() {
    return UserRecords.builder().build();
  }

  @Provide
  Arbitrary<Aggregates.Generated> kinesisRecords() {
    return Aggregates.any();
  }
}
