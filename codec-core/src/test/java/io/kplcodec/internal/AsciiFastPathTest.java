package io.kplcodec.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The ASCII fast path of the key tables writes exactly what the general UTF-8 encoder writes, and only for ASCII. */
class AsciiFastPathTest {
  @Test
  void asciiKeysEncodeAsTheGeneralEncoderDoes() {
    for (String key : List.of("a", "device-17", "123e4567-e89b-12d3-a456-426614174000", "\u007F~ !", "x".repeat(256))) {
      assertTrue(Utf8.isAscii(key), key);
      byte[] general = new byte[key.length() + 2];
      byte[] fast = new byte[key.length() + 2];
      assertEquals(1 + key.length(), Utf8.encode(key, general, 1));
      assertEquals(1 + key.length(), Utf8.encodeAscii(key, fast, 1));
      assertArrayEquals(general, fast, key);
    }
  }

  @Test
  void onlyAsciiKeysTakeTheFastPath() {
    KeyTable table = new KeyTable();
    // "\uD800" is an unpaired surrogate: one byte ('?') like an ASCII char, but the low byte of its char is 0x00.
    List<String> keys = List.of("ascii", "caf\u00E9", "\uD800", "a\uD800b", "\u0141", "\uD83D\uDE00");
    for (String key : keys) {
      table.add(key, Utf8.encodedLength(key));
    }
    assertTrue(table.isAscii(0));
    for (int i = 1; i < keys.size(); i++) {
      assertFalse(table.isAscii(i), keys.get(i));
    }
    table.clear();
    table.add("\uD800x", 2);
    assertFalse(table.isAscii(0), "cleared slots do not keep an old flag");
  }
}
