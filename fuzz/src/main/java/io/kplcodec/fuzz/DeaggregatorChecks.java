package io.kplcodec.fuzz;

import io.kplcodec.Classification;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.Deaggregator.DropReason;
import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.HashKeyRange;
import io.kplcodec.UserRecord;
import io.kplcodec.compat.Hex;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * kpl-codec's {@link Deaggregator} on one input through every entry point: {@code byte[]} and every buffer kind
 * (heap, heap at an offset, heap slice, direct at an offset, read-only), {@code classify}, {@code deaggregate},
 * {@code iterator}, {@code stream} and {@code visit}; strict, passing corrupt aggregates through, and without the
 * MD5 check; and, given a hash key range, under every {@link HashRangePolicy}. Checks that:
 *
 * <ul>
 *   <li>nothing but {@link CorruptAggregateException} escapes, and its message, reason and offset are consistent;
 *   <li>every entry point and buffer kind gives the same user records (or the same exception), the
 *       classification agrees with them, and the caller's buffer position, limit and bytes are untouched;
 *   <li>with a hash range, kept + dropped == total: every dropped record is reported once with the right reason,
 *       decided by an independent {@link BigInteger} computation of each record's hash key.
 * </ul>
 *
 * Thread-safe. Used by the Jazzer decoder target and by the jqwik properties.
 */
public final class DeaggregatorChecks {
  /** Where the input lives when it is decoded. */
  public enum BufferKind {
    HEAP, HEAP_AT_OFFSET, HEAP_SLICE, DIRECT_AT_OFFSET, READ_ONLY
  }

