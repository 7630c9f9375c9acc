package io.kplcodec.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VarintTest {
  @Test
  void sizeMatchesTheNumberOfSevenBitGroups() {
    assertEquals(1, Varint.size(0));
    assertEquals(1, Varint.size(127));
    assertEquals(2, Varint.size(128));
    assertEquals(2, Varint.size(16383));
    assertEquals(3, Varint.size(16384));
    assertEquals(9, Varint.size(Long.MAX_VALUE));
    assertEquals(10, Varint.size(-1L));
    for (int bits = 0; bits < 64; bits++) {
      long value = 1L << bits;
      assertEquals(Varint.write(new byte[10], 0, value), Varint.size(value), "2^" + bits);
      assertEquals(Varint.write(new byte[10], 0, value - 1), Varint.size(value - 1), "2^" + bits + "-1");
    }
  }
}
