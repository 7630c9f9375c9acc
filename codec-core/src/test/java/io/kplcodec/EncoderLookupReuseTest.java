package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * add() reuses the key lookup of a sizeWith() call with the same arguments (a "Perf:" of the encoder); whatever is
 * called in between, the bytes must be those of an encoder that never asked sizeWith.
 */
class EncoderLookupReuseTest {
  private static final byte[] DATA = {1, 2, 3};

  @Test
  void sizeWithThenAddOfTheSameRecord() {
    AggregateEncoder asked = new AggregateEncoder();
    AggregateEncoder plain = new AggregateEncoder();
    for (int i = 0; i < 50; i++) {
      String key = "key-" + (i % 7);
      String explicitHashKey = i % 3 == 0 ? String.valueOf(i % 5) : null;
      long expected = asked.sizeWith(key, explicitHashKey, DATA.length);
      asked.add(key, explicitHashKey, DATA);
      plain.add(key, explicitHashKey, DATA);
      assertEquals(expected, asked.size());
    }
    assertArrayEquals(plain.toByteArray(), asked.toByteArray());
  }

  @Test
  void sizeWithOfOneRecordThenAddOfAnother() {
    AggregateEncoder asked = new AggregateEncoder();
    AggregateEncoder plain = new AggregateEncoder();
    asked.sizeWith("a", null, 3);
    asked.add("b", null, DATA);
    plain.add("b", null, DATA);
    asked.sizeWith("b", "1", 3);
    asked.add("b", null, DATA); // same key, no explicit hash key this time
    plain.add("b", null, DATA);
    asked.sizeWith("c", null, 1);
    asked.add("c", null, DATA); // other length
    plain.add("c", null, DATA);
    assertArrayEquals(plain.toByteArray(), asked.toByteArray());
  }

  @Test
  void aLookupDoesNotSurviveAnAddOrAReset() {
    AggregateEncoder asked = new AggregateEncoder();
    asked.sizeWith("new", null, 3);
    asked.add("other", null, DATA); // the table changed: "new" would now get index 1
    asked.add("new", null, DATA);
    AggregateEncoder plain = new AggregateEncoder();
    plain.add("other", null, DATA);
    plain.add("new", null, DATA);
    assertArrayEquals(plain.toByteArray(), asked.toByteArray());

    asked.sizeWith("x", null, 3);
    asked.reset();
    asked.add("y", null, DATA);
    asked.add("x", null, DATA);
    plain.reset();
    plain.add("y", null, DATA);
    plain.add("x", null, DATA);
    assertArrayEquals(plain.toByteArray(), asked.toByteArray());
  }

  @Test
  void argumentChecksStillRun() {
    AggregateEncoder encoder = new AggregateEncoder();
    assertThrows(NullPointerException.class, () -> encoder.add(null, null, DATA));
    encoder.sizeWith("k", null, 3);
    assertThrows(IndexOutOfBoundsException.class, () -> encoder.add("k", null, DATA, 1, 3));
    assertEquals(0, encoder.userRecordCount());
  }
}
