package io.kplcodec.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kplcodec.ShardMap;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer targets for the text parsing kplc adds on top of codec-core: its record inputs (raw, base64 lines, Lambda
 * events, GetRecords output, and the detection between them), JSON lines of user records, and ListShards files. On
 * any bytes each parser either returns a result or throws {@link CliException}, which kplc prints as one line with
 * exit code 1; anything else (a Jackson exception, a NullPointerException, ...) would reach the user as a crash.
 *
 * <p>Regression mode (every build) replays {@code src/test/resources/io/kplcodec/cli/InputParsingFuzzTestInputs/}
 * (seeded with the committed fixtures); a campaign: {@code JAZZER_FUZZ=1 mvn -B -ntp -pl cli -am test -Dtest=InputParsingFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration=30m}.
 */
class InputParsingFuzzTest {

  /** Each input goes to every parser: one target, so one campaign covers them all. */
  @FuzzTest(maxDuration = "30s")
  void parseInput(byte[] content) {
    for (InputFormat format : InputFormat.values()) {
      try {
        KinesisRecordReader.Parsed parsed = KinesisRecordReader.parse("fuzz", content, format);
        assertNotNull(parsed.format());
        for (InputRecord record : parsed.records()) {
          assertNotNull(record.data(), "a parsed record has its bytes");
        }
      } catch (CliException e) {
        assertOneLine(e);
      }
    }
    try {
      UserRecordJson.Line line = UserRecordJson.parse(new String(content, StandardCharsets.UTF_8), "fuzz line 1");
      assertNotNull(line.partitionKey());
      assertNotNull(line.data());
    } catch (CliException e) {
      assertOneLine(e);
    }
    try {
      ShardMap map = ShardMapReader.parse("fuzz", content);
      assertTrue(map.size() > 0, "a shard map has shards");
    } catch (CliException e) {
      assertOneLine(e);
    }
  }

  /** kplc prints the message as the one line of its error output. */
  private static void assertOneLine(CliException e) {
    String message = e.getMessage();
    assertNotNull(message);
    assertFalse(message.isBlank(), "an empty error message");
    assertFalse(message.contains("\n"), "an error of more than one line: " + message);
  }
}
