package io.kplcodec.aws;

import io.kplcodec.testing.PublicApiDump;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Pins the public API to the checked-in dump {@code codec-aws/api/kpl-codec-aws.api}, so that every API change is
 * visible in review. After an intended change, regenerate it with
 * {@code mvn test -pl codec-aws -Dtest=PublicApiTest -Dkplcodec.updateApi=true}.
 */
class PublicApiTest {
  private static final Path DUMP = Path.of("api", "kpl-codec-aws.api");

  @Test
  void publicApiMatchesTheCheckedInDump() throws IOException, URISyntaxException, ClassNotFoundException {
    PublicApiDump.assertMatchesCheckedInDump(KinesisProducer.class, DUMP);
  }
}
