package io.kplcodec.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyTableTest {
  @Test
  void fieldSizeIsTagLengthAndBytes() {
    assertEquals(2, KeyTable.fieldSize(0));
    assertEquals(3, KeyTable.fieldSize(1));
    assertEquals(129, KeyTable.fieldSize(127));
    assertEquals(131, KeyTable.fieldSize(128)); // two-byte length
    assertEquals(16386, KeyTable.fieldSize(16383));
    assertEquals(16388, KeyTable.fieldSize(16384)); // three-byte length
  }

  @Test
  void deduplicatesByEqualsInFirstUseOrder() {
    KeyTable table = new KeyTable();
    assertEquals(-1, table.indexOf("a"));
    assertEquals(0, add(table, "b"));
    assertEquals(1, add(table, "a"));
    assertEquals(2, add(table, "\u20ac"));
    assertEquals(3, table.size());
    assertEquals(0, table.indexOf(new String("b"))); // equal, not identical
    assertEquals(1, table.indexOf("a"));
    assertEquals(2, table.indexOf("\u20ac"));
    assertEquals(-1, table.indexOf("c"));
    assertEquals(-1, table.indexOf(""));
    assertEquals("b", table.key(0));
    assertEquals("a", table.key(1));
    assertEquals(3, table.encodedLength(2));
    assertEquals(3 + 3 + 5, table.encodedSize());
  }

  @Test
  void growsPastManyRehashes() {
    KeyTable table = new KeyTable();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      keys.add("key-" + i);
    }
    long size = 0;
    for (int i = 0; i < keys.size(); i++) {
      assertEquals(-1, table.indexOf(keys.get(i)));
      assertEquals(i, add(table, keys.get(i)));
      size += KeyTable.fieldSize(keys.get(i).length());
      assertEquals(size, table.encodedSize());
    }
    for (int i = 0; i < keys.size(); i++) {
      assertEquals(i, table.indexOf(new String(keys.get(i))), keys.get(i));
      assertSame(keys.get(i), table.key(i));
    }
    assertEquals(-1, table.indexOf("key-5000"));
  }

  @Test
  void keysWithTheSameHashCodeStayDistinct() {
    // "Aa" and "BB" share a hash code, so every string of n such blocks does: 2^n colliding keys.
    List<String> colliding = new ArrayList<>();
    for (int bits = 0; bits < 1 << 9; bits++) {
      StringBuilder key = new StringBuilder();
      for (int b = 0; b < 9; b++) {
        key.append((bits >> b & 1) == 0 ? "Aa" : "BB");
      }
      colliding.add(key.toString());
    }
    assertEquals(colliding.get(0).hashCode(), colliding.get(colliding.size() - 1).hashCode());
    assertNotEquals(colliding.get(0), colliding.get(1));
    KeyTable table = new KeyTable();
    for (int i = 0; i < colliding.size(); i++) {
      assertEquals(-1, table.indexOf(colliding.get(i)));
      assertEquals(i, add(table, colliding.get(i)));
    }
    for (int i = 0; i < colliding.size(); i++) {
      assertEquals(i, table.indexOf(colliding.get(i)));
    }
  }

  @Test
  void clearForgetsEverythingAndTheTableIsReusable() {
    KeyTable table = new KeyTable();
    for (int i = 0; i < 300; i++) {
      add(table, "old-" + i);
    }
    add(table, "shared");
    table.clear();
    assertEquals(0, table.size());
    assertEquals(0, table.encodedSize());
    for (int i = 0; i < 300; i++) {
      assertEquals(-1, table.indexOf("old-" + i));
    }
    assertEquals(-1, table.indexOf("shared"));

    assertEquals(0, add(table, "shared"));
    assertEquals(1, add(table, "new"));
    assertEquals(0, table.indexOf("shared"));
    assertEquals("new", table.key(1));
    assertEquals(KeyTable.fieldSize(6) + KeyTable.fieldSize(3), table.encodedSize());

    table.clear();
    table.clear(); // clearing an empty table is harmless
    assertEquals(0, table.size());
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 100; i++) {
        assertEquals(i, add(table, "round-" + (round + i)));
      }
      assertEquals(99, table.indexOf("round-" + (round + 99)));
      table.clear();
      assertEquals(-1, table.indexOf("round-" + round));
    }
  }

  private static int add(KeyTable table, String key) {
    return table.add(key, key.getBytes(UTF_8).length);
  }
}
