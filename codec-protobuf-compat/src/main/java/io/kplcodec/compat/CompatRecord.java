package io.kplcodec.compat;

import java.util.Arrays;
import java.util.Objects;

/**
 * A user record as every implementation sees it: partition key, optional explicit hash key, data.
 *
 * <p>For a Kinesis record that was not aggregated, {@link AggregateDecoder#decode} returns one record with null keys
 * and the whole input as data (the caller has the Kinesis record's own keys), as kpl-codec's deaggregator does.
 *
 * <p>Equality compares the data bytes, not the array identity. The array is not copied: do not change it while the
 * record is in use. Immutable as long as nobody changes the array; thread-safe then.
 *
 * @param partitionKey the partition key; null only for a record that was not aggregated
 * @param explicitHashKey the explicit hash key (any text: the wire format does not restrict it), or null
 * @param data the data, never null
 */
public record CompatRecord(String partitionKey, String explicitHashKey, byte[] data) {
  public CompatRecord {
    Objects.requireNonNull(data, "data");
  }

  /** The record as a pass-through of {@code data}: null keys, as returned for a record that was not aggregated. */
  public static CompatRecord passThrough(byte[] data) {
    return new CompatRecord(null, null, data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CompatRecord other
        && Objects.equals(partitionKey, other.partitionKey)
        && Objects.equals(explicitHashKey, other.explicitHashKey)
        && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(partitionKey, explicitHashKey) * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "CompatRecord{partitionKey=" + quote(partitionKey)
        + (explicitHashKey == null ? "" : ", explicitHashKey=" + quote(explicitHashKey))
        + ", data=" + Hex.abbreviate(data) + "}";
  }

  /** Keys with escapes for anything outside printable ASCII, so surrogates and U+FFFD are visible in failures. */
  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
        out.append(c);
      } else {
        out.append(String.format("\\u%04X", (int) c));
      }
    }
    return out.append('"').toString();
  }
}
