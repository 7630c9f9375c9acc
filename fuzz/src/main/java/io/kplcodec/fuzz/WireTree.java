package io.kplcodec.fuzz;

import io.kplcodec.compat.Wire;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code AggregatedRecord} message as a tree of fields that mutations can edit structurally (pad a varint, move
 * or copy a field, override a length) and that serializes back with every enclosing length recomputed, except the
 * lengths a mutation overrode on purpose.
 *
 * <p>The schema decides which length-delimited fields are parsed as messages: a Record (field 3 of the aggregate)
 * and a Tag (field 4 of a Record). Groups are parsed as nested fields at any level. Mutable; not thread-safe.
 */
final class WireTree {
  /** What the fields of a node's children are. */
  enum Level {
    AGGREGATE, RECORD, TAG, GROUP
  }

  static final class Node {
    /** The tag varint as written (possibly padded, possibly beyond 32 bits). */
    byte[] tag;
    /** Varint bytes (wire type 0), the raw fixed bytes (1, 5), or the payload of a length-delimited leaf. */
    byte[] value;
    /** Fields of a parsed message or group; null for a leaf. */
    List<Node> children;
    /** Level of {@link #children}. */
    Level childLevel;
    /** For a group: its end tag as written. */
    byte[] endGroup;
    /** For a length-delimited field: the length to write instead of the true one, or null. */
    Long lengthOverride;
    /** For a length-delimited field: redundant continuation bytes in its length varint. */
    int lengthPadding;
    /** For a length-delimited field: if 0..0x7F, its length is written in ten bytes ending with this byte. */
    int lengthTenthByte = -1;

    long tagValue() {
      return Wire.readLenient(tag);
    }

    int wireType() {
      return (int) (tagValue() & 7);
    }

    Node copy() {
      Node n = new Node();
      n.tag = tag.clone();
      n.value = value == null ? null : value.clone();
      if (children != null) {
        n.children = new ArrayList<>();
        for (Node c : children) {
          n.children.add(c.copy());
        }
      }
      n.childLevel = childLevel;
      n.endGroup = endGroup == null ? null : endGroup.clone();
      n.lengthOverride = lengthOverride;
      n.lengthPadding = lengthPadding;
      n.lengthTenthByte = lengthTenthByte;
      return n;
    }
  }

  /** A node and the list that holds it. */
  record Located(Node node, List<Node> siblings, Level level) {}

  final List<Node> roots;

  WireTree(List<Node> roots) {
    this.roots = roots;
  }

  /** The tree of a well-formed message, or null if it is not well formed. */
  static WireTree parse(byte[] message) {
    List<Node> roots = parseFields(message, 0, message.length, Level.AGGREGATE, 0);
    return roots == null ? null : new WireTree(roots);
  }

  /** Every node in document order, with its sibling list; the roots' list comes first, as a position for inserts. */
  List<Located> nodes() {
    List<Located> out = new ArrayList<>();
    collect(roots, Level.AGGREGATE, out);
    return out;
  }

  private static void collect(List<Node> list, Level level, List<Located> out) {
    for (Node n : list) {
      out.add(new Located(n, list, level));
      if (n.children != null) {
        collect(n.children, n.childLevel, out);
      }
    }
  }

