package io.kplcodec.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kplcodec.Classification;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed fixtures are exactly what {@link FixtureGenerator} makes, and are what their names say. */
class FixturesTest {
  private static final Path FIXTURES = Paths.get("src/test/resources/fixtures");

  @Test
  void committedFixturesAreTheGeneratorsOutput() throws Exception {
    Map<String, byte[]> generated = FixtureGenerator.generate();
    if (Boolean.getBoolean("kplc.regenerateFixtures")) {
      FixtureGenerator.main(new String[] {FIXTURES.toString()});
    }
    for (Map.Entry<String, byte[]> fixture : generated.entrySet()) {
      Path file = FIXTURES.resolve(fixture.getKey());
      assertArrayEquals(fixture.getValue(), Files.readAllBytes(file), file + " differs from FixtureGenerator's "
          + "output: regenerate with mvn -pl cli test -Dtest=FixturesTest -Dkplc.regenerateFixtures=true");
    }
  }

  @Test
  void eachBinaryFixtureIsWhatItsNameSays() throws Exception {
    Deaggregator deaggregator = Deaggregator.create();
    assertEquals(Classification.AGGREGATED, deaggregator.classify(FixtureGenerator.aggregated()));
    assertEquals(4, deaggregator.deaggregate(FixtureGenerator.aggregated()).size());
    assertEquals(Classification.NOT_AGGREGATED,
        deaggregator.classify(Files.readAllBytes(FIXTURES.resolve("not-aggregated.bin"))));
    assertEquals(Classification.NOT_AGGREGATED,
        deaggregator.classify(Files.readAllBytes(FIXTURES.resolve("md5-mismatch.bin"))));
    byte[] corrupt = FixtureGenerator.corrupt();
    assertEquals(Classification.CORRUPT, deaggregator.classify(corrupt));
    CorruptAggregateException error = assertThrows(CorruptAggregateException.class,
        () -> deaggregator.deaggregate(corrupt));
    assertEquals(CorruptAggregateException.Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, error.reason());
  }
}
