package io.kplcodec.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;

/**
 * Hand-written encodings of an {@code AggregatedRecord}.
 *
 * <p>With no quirks and no invalid parts ({@link #valid}), every encoding is one protobuf-java must parse to the
 * same user records: fields out of order and interleaved, key tables after the records, tables with duplicate and
 * unused entries in any order, singular fields repeated (last one wins), over-long varints, tags, and unknown fields
 * of every wire type (including groups, and known field numbers with another wire type) at every level.
 *
 * <p>With quirks, some varints take forms protobuf-java reads leniently and kpl-codec rejects (a tenth byte above
 * 1, tags and lengths beyond 32 bits). With invalid parts, the structure is broken in the ways that matter
 * (missing required fields, indexes outside their tables, wrong lengths, bad groups, bad tags, deep nesting).
 */
final class NonCanonicalEncoder {
  enum Level {
    AGGREGATE, RECORD, TAG, GROUP
  }

  private static final int[] FIELD_NUMBERS = {1, 2, 3, 4, 5, 6, 7, 15, 16, 17, 100, 2047, 2048, 262143, 262144,
      536870911};
  private static final int[] WIRE_TYPES = {Wire.VARINT, Wire.FIXED64, Wire.LENGTH_DELIMITED, Wire.START_GROUP,
      Wire.FIXED32};
  private static final long[] VARINT_VALUES = {0, 1, 127, 128, 300, Integer.MAX_VALUE, 0x80000000L, 0xFFFFFFFFL,
      1L << 32, (1L << 32) + 1, Long.MAX_VALUE, Long.MIN_VALUE, -1L};

  private final Random random;
  /** Chance in 1000 that a varint is written in a form only protobuf-java accepts. */
  private final int quirkPerMille;
  /** Chance in 1000 that a part is made invalid. */
  private final int invalidPerMille;

  NonCanonicalEncoder(Random random, int quirkPerMille, int invalidPerMille) {
    this.random = random;
    this.quirkPerMille = quirkPerMille;
    this.invalidPerMille = invalidPerMille;
  }

  /** Encodings that decode to the same user records under protobuf-java and under any correct decoder. */
  static NonCanonicalEncoder valid(Random random) {
    return new NonCanonicalEncoder(random, 0, 0);
  }

  /** A message (no framing) for these records; without quirks or invalid parts it decodes to them as written. */
  byte[] encode(List<CompatRecord> records) {
    List<String> partitionKeyTable = table(records, true);
    List<String> explicitHashKeyTable = table(records, false);

    List<byte[]> partitionKeyFields = new ArrayList<>();
    for (String key : partitionKeyTable) {
      partitionKeyFields.add(lengthDelimited(new WireWriter(), 1, utf8(key)).toByteArray());
    }
    List<byte[]> explicitHashKeyFields = new ArrayList<>();
    for (String key : explicitHashKeyTable) {
      explicitHashKeyFields.add(lengthDelimited(new WireWriter(), 2, utf8(key)).toByteArray());
    }
    List<byte[]> recordFields = new ArrayList<>();
    for (CompatRecord record : records) {
      long partitionKeyIndex = pickIndex(partitionKeyTable, record.partitionKey());
      boolean hasExplicitHashKey = record.explicitHashKey() != null;
      long explicitHashKeyIndex = hasExplicitHashKey ? pickIndex(explicitHashKeyTable, record.explicitHashKey()) : 0;
      if (invalid()) {
        partitionKeyIndex = badIndex(partitionKeyTable.size());
      }
      if (invalid()) {
        hasExplicitHashKey = true;
        explicitHashKeyIndex = badIndex(explicitHashKeyTable.size());
      }
      byte[] body = recordBody(partitionKeyIndex, hasExplicitHashKey, explicitHashKeyIndex, record.data());
      recordFields.add(lengthDelimited(new WireWriter(), 3, body).toByteArray());
    }

    List<byte[]> fields = order(partitionKeyFields, explicitHashKeyFields, recordFields);
    sprinkleUnknownFields(fields, Level.AGGREGATE);
    if (invalid()) {
      fields.add(random.nextInt(fields.size() + 1), invalidField(Level.AGGREGATE));
    }
    WireWriter out = new WireWriter();
    fields.forEach(out::raw);
    byte[] message = out.toByteArray();
    if (message.length > 0 && invalid()) {
      message = java.util.Arrays.copyOf(message, random.nextInt(message.length));
    }
    return message;
  }

  // ---- varints: canonical, padded, or (with quirks on) lenient-only forms

  private boolean quirk() {
    return quirkPerMille > 0 && random.nextInt(1000) < quirkPerMille;
  }