  byte[] serialize() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(roots, out);
    return out.toByteArray();
  }

  private static void write(List<Node> nodes, ByteArrayOutputStream out) {
    for (Node n : nodes) {
      out.writeBytes(n.tag);
      switch (n.wireType()) {
        case Wire.LENGTH_DELIMITED: {
          byte[] payload;
          if (n.children != null) {
            ByteArrayOutputStream inner = new ByteArrayOutputStream();
            write(n.children, inner);
            payload = inner.toByteArray();
          } else {
            payload = n.value;
          }
          long length = n.lengthOverride != null ? n.lengthOverride : payload.length;
          out.writeBytes(n.lengthTenthByte >= 0
              ? Wire.tenByteVarint(length, n.lengthTenthByte)
              : Wire.varint(length, Math.min(10, Wire.varintSize(length) + n.lengthPadding)));
          out.writeBytes(payload);
          break;
        }
        case Wire.START_GROUP:
          if (n.children != null) {
            write(n.children, out);
          }
          if (n.endGroup != null) {
            out.writeBytes(n.endGroup);
          }
          break;
        default:
          if (n.value != null) {
            out.writeBytes(n.value);
          }
      }
    }
  }

  private static final int MAX_DEPTH = 120;

  /** Parses {@code m[from, to)} strictly; null if anything is malformed. */
  private static List<Node> parseFields(byte[] m, int from, int to, Level level, int depth) {
    if (depth > MAX_DEPTH) {
      return null;
    }
    List<Node> nodes = new ArrayList<>();
    int[] pos = {from};
    while (pos[0] < to) {
      Node n = parseField(m, pos, to, level, depth);
      if (n == null) {
        return null;
      }
      if (n.tag.length == 0) { // an end-group tag: only valid as the terminator of a group, handled by the caller
        return null;
      }
      nodes.add(n);
    }
    return nodes;
  }

  private static Node parseField(byte[] m, int[] pos, int to, Level level, int depth) {
    byte[] tag = readVarintBytes(m, pos, to);
    if (tag == null) {
      return null;
    }
    long tagValue = Wire.readLenient(tag);
    if (tagValue >>> 32 != 0 || tagValue >>> 3 == 0) {
      return null;
    }
    Node n = new Node();
    n.tag = tag;
    switch ((int) (tagValue & 7)) {
      case Wire.VARINT:
        n.value = readVarintBytes(m, pos, to);
        return n.value == null ? null : n;
      case Wire.FIXED64:
      case Wire.FIXED32: {
        int width = (tagValue & 7) == Wire.FIXED64 ? 8 : 4;
        if (to - pos[0] < width) {
          return null;
        }
        n.value = java.util.Arrays.copyOfRange(m, pos[0], pos[0] + width);
        pos[0] += width;
        return n;
      }
      case Wire.LENGTH_DELIMITED: {
        byte[] lengthBytes = readVarintBytes(m, pos, to);
        if (lengthBytes == null) {
          return null;
        }
        long length = Wire.readLenient(lengthBytes);
        if (Long.compareUnsigned(length, to - pos[0]) > 0) {
          return null;
        }
        n.lengthPadding = lengthBytes.length - Wire.varintSize(length);
        int start = pos[0];
        int end = start + (int) length;
        pos[0] = end;
        Level childLevel = messageLevel(level, tagValue);
        if (childLevel != null) {
          List<Node> children = parseFields(m, start, end, childLevel, depth + 1);
          if (children != null) {
            n.children = children;
            n.childLevel = childLevel;
            return n;
          }
        }
        n.value = java.util.Arrays.copyOfRange(m, start, end);
        return n;
      }
      case Wire.START_GROUP: {
        n.children = new ArrayList<>();
        n.childLevel = Level.GROUP;
        while (true) {
          if (pos[0] >= to || depth > MAX_DEPTH) {
            return null;
          }
          int before = pos[0];
          byte[] inner = readVarintBytes(m, pos, to);
          if (inner == null) {
            return null;
          }
          long innerTag = Wire.readLenient(inner);
          if ((innerTag & 7) == Wire.END_GROUP) {
            if (innerTag >>> 3 != tagValue >>> 3 || innerTag >>> 32 != 0) {
              return null;
            }
            n.endGroup = inner;
            return n;
          }
          pos[0] = before;
          Node child = parseField(m, pos, to, Level.GROUP, depth + 1);
          if (child == null) {
            return null;
          }
          n.children.add(child);
        }
      }
      default:
        return null; // end-group without a start, wire types 6 and 7
    }
  }

  /** The level of a length-delimited field's content if the schema says it is a message we model, else null. */
  static Level messageLevel(Level level, long tagValue) {
    if (level == Level.AGGREGATE && tagValue == 0x1A) {
      return Level.RECORD;
    }
    if (level == Level.RECORD && tagValue == 0x22) {
      return Level.TAG;
    }
    return null;
  }

  private static byte[] readVarintBytes(byte[] m, int[] pos, int to) {
    int start = pos[0];
    for (int i = start; i < to && i - start < 10; i++) {
      if (m[i] >= 0) {
        pos[0] = i + 1;
        return java.util.Arrays.copyOfRange(m, start, i + 1);
      }
    }
    return null;
  }
}