  /** A user record as every entry point can report it. */
  record Out(String partitionKey, String explicitHashKey, byte[] data, long subSequenceNumber, boolean aggregated) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Out other && Objects.equals(partitionKey, other.partitionKey)
          && Objects.equals(explicitHashKey, other.explicitHashKey) && Arrays.equals(data, other.data)
          && subSequenceNumber == other.subSequenceNumber && aggregated == other.aggregated;
    }

    @Override
    public int hashCode() {
      return Objects.hash(partitionKey, explicitHashKey, subSequenceNumber, aggregated) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "#" + subSequenceNumber + (aggregated ? "" : " raw") + " pk=" + partitionKey
          + (explicitHashKey == null ? "" : " ehk=" + explicitHashKey) + " data=" + Hex.abbreviate(data);
    }
  }

  /** The outcome of one decode: records, or the exception's reason and offset. */
  record Result(List<Out> records, CorruptAggregateException.Reason reason, long offset) {
    static Result of(List<Out> records) {
      return new Result(List.copyOf(records), null, -1);
    }

    static Result of(CorruptAggregateException e) {
      return new Result(null, e.reason(), e.offset());
    }

    boolean corrupt() {
      return reason != null;
    }

    @Override
    public String toString() {
      return corrupt() ? "CorruptAggregateException(" + reason + " at " + offset + ")" : records.toString();
    }
  }

  /**
   * What the checks saw, for statistics.
   *
   * @param classification the strict deaggregator's classification
   * @param userRecords user records emitted by the strict deaggregator
   * @param dropped user records the hash-range filter dropped (under DROP_OUT_OF_RANGE_RECORDS), or -1 without a
   *     range
   */
  public record Summary(Classification classification, int userRecords, int dropped) {}

  private static final Deaggregator STRICT = Deaggregator.create();
  private static final Deaggregator UNVERIFIED = Deaggregator.builder().verifyMd5(false).build();

  private DeaggregatorChecks() {}

  /**
   * Runs every check on {@code record}, with the hash-range checks if {@code range} is not null.
   *
   * @throws AssertionError on any inconsistency (any exception other than {@link CorruptAggregateException}
   *     propagates as it is)
   */
  public static Summary check(byte[] record, HashKeyRange range) {
    byte[] original = record.clone();
    Context c = new Context(record);
    Result reference = decode(STRICT, ByteBuffer.wrap(record), c, "deaggregate(ByteBuffer.wrap)");
    Result fromArray = capture(() -> outs(STRICT.deaggregate(record)));
    c.expectSame("deaggregate(byte[])", reference, fromArray);
    Classification classification = STRICT.classify(record);
    c.expectConsistent(classification, reference);

    for (BufferKind kind : BufferKind.values()) {
      ByteBuffer b = buffer(kind, record);
      c.expectSame("classify(" + kind + ")", classification, c.unchanged(b, () -> STRICT.classify(b)));
      c.expectSame("deaggregate(" + kind + ")", reference, decode(STRICT, b, c, "deaggregate(" + kind + ")"));
      c.expectSame("iterator(" + kind + ")", reference, c.unchanged(b, () -> capture(() -> iterate(STRICT, b))));
      c.expectSame("stream(" + kind + ")", reference,
          c.unchanged(b, () -> capture(() -> STRICT.stream(b).map(DeaggregatorChecks::out).toList())));
      c.expectSame("visit(" + kind + ")", reference, c.unchanged(b, () -> capture(() -> visit(STRICT, b, c,
          classification))));
    }
    checkPassThrough(c, reference);
    checkUnverified(c, reference);
    int dropped = -1;
    if (range != null) {
      dropped = checkHashRange(c, reference, range);
    }
    if (!Arrays.equals(original, record)) {
      throw c.fail("the deaggregator changed its input");
    }
    return new Summary(classification, reference.corrupt() ? 0 : reference.records().size(), dropped);
  }

  /** The input in a buffer of the given kind, positioned on it. */
  public static ByteBuffer buffer(BufferKind kind, byte[] record) {
    int n = record.length;
    switch (kind) {
      case HEAP:
        return ByteBuffer.wrap(record);
      case HEAP_AT_OFFSET: {
        byte[] array = junk(n + 11);
        System.arraycopy(record, 0, array, 5, n);
        return ByteBuffer.wrap(array, 5, n);
      }
      case HEAP_SLICE: {
        byte[] array = junk(n + 7);
        System.arraycopy(record, 0, array, 3, n);
        return ByteBuffer.wrap(array, 3, n).slice();
      }
      case DIRECT_AT_OFFSET: {
        ByteBuffer direct = ByteBuffer.allocateDirect(n + 9);
        direct.put(junk(4)).put(record).put(junk(5));
        direct.position(4).limit(4 + n);
        return direct;
      }
      default: {
        byte[] array = junk(n + 4);
        System.arraycopy(record, 0, array, 2, n);
        return ByteBuffer.wrap(array, 2, n).asReadOnlyBuffer();
      }
    }
  }

  private static byte[] junk(int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) 0xA5);
    return b;
  }

  private static void checkPassThrough(Context c, Result reference) {
    List<CorruptAggregateException> passed = new ArrayList<>();
    Deaggregator d = Deaggregator.builder().passCorruptAggregatesThrough(true)
        .listener(new Deaggregator.Listener() {
          @Override
          public void corruptPassedThrough(CorruptAggregateException cause) {
            passed.add(cause);
          }
        }).build();
    ByteBuffer b = buffer(BufferKind.DIRECT_AT_OFFSET, c.record);
    Result result = c.unchanged(b, () -> capture(() -> outs(d.deaggregate(b))));
    if (reference.corrupt()) {
      c.expectSame("passCorruptAggregatesThrough", Result.of(List.of(new Out(null, null, c.record, 0, false))),
          result);
      if (passed.size() != 1 || passed.get(0).reason() != reference.reason()
          || passed.get(0).offset() != reference.offset()) {
        throw c.fail("passCorruptAggregatesThrough: the listener heard " + passed + ", expected one "
            + reference.reason() + " at " + reference.offset());
      }
      Classification visited = d.visit(c.record, (pk, ehk, source, offset, length, sub) -> {});
      c.expectSame("passCorruptAggregatesThrough visit", Classification.CORRUPT, visited);
    } else {
      c.expectSame("passCorruptAggregatesThrough", reference, result);
      if (!passed.isEmpty()) {
        throw c.fail("passCorruptAggregatesThrough: the listener heard " + passed + " for a valid record");
      }
    }
  }

  private static void checkUnverified(Context c, Result reference) {
    ByteBuffer b = buffer(BufferKind.READ_ONLY, c.record);
    Result result = c.unchanged(b, () -> decode(UNVERIFIED, b, c, "verifyMd5(false)"));
    Classification classification = UNVERIFIED.classify(c.record);
    c.expectConsistent(classification, result);
    boolean framedLikeAnAggregate = c.record.length >= 21 && c.record[0] == (byte) 0xF3
        && c.record[1] == (byte) 0x89 && c.record[2] == (byte) 0x9A && c.record[3] == (byte) 0xC2;
    if (classification == Classification.NOT_AGGREGATED && framedLikeAnAggregate) {
      throw c.fail("verifyMd5(false) passed a framed record through");
    }
    if (reference.corrupt() || reference.records().isEmpty() || reference.records().get(0).aggregated()) {
      c.expectSame("verifyMd5(false) on a record with a valid MD5", reference, result);
    }
  }

  /** The hash-range checks; returns how many records DROP_OUT_OF_RANGE_RECORDS dropped. */
  private static int checkHashRange(Context c, Result reference, HashKeyRange range) {
    BigInteger start = new BigInteger(range.startingHashKey());
    BigInteger end = new BigInteger(range.endingHashKey());
    boolean aggregated = !reference.corrupt() && !reference.records().isEmpty()
        && reference.records().get(0).aggregated();
    boolean invalidKey = false;
    boolean[] inRange = new boolean[aggregated ? reference.records().size() : 0];
    for (int i = 0; i < inRange.length; i++) {
      Out r = reference.records().get(i);
      BigInteger key = HashKeys.ofRecord(r.partitionKey(), r.explicitHashKey());
      invalidKey |= key == null;
      inRange[i] = key != null && start.compareTo(key) <= 0 && key.compareTo(end) <= 0;
    }
    int droppedOutOfRange = 0;
    for (HashRangePolicy policy : HashRangePolicy.values()) {
      List<Object[]> drops = new ArrayList<>();
      Deaggregator.Listener listener = new Deaggregator.Listener() {
        @Override
        public void dropped(UserRecord record, DropReason reason) {
          drops.add(new Object[] {out(record), reason});
        }
      };
      Deaggregator d = Deaggregator.builder().hashRange(range).hashRangePolicy(policy).listener(listener).build();
      String what = "hash range " + range + " " + policy;
      Result result = capture(() -> outs(d.deaggregate(c.record)));
      List<Out> expectedKept = new ArrayList<>();
      List<Object[]> expectedDrops = new ArrayList<>();
      Result expected;
      if (!aggregated || policy == HashRangePolicy.KEEP_ALL) {
        expected = reference;
      } else if (invalidKey) {
        // The filter needs every record's hash key: an explicit hash key that is not one makes the record corrupt.
        if (!result.corrupt() || result.reason() != CorruptAggregateException.Reason.INVALID_EXPLICIT_HASH_KEY
            || result.offset() < 4 || result.offset() >= c.record.length - 16 || !drops.isEmpty()) {
          throw c.fail(what + ": an explicit hash key is not a hash key, expected INVALID_EXPLICIT_HASH_KEY and no "
              + "drops, got " + result + " and " + drops.size() + " drops");
        }
        c.expectSame(what + " classify", Classification.CORRUPT, d.classify(c.record));
        continue;
      } else {
        boolean anyOut = false;
        for (boolean b : inRange) {
          anyOut |= !b;
        }
        for (int i = 0; i < inRange.length; i++) {
          Out r = reference.records().get(i);
          if (inRange[i] && !(anyOut && policy == HashRangePolicy.DROP_WHOLE_AGGREGATE)) {
            expectedKept.add(r);
          } else {
            expectedDrops.add(new Object[] {r, inRange[i] ? DropReason.AGGREGATE_DROPPED : DropReason.OUT_OF_RANGE});
          }
        }
        expected = Result.of(expectedKept);
      }
      c.expectSame(what, expected, result);
      expectDrops(c, what, expectedDrops, drops);
      if (policy == HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS) {
        droppedOutOfRange = expectedDrops.size();
        // The iterator reports drops as it passes them, the visitor before it returns: the same in the end.
        drops.clear();
        ByteBuffer b = buffer(BufferKind.DIRECT_AT_OFFSET, c.record);
        c.expectSame(what + " iterator", expected, c.unchanged(b, () -> capture(() -> iterate(d, b))));
        expectDrops(c, what + " iterator", expectedDrops, drops);
        drops.clear();
        Deaggregator viaBase = Deaggregator.builder().hashRangePolicy(policy).listener(listener).build()
            .toBuilder().hashRange(range).build();
        ByteBuffer h = buffer(BufferKind.HEAP_SLICE, c.record);
        c.expectSame(what + " toBuilder visit", expected,
            c.unchanged(h, () -> capture(() -> visit(viaBase, h, c, null))));
        expectDrops(c, what + " toBuilder visit", expectedDrops, drops);
      }
    }
    return droppedOutOfRange;
  }

  private static void expectDrops(Context c, String what, List<Object[]> expected, List<Object[]> actual) {
    boolean same = expected.size() == actual.size();
    for (int i = 0; same && i < expected.size(); i++) {
      same = expected.get(i)[0].equals(actual.get(i)[0]) && expected.get(i)[1] == actual.get(i)[1];
    }
    if (!same) {
      throw c.fail(what + ": expected drops " + describe(expected) + " but the listener heard " + describe(actual));
    }
  }

  private static String describe(List<Object[]> drops) {
    List<String> out = new ArrayList<>();
    for (Object[] d : drops) {
      out.add(d[0] + " " + d[1]);
    }
    return out.toString();
  }

  private static Result decode(Deaggregator d, ByteBuffer b, Context c, String what) {
    return c.unchanged(b, () -> capture(() -> outs(d.deaggregate(b))));
  }

  private static List<Out> iterate(Deaggregator d, ByteBuffer b) {
    List<Out> out = new ArrayList<>();
    Iterator<UserRecord> it = d.iterator(b);
    while (it.hasNext()) {
      out.add(out(it.next()));
    }
    return out;
  }

  private static List<Out> visit(Deaggregator d, ByteBuffer b, Context c, Classification expected) {
    List<Out> out = new ArrayList<>();
    int position = b.position();
    int remaining = b.remaining();
    Classification classification = d.visit(b, (pk, ehk, source, offset, length, sub) -> {
      if (source != b || source.position() != position || source.remaining() != remaining) {
        throw c.fail("visit: the source is not the input buffer as passed: " + source);
      }
      if (offset < position || length < 0 || (long) offset + length > (long) position + remaining) {
        throw c.fail("visit: a range outside the input: offset " + offset + " length " + length + " in " + source);
      }
      if (pk == null && (ehk != null || offset != position || length != remaining || sub != 0)) {
        throw c.fail("visit: a pass-through must be the whole input, got offset " + offset + " length " + length);
      }
      byte[] data = new byte[length];
      source.duplicate().position(offset).get(data);
      out.add(new Out(pk, ehk, data, sub, pk != null));
    });
    if (classification != expected && expected != null) {
      throw c.fail("visit returned " + classification + ", classify said " + expected);
    }
    return out;
  }

  private static List<Out> outs(List<UserRecord> records) {
    List<Out> out = new ArrayList<>(records.size());
    for (UserRecord r : records) {
      out.add(out(r));
    }
    return out;
  }

  private static Out out(UserRecord r) {
    ByteBuffer view = r.data();
    if (!view.isReadOnly() || view.position() != 0 || view.remaining() != r.dataBytes().length) {
      throw new AssertionError("UserRecord.data() must be a read-only view from 0: " + view + " of " + r);
    }
    return new Out(r.partitionKey(), r.explicitHashKey(), r.dataBytes(), r.subSequenceNumber(), r.isAggregated());
  }

  private interface Decode {
    List<Out> run();
  }

  /** Runs a decode; only {@link CorruptAggregateException} is caught, and its message is checked. */
  private static Result capture(Decode decode) {
    try {
      return Result.of(decode.run());
    } catch (CorruptAggregateException e) {
      String expected = "Corrupt aggregated record at offset " + e.offset() + ": " + e.reason().description();
      if (!expected.equals(e.getMessage())) {
        throw new AssertionError("Unexpected message: " + e.getMessage(), e);
      }
      return Result.of(e);
    }
  }

  /** The input and how to report on it. */
  private static final class Context {
    final byte[] record;

    Context(byte[] record) {
      this.record = record;
    }

    AssertionError fail(String what) {
      return new AssertionError(what + "\n  input (" + record.length + " bytes): " + Hex.of(record));
    }

    void expectSame(String what, Object expected, Object actual) {
      if (!Objects.equals(expected, actual)) {
        throw fail(what + ": expected " + expected + " but got " + actual);
      }
    }

    /** Checks the shape of a strict result against its classification. */
    void expectConsistent(Classification classification, Result result) {
      switch (classification) {
        case CORRUPT:
          if (!result.corrupt()) {
            throw fail("classified CORRUPT but decoded to " + result);
          }
          if (result.offset() < 4 || result.offset() >= record.length - 16) {
            throw fail("offset " + result.offset() + " outside the protobuf message of " + result);
          }
          return;
        case NOT_AGGREGATED:
          expectSame("classified NOT_AGGREGATED", Result.of(List.of(new Out(null, null, record, 0, false))), result);
          return;
        default:
          if (result.corrupt()) {
            throw fail("classified AGGREGATED but decoded to " + result);
          }
          for (int i = 0; i < result.records().size(); i++) {
            Out r = result.records().get(i);
            if (!r.aggregated() || r.subSequenceNumber() != i || r.partitionKey() == null) {
              throw fail("user record " + i + " of an aggregate is " + r);
            }
          }
      }
    }

    /** Runs {@code call} and checks it left the buffer's position, limit and bytes as they were. */
    <T> T unchanged(ByteBuffer b, java.util.function.Supplier<T> call) {
      int position = b.position();
      int limit = b.limit();
      byte[] before = new byte[b.capacity()];
      b.duplicate().clear().get(before);
      T result = call.get();
      byte[] after = new byte[b.capacity()];
      b.duplicate().clear().get(after);
      if (b.position() != position || b.limit() != limit || !Arrays.equals(before, after)) {
        throw fail("the deaggregator moved or changed the caller's buffer " + b);
      }
      return result;
    }
  }
}
