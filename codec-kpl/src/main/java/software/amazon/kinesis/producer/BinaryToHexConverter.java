package software.amazon.kinesis.producer;

/** Bytes to upper-case hexadecimal text, two digits per byte (a public utility of the KPL). Thread-safe. */
public class BinaryToHexConverter {
  private static final char[] DIGITS = "0123456789ABCDEF".toCharArray();

  /** Nothing to construct: the KPL's class has a public constructor, so this one does too. */
  public BinaryToHexConverter() {}

  /**
   * The bytes as hexadecimal text.
   *
   * @param bytes the bytes
   * @return two upper-case digits per byte, e.g. {@code "00AB"} for {@code {0, (byte) 0xab}}
   */
  public static String convert(byte[] bytes) {
    char[] text = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      text[2 * i] = DIGITS[(bytes[i] >> 4) & 0xf];
      text[2 * i + 1] = DIGITS[bytes[i] & 0xf];
    }
    return new String(text);
  }
}