  private boolean invalid() {
    return invalidPerMille > 0 && random.nextInt(1000) < invalidPerMille;
  }

  /** A tenth byte above 1: protobuf-java drops the extra bits, kpl-codec rejects the varint. */
  private byte[] tenthByteAboveOne(long value) {
    return Wire.tenByteVarint(value, 2 + random.nextInt(0x7E));
  }

  /** The same low 32 bits with high bits set: protobuf-java reads tags and lengths modulo 2^32. */
  private long over32Bits(long value) {
    long high = random.nextBoolean() ? 1 : 1 + random.nextInt(Integer.MAX_VALUE);
    if (random.nextInt(4) == 0) {
      high |= 1L << 31; // bit 63 too: the tenth byte is 1
    }
    return (value & 0xFFFFFFFFL) | (high << 32);
  }

  private WireWriter tag(WireWriter out, int fieldNumber, int wireType) {
    long tag = ((long) fieldNumber << 3 | wireType) & 0xFFFFFFFFL;
    if (quirk()) {
      return random.nextBoolean() ? out.raw(tenthByteAboveOne(tag)) : out.varint(over32Bits(tag));
    }
    return out.varint(tag, random);
  }

  private WireWriter length(WireWriter out, int length) {
    if (quirk()) {
      return random.nextBoolean() ? out.raw(tenthByteAboveOne(length)) : out.varint(over32Bits(length));
    }
    if (invalid()) {
      return out.varint(Math.max(0, length + (random.nextBoolean() ? 1 : -1)));
    }
    return out.varint(length, random);
  }

  private WireWriter value(WireWriter out, long value) {
    if (quirk() && value >= 0) {
      return out.raw(tenthByteAboveOne(value));
    }
    return out.varint(value, random);
  }

  private WireWriter lengthDelimited(WireWriter out, int fieldNumber, byte[] payload) {
    tag(out, fieldNumber, Wire.LENGTH_DELIMITED);
    length(out, payload.length);
    return out.raw(payload);
  }

  // ---- structure

  /** Distinct keys, shuffled or in first-use order, sometimes with duplicate and unused entries. */
  private List<String> table(List<CompatRecord> records, boolean partitionKeys) {
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (CompatRecord r : records) {
      String key = partitionKeys ? r.partitionKey() : r.explicitHashKey();
      if (key != null) {
        distinct.add(key);
      }
    }
    List<String> table = new ArrayList<>(distinct);
    if (random.nextBoolean()) {
      Collections.shuffle(table, random);
    }
    if (!table.isEmpty() && random.nextInt(5) == 0) {
      int copies = 1 + random.nextInt(3);
      for (int i = 0; i < copies; i++) {
        table.add(random.nextInt(table.size() + 1), table.get(random.nextInt(table.size())));
      }
    }
    if (random.nextInt(5) == 0) {
      int extra = 1 + random.nextInt(3);
      for (int i = 0; i < extra; i++) {
        table.add(random.nextInt(table.size() + 1), "unused-" + random.nextInt(1000));
      }
    }
    return table;
  }

