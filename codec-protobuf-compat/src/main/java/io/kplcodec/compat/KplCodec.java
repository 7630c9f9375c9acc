package io.kplcodec.compat;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.Classification;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * kpl-codec behind the common interface: {@link AggregateEncoder} to encode, a {@link Deaggregator} to decode.
 *
 * <p>Decoding reports a corrupt aggregate as {@link io.kplcodec.Classification#CORRUPT} with no records
 * ({@link #strict()}, the default), or passes it through whole as KCL does ({@link #passingCorruptThrough()}); the
 * detail is the {@link CorruptAggregateException}'s message (offset and fixed reason).
 *
 * <p>Thread-safe: the deaggregator is, and each thread encodes with its own encoder.
 */
public final class KplCodec implements AggregationCodec {
  private final Deaggregator deaggregator;
  private final String name;
  private final ThreadLocal<AggregateEncoder> encoders = ThreadLocal.withInitial(AggregateEncoder::new);

  private KplCodec(Deaggregator deaggregator, String name) {
    this.deaggregator = deaggregator;
    this.name = name;
  }

  /** kpl-codec with its defaults: MD5 verified, corrupt aggregates reported, no hash-range filter. */
  public static KplCodec strict() {
    return new KplCodec(Deaggregator.create(), "kpl-codec");
  }

  /** kpl-codec configured as KCL behaves on corrupt aggregates: passed through whole (classified CORRUPT). */
  public static KplCodec passingCorruptThrough() {
    return new KplCodec(Deaggregator.builder().passCorruptAggregatesThrough(true).build(),
        "kpl-codec (corrupt passed through)");
  }

  /** kpl-codec decoding with a deaggregator of your configuration (for example with a hash-range filter). */
  public static KplCodec with(Deaggregator deaggregator) {
    return new KplCodec(Objects.requireNonNull(deaggregator, "deaggregator"), "kpl-codec (custom)");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte[] encode(List<CompatRecord> records) {
    AggregateEncoder encoder = encoders.get();
    encoder.reset();
    try {
      for (CompatRecord record : records) {
        encoder.add(Objects.requireNonNull(record.partitionKey(), "partitionKey"), record.explicitHashKey(),
            record.data());
      }
      return encoder.toByteArray();
    } finally {
      encoder.reset();
    }
  }

  @Override
  public Decoded decode(byte[] record) {
    List<UserRecord> userRecords;
    try {
      userRecords = deaggregator.deaggregate(record);
    } catch (CorruptAggregateException e) {
      return Decoded.corrupt(e.getMessage());
    }
    if (userRecords.size() == 1 && !userRecords.get(0).isAggregated()) {
      // Not aggregated, or corrupt and passed through: tell the two apart as the deaggregator does.
      return switch (deaggregator.classify(record)) {
        case NOT_AGGREGATED -> Decoded.notAggregated(userRecords.get(0).dataBytes());
        case CORRUPT -> Decoded.corruptPassedThrough(userRecords.get(0).dataBytes(), corruptDetail(record));
        case AGGREGATED -> throw new IllegalStateException("A pass-through record from an aggregate");
      };
    }
    List<CompatRecord> records = new ArrayList<>(userRecords.size());
    List<Long> subSequenceNumbers = new ArrayList<>(userRecords.size());
    for (UserRecord userRecord : userRecords) {
      records.add(new CompatRecord(userRecord.partitionKey(), userRecord.explicitHashKey(), userRecord.dataBytes()));
      subSequenceNumbers.add(userRecord.subSequenceNumber());
    }
    return new Decoded(Classification.AGGREGATED, records, subSequenceNumbers, null);
  }

  /** The reason a pass-through deaggregator swallowed, from a strict one. */
  private static String corruptDetail(byte[] record) {
    try {
      Deaggregator.create().deaggregate(record);
      return "corrupt";
    } catch (CorruptAggregateException e) {
      return e.getMessage();
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
