package io.kplcodec.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Format detection and the edge cases of each input format. */
class KinesisRecordReaderTest {
  private static KinesisRecordReader.Parsed detect(String content) {
    return KinesisRecordReader.parse("in", content.getBytes(StandardCharsets.UTF_8), InputFormat.AUTO);
  }

  @Test
  void detection() {
    assertEquals(InputFormat.BASE64, detect("AAEC\n\nAwQF\n").format());
    assertEquals(2, detect("AAEC\n\nAwQF\n").records().size());
    assertEquals("line 3", detect("AAEC\n\nAwQF\n").records().get(1).location());
    assertEquals(InputFormat.RAW, detect("hello").format()); // not valid base64
    assertEquals(InputFormat.RAW, detect("{\"order\":1}").format());
    assertEquals(InputFormat.GET_RECORDS, detect("{\"Records\":[]}").format());
    assertEquals(InputFormat.GET_RECORDS, detect("[{\"Data\":\"AAE=\",\"PartitionKey\":\"k\"}]").format());
    KinesisRecordReader.Parsed lines = detect("{\"Data\":\"AAE=\",\"PartitionKey\":\"a\"}\n"
        + "{\"Data\":\"AgM=\",\"PartitionKey\":\"b\",\"ExplicitHashKey\":\"5\"}\n");
    assertEquals(InputFormat.GET_RECORDS, lines.format());
    assertEquals("line 2", lines.records().get(1).location());
    assertEquals("5", lines.records().get(1).explicitHashKey());
    assertArrayEquals(new byte[] {2, 3}, lines.records().get(1).data());
    KinesisRecordReader.Parsed lambda = detect("\uFEFF {\"Records\":[{\"kinesis\":{\"data\":\"AAE=\","
        + "\"partitionKey\":\"p\",\"approximateArrivalTimestamp\":1.5},\"eventID\":\"shardId-000000000001:42\"}]}");
    assertEquals(InputFormat.LAMBDA, lambda.format());
    assertEquals("shardId-000000000001", lambda.records().get(0).shardId());
    assertEquals("1970-01-01T00:00:01.500Z", lambda.records().get(0).arrival());
  }

  @Test
  void binaryIsRawAndEmptyIsAnError() {
    byte[] binary = {(byte) 0xF3, (byte) 0x89, 0x0A, 'A'};
    assertEquals(InputFormat.RAW, KinesisRecordReader.parse("in", binary, InputFormat.AUTO).format());
    assertEquals("in is empty: no record to read",
        assertThrows(CliException.class, () -> detect(" \n")).getMessage());
    assertEquals(0, KinesisRecordReader.parse("in", new byte[0], InputFormat.RAW).records().get(0).data().length);
  }

  /**
   * Found by InputParsingFuzzTest (input {@code utf32-looking-json-crash-431a7cd0}): bytes jackson auto-detects as
   * UTF-32 made it throw a CharConversionException, which kplc reported as a crash with a stack trace.
   */
  @Test
  void bytesJacksonCannotDecodeAreOneLineInvalidJsonErrors() throws Exception {
    byte[] content;
    try (var in = getClass().getResourceAsStream(
        "InputParsingFuzzTestInputs/parseInput/utf32-looking-json-crash-431a7cd0")) {
      content = in.readAllBytes();
    }
    for (InputFormat format : new InputFormat[] {InputFormat.LAMBDA, InputFormat.GET_RECORDS}) {
      CliException error = assertThrows(CliException.class, () -> KinesisRecordReader.parse("in", content, format));
      assertTrue(error.getMessage().startsWith("in: invalid JSON: not readable as JSON text: Invalid UTF-32"),
          error.getMessage());
    }
  }

  /**
   * Found by InputParsingFuzzTest (input {@code empty-json-array-crash-97d170e1}): {@code []} was detected as JSON of
   * no known kind, and kplc inspect failed with a NullPointerException.
   */
  @Test
  void anEmptyJsonArrayIsZeroRecords() {
    KinesisRecordReader.Parsed parsed = detect("[]");
    assertEquals(InputFormat.GET_RECORDS, parsed.format());
    assertEquals(0, parsed.records().size());
    assertEquals(0, detect(" [ ] \n").records().size());
  }

  /** The byte order mark is skipped by the text formats only: a raw record's bytes stay whole. */
  @Test
  void aByteOrderMarkStaysInARawRecord() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 0, 1};
    assertEquals(5, KinesisRecordReader.parse("in", bom, InputFormat.RAW).records().get(0).data().length);
    KinesisRecordReader.Parsed binary = KinesisRecordReader.parse("in", bom, InputFormat.AUTO);
    assertEquals(InputFormat.RAW, binary.format());
    assertArrayEquals(bom, binary.records().get(0).data());
    byte[] json = "\uFEFF{\"order\":1}".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(json, KinesisRecordReader.parse("in", json, InputFormat.AUTO).records().get(0).data());
    assertEquals(InputFormat.BASE64, detect("\uFEFFAAEC\n").format());
  }

  @Test
  void printableText() {
    byte[] text = "ключ\tok\n".getBytes(StandardCharsets.UTF_8);
    assertEquals("ключ\tok\n", Text.printableOrNull(ByteBuffer.wrap(text)));
    assertNull(Text.printableOrNull(ByteBuffer.wrap(new byte[] {'a', 0})));
    assertNull(Text.printableOrNull(ByteBuffer.wrap(new byte[] {(byte) 0xC3}))); // truncated UTF-8
    assertNull(Text.printableOrNull(ByteBuffer.wrap(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}))); // surrogate
    assertEquals("a\\nb", Text.cell(ByteBuffer.wrap("a\nb".getBytes(StandardCharsets.UTF_8)), 0));
    assertEquals("abc... (5 bytes)", Text.cell(ByteBuffer.wrap("abcde".getBytes(StandardCharsets.UTF_8)), 3));
  }
}
