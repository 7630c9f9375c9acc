package io.kplcodec.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link HashKey#toDecimal} divides limbs by 10^9 instead of going through BigInteger; BigInteger is the oracle. */
class HashKeyDecimalTest {
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  @Test
  void matchesBigIntegerOnRandomKeys() {
    Random random = new Random(128);
    for (int i = 0; i < 100_000; i++) {
      long high = random.nextInt(4) == 0 ? random.nextInt(1000) : random.nextLong();
      long low = random.nextLong();
      assertDecimal(high, low);
    }
  }

  @Test
  void matchesBigIntegerAroundPowersOfTenAndTwo() {
    for (int k = 0; k <= 38; k++) {
      BigInteger power = BigInteger.TEN.pow(k);
      for (BigInteger value : new BigInteger[] {power.subtract(BigInteger.ONE), power, power.add(BigInteger.ONE)}) {
        if (value.signum() >= 0) {
          assertDecimal(value);
        }
      }
    }
    for (int bit = 0; bit < 128; bit++) {
      BigInteger power = BigInteger.ONE.shiftLeft(bit);
      assertDecimal(power.subtract(BigInteger.ONE));
      assertDecimal(power);
    }
    assertDecimal(-1L, -1L);
    // Chunks of nine digits with inner zeros: 10^9 + 1, 10^18 + 1, 10^27 + 5
    assertEquals("1000000001", HashKey.toDecimal(0, 1_000_000_001L));
    assertDecimal(BigInteger.TEN.pow(27).add(BigInteger.valueOf(5)));
  }

  private static void assertDecimal(BigInteger value) {
    assertDecimal(value.shiftRight(64).longValue(), value.mod(TWO_64).longValue());
  }

  private static void assertDecimal(long high, long low) {
    BigInteger expected = new BigInteger(Long.toUnsignedString(high)).shiftLeft(64)
        .add(new BigInteger(Long.toUnsignedString(low)));
    assertEquals(expected.toString(), HashKey.toDecimal(high, low), Long.toHexString(high) + ":" + Long.toHexString(low));
  }
}
