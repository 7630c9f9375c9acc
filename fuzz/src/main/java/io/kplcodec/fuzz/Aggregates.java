package io.kplcodec.fuzz;

import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.Hex;
import io.kplcodec.compat.ProtobufJavaCodec;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Arbitrary Kinesis record data for decoders: aggregates as protobuf-java writes them, mutated aggregates (bit
 * flips, truncation, spliced and duplicated fields, inflated lengths, padded and over-long varints, unknown fields
 * and groups, tags), and arbitrary bytes. After mutating, the MD5 is recomputed in most cases so that the protobuf
 * layer is what gets exercised, not the checksum.
 */
public final class Aggregates {
  private Aggregates() {}

  /** How the (mutated) message is framed into a Kinesis record. */
  public enum Framing {
    /** Magic, message, MD5 of the message: what the KPL writes. */
    VALID,
    /** A right magic and a wrong MD5: not an aggregate, as KCL decides. */
    STALE_MD5,
    /** A wrong magic and a right MD5. */
    BAD_MAGIC,
    /** The message bytes alone. */
    UNFRAMED;

    /** The record for {@code message}. */
    public byte[] frame(byte[] message) {
      switch (this) {
        case VALID:
          return ProtobufJavaCodec.frame(message);
        case STALE_MD5: {
          byte[] out = ProtobufJavaCodec.frame(message);
          out[out.length - 1] ^= 0x01;
          return out;
        }
        case BAD_MAGIC: {
          byte[] out = ProtobufJavaCodec.frame(message);
          out[3] ^= 0x40;
          return out;
        }
        default:
          return message.clone();
      }
    }
  }

  /**
   * A generated Kinesis record and how it was made (printed on failure, so that a report is a recipe).
   *
   * @param records the user records first encoded (canonically, by protobuf-java)
   * @param mutations what was done to the message, in order
   * @param framing how the result was framed
   * @param bytes the Kinesis record's data
   */
  public record Generated(List<CompatRecord> records, List<Mutation> mutations, Framing framing, byte[] bytes) {
    @Override
    public String toString() {
      return "Generated{" + records.size() + " records, mutations=" + mutations + ", framing=" + framing + ", "
          + bytes.length + " bytes: " + Hex.abbreviate(bytes) + "}";
    }
  }

  /** The protobuf message protobuf-java writes for these records (the KPL's canonical form). */
  public static byte[] canonicalMessage(List<CompatRecord> records) {
    return ProtobufJavaCodec.toMessage(records).toByteArray();
  }

  /** Small lists of user records (up to 6, short data): a decoder's logic is in the structure. */
  public static Arbitrary<List<CompatRecord>> smallRecordLists() {
    return UserRecords.builder().records(0, 6).maxDataLength(40).anyExplicitHashKeyText().build();
  }

  /** Valid aggregates as the KPL writes them. */
  public static Arbitrary<Generated> canonical() {
    return smallRecordLists().map(r -> new Generated(r, List.of(), Framing.VALID,
        Framing.VALID.frame(canonicalMessage(r))));
  }

  /** One arbitrary mutation, structural three times as often as byte-level. */
  public static Arbitrary<Mutation> mutations() {
    Arbitrary<Integer> node = Arbitraries.integers().between(0, 1000);
    Arbitrary<Integer> small = Arbitraries.integers().between(0, 255);
    Arbitrary<Mutation.Part> part = Arbitraries.of(Mutation.Part.class);
    Arbitrary<Mutation> structural = Arbitraries.oneOf(
        Combinators.combine(node, part, small).as(Mutation.PadVarint::new),
        Combinators.combine(node, part, Arbitraries.integers().between(0, 0x7F)).as(Mutation.TenByteVarint::new),
        Combinators.combine(node, Arbitraries.of(Mutation.LengthKind.class)).as(Mutation.SetLength::new),
        Combinators.combine(node, Arbitraries.of(Mutation.ValueKind.class)).as(Mutation.SetValue::new),
        Combinators.combine(node, Arbitraries.integers().between(0, Integer.MAX_VALUE))
            .as(Mutation.TagOver32Bits::new),
        Combinators.combine(node, small).as(Mutation.ChangeTag::new),
        node.map(Mutation.Duplicate::new),
        node.map(Mutation.Remove::new),
        Combinators.combine(node, small).as(Mutation.Swap::new),
        Combinators.combine(node, node).as(Mutation.Splice::new),
        Combinators.combine(node, Arbitraries.of(Mutation.Unknown.class), small).as(Mutation.Insert::new));
    Arbitrary<Mutation> bytes = Arbitraries.oneOf(
        Combinators.combine(node, Arbitraries.integers().between(0, 7)).as(Mutation.FlipBit::new),
        Combinators.combine(node, small).as(Mutation.SetByte::new),
        node.map(Mutation.Truncate::new),
        Combinators.combine(node, small).as(Mutation.DeleteBytes::new),
        Combinators.combine(node, Arbitraries.of(Mutation.Chunk.class)).as(Mutation.InsertChunk::new));
    return Arbitraries.frequencyOf(Tuple.of(3, structural), Tuple.of(1, bytes));
  }

  /** Mutated aggregates: one to five mutations of a canonical aggregate, mostly framed with a valid MD5. */
  public static Arbitrary<Generated> mutated() {
    Arbitrary<Framing> framing = Arbitraries.frequency(Tuple.of(92, Framing.VALID), Tuple.of(3, Framing.STALE_MD5),
        Tuple.of(2, Framing.BAD_MAGIC), Tuple.of(3, Framing.UNFRAMED));
    return Combinators.combine(smallRecordLists(), mutations().list().ofMinSize(1).ofMaxSize(5), framing)
        .as((records, mutations, f) -> new Generated(records, mutations, f,
            f.frame(Mutation.applyAll(canonicalMessage(records), mutations))));
  }

  /** Arbitrary bytes up to 96 long: framed with a valid MD5 three times in four, else as they come. */
  public static Arbitrary<Generated> arbitraryBytes() {
    Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(96);
    Arbitrary<Framing> framing = Arbitraries.frequency(Tuple.of(3, Framing.VALID), Tuple.of(1, Framing.UNFRAMED));
    return Combinators.combine(bytes, framing).as((b, f) -> new Generated(List.of(), List.of(), f, f.frame(b)));
  }

  /** All of the above: canonical, mutated and arbitrary, in a 1:6:1 mix. */
  public static Arbitrary<Generated> any() {
    return Arbitraries.frequencyOf(Tuple.of(1, canonical()), Tuple.of(6, mutated()), Tuple.of(1, arbitraryBytes()));
  }

  /** A copy of {@code bytes} (for callers that want to be sure nobody kept the generator's array). */
  static byte[] copy(byte[] bytes) {
    return Arrays.copyOf(bytes, bytes.length);
  }
}
