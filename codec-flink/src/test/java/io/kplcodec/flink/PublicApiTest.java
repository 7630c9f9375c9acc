package io.kplcodec.flink;

import io.kplcodec.testing.PublicApiDump;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Pins the public API to the checked-in dump {@code codec-flink/api/kpl-codec-flink.api}, so that every API change is
 * visible in review. After an intended change, regenerate it with
 * {@code mvn test -pl codec-flink -Dtest=PublicApiTest -Dkplcodec.updateApi=true}.
 */
class PublicApiTest {
  private static final Path DUMP = Path.of("api", "kpl-codec-flink.api");

  @Test
  void publicApiMatchesTheCheckedInDump() throws IOException, URISyntaxException, ClassNotFoundException {
    PublicApiDump.assertMatchesCheckedInDump(AggregatingKinesisSink.class, DUMP);
  }
}