  private int pickIndex(List<String> table, String key) {
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < table.size(); i++) {
      if (table.get(i).equals(key)) {
        candidates.add(i);
      }
    }
    return candidates.get(random.nextInt(candidates.size()));
  }

  /** An index outside a table of {@code size}: past it, 2^31, 2^32 (KCL's int cast reads 0), 2^64-1, ... */
  private long badIndex(int size) {
    long[] choices = {size, size + 1L, 0x7FFFFFFFL, 0x80000000L, 1L << 32, (1L << 32) + 1, Long.MAX_VALUE, -1L};
    return choices[random.nextInt(choices.length)];
  }

  /** Canonical order, a random interleaving, or tables after the records; within a kind the order is kept. */
  private List<byte[]> order(List<byte[]> partitionKeys, List<byte[]> explicitHashKeys, List<byte[]> records) {
    List<byte[]> fields = new ArrayList<>();
    switch (random.nextInt(4)) {
      case 0:
        fields.addAll(partitionKeys);
        fields.addAll(explicitHashKeys);
        fields.addAll(records);
        break;
      case 1:
        fields.addAll(records);
        fields.addAll(explicitHashKeys);
        fields.addAll(partitionKeys);
        break;
      case 2:
        fields.addAll(explicitHashKeys);
        fields.addAll(records);
        fields.addAll(partitionKeys);
        break;
      default: {
        List<List<byte[]>> queues = new ArrayList<>(List.of(new ArrayList<>(partitionKeys),
            new ArrayList<>(explicitHashKeys), new ArrayList<>(records)));
        queues.removeIf(List::isEmpty);
        while (!queues.isEmpty()) {
          List<byte[]> queue = queues.get(random.nextInt(queues.size()));
          fields.add(queue.remove(0));
          if (queue.isEmpty()) {
            queues.remove(queue);
          }
        }
      }
    }
    return fields;
  }

  private enum RecordField {
    PARTITION_KEY_INDEX, EXPLICIT_HASH_KEY_INDEX, DATA, TAG, UNKNOWN, INVALID
  }

  private byte[] recordBody(long partitionKeyIndex, boolean hasExplicitHashKey, long explicitHashKeyIndex,
      byte[] data) {
    List<RecordField> kinds = new ArrayList<>();
    if (!invalid()) {
      kinds.add(RecordField.PARTITION_KEY_INDEX);
    }
    if (!invalid()) {
      kinds.add(RecordField.DATA);
    }
    if (hasExplicitHashKey) {
      kinds.add(RecordField.EXPLICIT_HASH_KEY_INDEX);
    }
    if (random.nextInt(4) == 0) { // repeated singular fields: the last one wins
      for (int i = random.nextInt(3); i >= 0; i--) {
        RecordField kind = hasExplicitHashKey && random.nextBoolean()
            ? RecordField.EXPLICIT_HASH_KEY_INDEX
            : random.nextBoolean() ? RecordField.PARTITION_KEY_INDEX : RecordField.DATA;
        kinds.add(kind);
      }
    }
    if (random.nextInt(4) == 0) {
      for (int i = random.nextInt(3); i >= 0; i--) {
        kinds.add(RecordField.TAG);
      }
    }
    if (random.nextInt(3) == 0) {
      for (int i = random.nextInt(3); i >= 0; i--) {
        kinds.add(RecordField.UNKNOWN);
      }
    }
    if (invalid()) {
      kinds.add(RecordField.INVALID);
    }
    if (random.nextInt(3) != 0) {
      Collections.shuffle(kinds, random);
    }
    WireWriter body = new WireWriter();
    for (int i = 0; i < kinds.size(); i++) {
      RecordField kind = kinds.get(i);
      boolean last = kinds.lastIndexOf(kind) == i;
      switch (kind) {
        case PARTITION_KEY_INDEX:
          value(tag(body, 1, Wire.VARINT), last ? partitionKeyIndex : bogusIndex());
          break;
        case EXPLICIT_HASH_KEY_INDEX:
          value(tag(body, 2, Wire.VARINT), last ? explicitHashKeyIndex : bogusIndex());
          break;
        case DATA:
          lengthDelimited(body, 3, last ? data : bogusBytes(random.nextInt(10)));
          break;
        case TAG:
          lengthDelimited(body, 4, tagBody());
          break;
        case INVALID:
          body.raw(invalidField(Level.RECORD));
          break;
        default:
          body.raw(unknownField(Level.RECORD, 0));
      }
    }
    return body.toByteArray();
  }

  /** Overwritten later, so it may be anything, even out of range. */
  private long bogusIndex() {
    return random.nextBoolean() ? random.nextInt(5) : VARINT_VALUES[random.nextInt(VARINT_VALUES.length)];
  }

  /** A Tag message: its required key (perhaps twice), perhaps a value, perhaps unknown fields, any order. */
  private byte[] tagBody() {
    List<byte[]> fields = new ArrayList<>();
    int keys = invalid() ? 0 : 1 + (random.nextInt(5) == 0 ? 1 : 0);
    for (int i = 0; i < keys; i++) {
      fields.add(lengthDelimited(new WireWriter(), 1, utf8("tag-key-" + random.nextInt(10))).toByteArray());
    }
    if (random.nextBoolean()) {
      fields.add(lengthDelimited(new WireWriter(), 2, utf8("tag-value-" + random.nextInt(10))).toByteArray());
    }
    if (random.nextInt(3) == 0) {
      fields.add(unknownField(Level.TAG, 0));
    }
    if (invalid()) {
      fields.add(invalidField(Level.TAG));
    }
    Collections.shuffle(fields, random);
    WireWriter out = new WireWriter();
    fields.forEach(out::raw);
    return out.toByteArray();
  }

  private void sprinkleUnknownFields(List<byte[]> fields, Level level) {
    if (random.nextInt(3) != 0) {
      return;
    }
    for (int i = random.nextInt(4); i >= 0; i--) {
      fields.add(random.nextInt(fields.size() + 1), unknownField(level, 0));
    }
  }

  /** A field protobuf-java does not know at this level: an unknown number, or a known one with another type. */
  byte[] unknownField(Level level, int depth) {
    int fieldNumber;
    int wireType;
    do {
      fieldNumber = random.nextInt(3) == 0 ? 1 + random.nextInt(20) : FIELD_NUMBERS[random.nextInt(
          FIELD_NUMBERS.length)];
      wireType = WIRE_TYPES[random.nextInt(WIRE_TYPES.length)];
    } while (isKnown(level, fieldNumber, wireType) || (wireType == Wire.START_GROUP && depth >= 3));
    WireWriter out = tag(new WireWriter(), fieldNumber, wireType);
    switch (wireType) {
      case Wire.VARINT:
        value(out, random.nextBoolean() ? random.nextInt(1000) : VARINT_VALUES[random.nextInt(VARINT_VALUES.length)]);
        break;
      case Wire.FIXED64:
        out.raw(bogusBytes(8));
        break;
      case Wire.LENGTH_DELIMITED: {
        byte[] payload = bogusBytes(random.nextInt(20));
        length(out, payload.length).raw(payload);
        break;
      }
      case Wire.START_GROUP: {
        for (int i = random.nextInt(4); i > 0; i--) {
          out.raw(unknownField(Level.GROUP, depth + 1));
        }
        tag(out, fieldNumber, Wire.END_GROUP);
        break;
      }
      default:
        out.raw(bogusBytes(4));
    }
    return out.toByteArray();
  }

  /** Something no decoder may accept, or a boundary only a faithful one gets right. */
  private byte[] invalidField(Level level) {
    WireWriter out = new WireWriter();
    int fieldNumber = FIELD_NUMBERS[random.nextInt(FIELD_NUMBERS.length)];
    switch (random.nextInt(9)) {
      case 0: // wire type 6 or 7
        return out.tag(fieldNumber, 6 + random.nextInt(2)).varint(random.nextInt(300)).toByteArray();
      case 1: // field number 0
        return out.varint(random.nextInt(8)).varint(random.nextInt(300)).toByteArray();
      case 2: // a stray end-group
        return out.tag(fieldNumber, Wire.END_GROUP).toByteArray();
      case 3: // an end-group for another field
        return out.tag(fieldNumber, Wire.START_GROUP).tag(fieldNumber + 1, Wire.END_GROUP).toByteArray();
      case 4: // a group never closed
        return out.tag(fieldNumber, Wire.START_GROUP).tag(5, Wire.VARINT).varint(1).toByteArray();
      case 5: // a varint whose tenth byte continues
        return out.tag(fieldNumber, Wire.VARINT).raw(Wire.tenByteVarint(-1, 0x80 | random.nextInt(0x80)))
            .raw(0x01).toByteArray();
      case 6: // a length beyond the message, or negative as an int
        return out.tag(fieldNumber, Wire.LENGTH_DELIMITED)
            .varint(random.nextBoolean() ? 0x7FFFFFFFL : 0x80000000L + random.nextInt(1000)).toByteArray();
      case 7: // truncated fixed-width value
        return out.tag(fieldNumber, random.nextBoolean() ? Wire.FIXED64 : Wire.FIXED32).raw(0x01).toByteArray();
      default: // groups nested around protobuf-java's recursion limit
        return nestedGroups(level, fieldNumber);
    }
  }

  /**
   * Groups nested as deep as protobuf-java allows at this level, one more, or one less (its limit is 100 levels of
   * messages and groups together, counted from the aggregate).
   */
  private byte[] nestedGroups(Level level, int fieldNumber) {
    int enclosing = level == Level.AGGREGATE ? 0 : level == Level.RECORD ? 1 : 2;
    int depth = 100 - enclosing + random.nextInt(3) - 1;
    WireWriter out = new WireWriter();
    for (int i = 0; i < depth; i++) {
      out.tag(fieldNumber, Wire.START_GROUP);
    }
    for (int i = 0; i < depth; i++) {
      out.tag(fieldNumber, Wire.END_GROUP);
    }
    return out.toByteArray();
  }

  static boolean isKnown(Level level, int fieldNumber, int wireType) {
    switch (level) {
      case AGGREGATE:
        return wireType == Wire.LENGTH_DELIMITED && fieldNumber >= 1 && fieldNumber <= 3;
      case RECORD:
        return (wireType == Wire.VARINT && (fieldNumber == 1 || fieldNumber == 2))
            || (wireType == Wire.LENGTH_DELIMITED && (fieldNumber == 3 || fieldNumber == 4));
      case TAG:
        return wireType == Wire.LENGTH_DELIMITED && (fieldNumber == 1 || fieldNumber == 2);
      default:
        return false;
    }
  }

  private byte[] bogusBytes(int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
