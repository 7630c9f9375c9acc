package io.kplcodec.cloudwatch;

import io.kplcodec.testing.PublicApiDump;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Pins the public API to the checked-in dump {@code codec-cloudwatch/api/kpl-codec-cloudwatch.api}, so that every
 * API change is visible in review. After an intended change, regenerate it with {@code mvn test -pl
 * codec-cloudwatch -am -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false -Dkplcodec.updateApi=true}.
 */
class PublicApiTest {
  private static final Path DUMP = Path.of("api", "kpl-codec-cloudwatch.api");

  @Test
  void publicApiMatchesTheCheckedInDump() throws IOException, URISyntaxException, ClassNotFoundException {
    PublicApiDump.assertMatchesCheckedInDump(CloudWatchMetricsPublisher.class, DUMP);
  }
}
