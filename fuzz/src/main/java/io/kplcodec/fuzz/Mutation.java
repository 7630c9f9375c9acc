package io.kplcodec.fuzz;

import io.kplcodec.compat.Hex;
import io.kplcodec.compat.Wire;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One edit of an {@code AggregatedRecord} message. Structural mutations edit the message as a {@link WireTree}
 * (so that enclosing lengths stay right unless the mutation breaks one on purpose); byte mutations edit the
 * serialized bytes. Every parameter is a plain number chosen modulo what is there, so a generator can draw and
 * shrink them freely and a failure report reads as a recipe.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface Mutation {
  /** Which varint of a field. */
  enum Part {
    TAG, LENGTH, VALUE
  }

  /** What to write as a length-delimited field's length instead of the true one {@code n}. */
  enum LengthKind {
    PLUS_ONE, MINUS_ONE, ZERO, DOUBLE, PLUS_2_32, INT_MAX, TWO_POW_31, TWO_POW_32, TWO_POW_63, UINT64_MAX;

    long of(long n) {
      switch (this) {
        case PLUS_ONE: return n + 1;
        case MINUS_ONE: return n - 1;
        case ZERO: return 0;
        case DOUBLE: return 2 * n + 1;
        case PLUS_2_32: return n + (1L << 32);
        case INT_MAX: return Integer.MAX_VALUE;
        case TWO_POW_31: return 1L << 31;
        case TWO_POW_32: return 1L << 32;
        case TWO_POW_63: return Long.MIN_VALUE;
        default: return -1L;
      }
    }
  }

  /** A new value for a varint field (for a table index: inside, at the edge of, or far outside its table). */
  enum ValueKind {
    ZERO, ONE, PLUS_ONE, MINUS_ONE, INT_MAX, TWO_POW_31, TWO_POW_32, PLUS_2_32, TWO_POW_63, UINT64_MAX;

    long of(long v) {
      switch (this) {
        case ZERO: return 0;
        case ONE: return 1;
        case PLUS_ONE: return v + 1;
        case MINUS_ONE: return v - 1;
        case INT_MAX: return Integer.MAX_VALUE;
        case TWO_POW_31: return 1L << 31;
        case TWO_POW_32: return 1L << 32;
        case PLUS_2_32: return v + (1L << 32);
        case TWO_POW_63: return Long.MIN_VALUE;
        default: return -1L;
      }
    }
  }

  /** An extra field to insert. */
  enum Unknown {
    VARINT, FIXED32, FIXED64, BYTES, EMPTY_BYTES, GROUP, NESTED_GROUPS, TAG_WITH_KEY, TAG_WITHOUT_KEY,
    PARTITION_KEY_INDEX, EXPLICIT_HASH_KEY_INDEX, DATA, PARTITION_KEY_ENTRY, EXPLICIT_HASH_KEY_ENTRY, EMPTY_RECORD
  }

  /** Byte strings that steer a protobuf parser. */
  enum Chunk {
    VARINT_2_32_MINUS_1("FFFFFFFF0F"), VARINT_2_32("8080808010"), VARINT_INT_MAX("FFFFFFFF07"),
    VARINT_2_63("80808080808080808001"), VARINT_UINT64_MAX("FFFFFFFFFFFFFFFFFF01"),
    TEN_BYTE_ZERO("80808080808080808000"), TENTH_BYTE_7F("8080808080808080807F"),
    ELEVEN_BYTES("8080808080808080808000"), PK_INDEX_0("0800"), EHK_INDEX_0("1000"), EMPTY_DATA("1A00"),
    EMPTY_KEY("0A00"), EMPTY_EHK("1200"), EMPTY_TAG("2200"), MINIMAL_RECORD("1A040800" + "1A00"),
    TAG_WITH_KEY("22020A00"), GROUP_1("0B0C"), END_GROUP_1("0C"), START_GROUP_1("0B"), FIELD_0("00"),
    WIRE_TYPE_6("0E"), WIRE_TYPE_7("0F"), EHK_DECIMAL("12023432"), EHK_NOT_A_NUMBER("1203312E30");

    final byte[] bytes;

    Chunk(String hex) {
      this.bytes = Hex.parse(hex);
    }
  }

  /** Interesting single byte values. */
  int[] INTERESTING = {0x00, 0x01, 0x02, 0x07, 0x08, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x12, 0x1A, 0x22,
      0x23, 0x24, 0x7F, 0x80, 0x81, 0xFF};

  /** New tags for {@link ChangeTag}. */
  long[] TAGS = {0x08, 0x10, 0x1A, 0x22, 0x0A, 0x12, 0x0B, 0x0C, 0x09, 0x0D, 0x0E, 0x0F, 0x28, 0x2A, 0x00, 0x02,
      0x1B, 0x1C, 0x11, 0x18, 0x3FFFFFFFAL /* field 2^29-1 */, 0x7FFFFFFFAL};

  // ---- structural ----

  /** Adds redundant continuation bytes to one varint of a field (valid protobuf, non-canonical). */
  record PadVarint(int node, Part part, int extraBytes) implements Mutation {}

  /** Rewrites one varint of a field in ten bytes with the given last byte (above 1: bits beyond 64). */
  record TenByteVarint(int node, Part part, int lastByte) implements Mutation {}

  /** Writes a wrong length for a length-delimited field, keeping its payload. */
  record SetLength(int node, LengthKind kind) implements Mutation {}

  /** Sets a varint field's value. */
  record SetValue(int node, ValueKind kind) implements Mutation {}

  /** Adds {@code high * 2^32} to a field's tag (protobuf-java reads tags modulo 2^32). */
  record TagOver32Bits(int node, int high) implements Mutation {}

  /** Replaces a field's tag, keeping the rest of its bytes. */
  record ChangeTag(int node, int tagChoice) implements Mutation {}

  /** Repeats a field right after itself. */
  record Duplicate(int node) implements Mutation {}

  /** Removes a field. */
  record Remove(int node) implements Mutation {}

  /** Swaps a field with a sibling. */
  record Swap(int node, int sibling) implements Mutation {}

  /** Copies a field to before another field, possibly at another level (a Record inside a Record...). */
  record Splice(int node, int target) implements Mutation {}

  /** Inserts a field before a field (or at the end of the message for the last position). */
  record Insert(int node, Unknown kind, int size) implements Mutation {}

  // ---- bytes ----

  record FlipBit(int position, int bit) implements Mutation {}

  record SetByte(int position, int valueChoice) implements Mutation {}

  record Truncate(int position) implements Mutation {}

  record DeleteBytes(int position, int length) implements Mutation {}

  record InsertChunk(int position, Chunk chunk) implements Mutation {}

  /** Applies {@code mutations} in order to {@code message}. */
  static byte[] applyAll(byte[] message, List<Mutation> mutations) {
    byte[] out = message;
    for (Mutation m : mutations) {
      out = m.apply(out);
    }
    return out;
  }

  /** This mutation applied to {@code message} (a structural one on a message that does not parse: unchanged). */
  default byte[] apply(byte[] message) {
    if (this instanceof FlipBit || this instanceof SetByte || this instanceof Truncate || this instanceof DeleteBytes
        || this instanceof InsertChunk) {
      return applyToBytes(this, message);
    }
    WireTree tree = WireTree.parse(message);
    if (tree == null) {
      return message;
    }
    List<WireTree.Located> nodes = tree.nodes();
    if (!Structural.apply(this, tree, nodes)) {
      return message;
    }
    return tree.serialize();
  }

  private static byte[] applyToBytes(Mutation m, byte[] in) {
    if (m instanceof InsertChunk c) {
      int at = in.length == 0 ? 0 : Math.floorMod(c.position(), in.length + 1);
      return concat(Arrays.copyOfRange(in, 0, at), c.chunk().bytes, Arrays.copyOfRange(in, at, in.length));
    }
    if (in.length == 0) {
      return in;
    }
    int p = Math.floorMod(positionOf(m), in.length);
    byte[] out = in.clone();
    if (m instanceof FlipBit f) {
      out[p] ^= (byte) (1 << Math.floorMod(f.bit(), 8));
      return out;
    }
    if (m instanceof SetByte s) {
      out[p] = (byte) INTERESTING[Math.floorMod(s.valueChoice(), INTERESTING.length)];
      return out;
    }
    if (m instanceof Truncate) {
      return Arrays.copyOf(in, p);
    }
    DeleteBytes d = (DeleteBytes) m;
    int length = 1 + Math.floorMod(d.length(), Math.min(16, in.length - p));
    return concat(Arrays.copyOfRange(in, 0, p), Arrays.copyOfRange(in, p + length, in.length));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static int positionOf(Mutation m) {
    if (m instanceof FlipBit f) {
      return f.position();
    }
    if (m instanceof SetByte s) {
      return s.position();
    }
    if (m instanceof Truncate t) {
      return t.position();
    }
    return ((DeleteBytes) m).position();
  }

  /** The structural mutations, on a parsed tree. */
  final class Structural {
    private Structural() {}

    static boolean apply(Mutation m, WireTree tree, List<WireTree.Located> nodes) {
      if (m instanceof Insert ins) {
        return insert(ins, tree, nodes);
      }
      if (nodes.isEmpty()) {
        return false;
      }
      // A mutation that needs a wire type picks among the fields of that type, so that it applies.
      int wanted = wireTypeNeeded(m);
      List<WireTree.Located> candidates = nodes;
      if (wanted >= 0) {
        candidates = new ArrayList<>();
        for (WireTree.Located l : nodes) {
          if (l.node().wireType() == wanted) {
            candidates.add(l);
          }
        }
        if (candidates.isEmpty()) {
          return false;
        }
      }
      WireTree.Located at = candidates.get(Math.floorMod(nodeOf(m), candidates.size()));
      WireTree.Node n = at.node();
      if (m instanceof PadVarint p) {
        return pad(n, p.part(), 1 + Math.floorMod(p.extraBytes(), 9));
      }
      if (m instanceof TenByteVarint t) {
        return tenBytes(n, t.part(), Math.floorMod(t.lastByte(), 0x80));
      }
      if (m instanceof SetLength s) {
        if (n.wireType() != Wire.LENGTH_DELIMITED) {
          return false;
        }
        long actual = n.children != null ? serializedLength(n) : n.value.length;
        n.lengthOverride = s.kind().of(actual);
        return true;
      }
      if (m instanceof SetValue s) {
        if (n.wireType() != Wire.VARINT) {
          return false;
        }
        n.value = Wire.varint(s.kind().of(Wire.readLenient(n.value)));
        return true;
      }
      if (m instanceof TagOver32Bits t) {
        long high = 1 + Math.floorMod(t.high(), 0x7FFFFFFF);
        n.tag = Wire.varint(n.tagValue() + (high << 32));
        return true;
      }
      if (m instanceof ChangeTag c) {
        n.tag = Wire.varint(TAGS[Math.floorMod(c.tagChoice(), TAGS.length)]);
        return true;
      }
      List<WireTree.Node> siblings = at.siblings();
      int index = indexOf(siblings, n);
      if (m instanceof Duplicate) {
        siblings.add(index + 1, n.copy());
        return true;
      }
      if (m instanceof Remove) {
        siblings.remove(index);
        return true;
      }
      if (m instanceof Swap s) {
        int other = Math.floorMod(s.sibling(), siblings.size());
        siblings.set(index, siblings.get(other));
        siblings.set(other, n);
        return true;
      }
      Splice s = (Splice) m;
      WireTree.Located target = nodes.get(Math.floorMod(s.target(), nodes.size()));
      if (isWithin(target.node(), n)) {
        return false; // copying a field into itself
      }
      target.siblings().add(indexOf(target.siblings(), target.node()), n.copy());
      return true;
    }

    private static boolean insert(Insert ins, WireTree tree, List<WireTree.Located> nodes) {
      int slot = Math.floorMod(ins.node(), nodes.size() + 1);
      List<WireTree.Node> siblings;
      int index;
      WireTree.Level level;
      if (slot == nodes.size()) {
        siblings = tree.roots;
        index = siblings.size();
        level = WireTree.Level.AGGREGATE;
      } else {
        WireTree.Located at = nodes.get(slot);
        siblings = at.siblings();
        index = indexOf(siblings, at.node());
        level = at.level();
      }
      WireTree.Node field = newField(ins.kind(), Math.floorMod(ins.size(), 128), level);
      siblings.add(index, field);
      return true;
    }

    private static WireTree.Node newField(Unknown kind, int size, WireTree.Level level) {
      WireTree.Node n = new WireTree.Node();
      switch (kind) {
        case VARINT:
          n.tag = Wire.tag(5 + size % 11, Wire.VARINT);
          n.value = Wire.varint((long) size * 131);
          return n;
        case FIXED32:
          n.tag = Wire.tag(5 + size % 11, Wire.FIXED32);
          n.value = new byte[] {1, 2, 3, (byte) size};
          return n;
        case FIXED64:
          n.tag = Wire.tag(5 + size % 11, Wire.FIXED64);
          n.value = new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) size};
          return n;
        case BYTES:
        case EMPTY_BYTES:
          n.tag = Wire.tag(5 + size % 11, Wire.LENGTH_DELIMITED);
          n.value = new byte[kind == Unknown.EMPTY_BYTES ? 0 : 1 + size % 9];
          Arrays.fill(n.value, (byte) 0x0A);
          return n;
        case GROUP:
        case NESTED_GROUPS: {
          // Nested groups around protobuf-java's recursion limit (100, counting the Record and Tag levels).
          int depth = kind == Unknown.GROUP ? 1 : 96 + size % 8;
          WireTree.Node outer = null;
          WireTree.Node inner = null;
          for (int i = 0; i < depth; i++) {
            WireTree.Node g = new WireTree.Node();
            int field = 5 + (i + size) % 7;
            g.tag = Wire.tag(field, Wire.START_GROUP);
            g.endGroup = Wire.tag(field, Wire.END_GROUP);
            g.children = new ArrayList<>();
            g.childLevel = WireTree.Level.GROUP;
            if (inner == null) {
              outer = g;
            } else {
              inner.children.add(g);
            }
            inner = g;
          }
          inner.children.add(newField(Unknown.VARINT, size, WireTree.Level.GROUP));
          return outer;
        }
        case TAG_WITH_KEY:
        case TAG_WITHOUT_KEY: {
          n.tag = Wire.tag(4, Wire.LENGTH_DELIMITED);
          n.children = new ArrayList<>();
          n.childLevel = WireTree.Level.TAG;
          if (kind == Unknown.TAG_WITH_KEY) {
            n.children.add(leaf(1, new byte[] {'k'}));
          }
          if (size % 2 == 0) {
            n.children.add(leaf(2, new byte[] {'v'}));
          }
          if (level != WireTree.Level.RECORD) {
            // Outside a Record, field 4 is unknown: a leaf with the same bytes.
            return leaf(4, new WireTree(n.children).serialize());
          }
          return n;
        }
        case PARTITION_KEY_INDEX:
          n.tag = Wire.tag(1, Wire.VARINT);
          n.value = Wire.varint(size % 5);
          return n;
        case EXPLICIT_HASH_KEY_INDEX:
          n.tag = Wire.tag(2, Wire.VARINT);
          n.value = Wire.varint(size % 5);
          return n;
        case DATA:
          return leaf(3, new byte[size % 5]);
        case PARTITION_KEY_ENTRY:
          return leaf(1, ("k" + size).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        case EXPLICIT_HASH_KEY_ENTRY:
          return leaf(2, Long.toString(size * 7919L).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        default: {
          n.tag = Wire.tag(3, Wire.LENGTH_DELIMITED);
          n.children = new ArrayList<>();
          n.childLevel = WireTree.Level.RECORD;
          n.children.add(newField(Unknown.PARTITION_KEY_INDEX, size, WireTree.Level.RECORD));
          n.children.add(newField(Unknown.DATA, size, WireTree.Level.RECORD));
          return level == WireTree.Level.AGGREGATE ? n : leaf(3, new WireTree(n.children).serialize());
        }
      }
    }

    private static WireTree.Node leaf(int field, byte[] payload) {
      WireTree.Node n = new WireTree.Node();
      n.tag = Wire.tag(field, Wire.LENGTH_DELIMITED);
      n.value = payload;
      return n;
    }

    private static boolean pad(WireTree.Node n, Part part, int extra) {
      switch (part) {
        case TAG:
          n.tag = Wire.varint(n.tagValue(), Math.min(10, n.tag.length + extra));
          return true;
        case LENGTH:
          if (n.wireType() != Wire.LENGTH_DELIMITED) {
            return false;
          }
          n.lengthPadding = Math.min(9, n.lengthPadding + extra);
          return true;
        default:
          if (n.wireType() != Wire.VARINT) {
            return false;
          }
          n.value = Wire.varint(Wire.readLenient(n.value), Math.min(10, n.value.length + extra));
          return true;
      }
    }

    private static boolean tenBytes(WireTree.Node n, Part part, int lastByte) {
      switch (part) {
        case TAG:
          n.tag = Wire.tenByteVarint(n.tagValue(), lastByte);
          return true;
        case LENGTH:
          if (n.wireType() != Wire.LENGTH_DELIMITED) {
            return false;
          }
          n.lengthTenthByte = lastByte;
          return true;
        default:
          if (n.wireType() != Wire.VARINT) {
            return false;
          }
          n.value = Wire.tenByteVarint(Wire.readLenient(n.value), lastByte);
          return true;
      }
    }

    private static long serializedLength(WireTree.Node n) {
      return new WireTree(n.children).serialize().length;
    }

    private static int wireTypeNeeded(Mutation m) {
      Part part = m instanceof PadVarint p ? p.part() : m instanceof TenByteVarint t ? t.part() : null;
      if (m instanceof SetLength || part == Part.LENGTH) {
        return Wire.LENGTH_DELIMITED;
      }
      if (m instanceof SetValue || part == Part.VALUE) {
        return Wire.VARINT;
      }
      return -1;
    }

    private static int nodeOf(Mutation m) {
      if (m instanceof PadVarint p) return p.node();
      if (m instanceof TenByteVarint t) return t.node();
      if (m instanceof SetLength s) return s.node();
      if (m instanceof SetValue s) return s.node();
      if (m instanceof TagOver32Bits t) return t.node();
      if (m instanceof ChangeTag c) return c.node();
      if (m instanceof Duplicate d) return d.node();
      if (m instanceof Remove r) return r.node();
      if (m instanceof Swap s) return s.node();
      return ((Splice) m).node();
    }

    private static int indexOf(List<WireTree.Node> list, WireTree.Node n) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) == n) {
          return i;
        }
      }
      throw new IllegalStateException("node not in its sibling list");
    }

    private static boolean isWithin(WireTree.Node candidate, WireTree.Node ancestor) {
      if (candidate == ancestor) {
        return true;
      }
      if (ancestor.children == null) {
        return false;
      }
      for (WireTree.Node c : ancestor.children) {
        if (isWithin(candidate, c)) {
          return true;
        }
      }
      return false;
    }
  }
}
