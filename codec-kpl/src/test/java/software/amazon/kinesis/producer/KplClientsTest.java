package software.amazon.kinesis.producer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link KplClients} closes what it opened: newest first, every one, whatever throws. */
class KplClientsTest {
  @Test
  void closesNewestFirstEveryOneAndThrowsTheFirstFailureWithTheOthersSuppressed() {
    List<String> closed = new ArrayList<>();
    RuntimeException publisherFailed = new IllegalStateException("publisher");
    RuntimeException cloudWatchFailed = new IllegalStateException("cloudwatch");
    Deque<Runnable> opened = new ArrayDeque<>();
    opened.push(() -> closed.add("kinesis http"));
    opened.push(() -> closed.add("kinesis"));
    opened.push(() -> {
      closed.add("cloudwatch");
      throw cloudWatchFailed;
    });
    opened.push(() -> {
      closed.add("publisher");
      throw publisherFailed;
    });
    RuntimeException thrown = assertThrows(RuntimeException.class, () -> KplClients.closeAll(opened));
    assertSame(publisherFailed, thrown);
    assertArrayEquals(new Throwable[] {cloudWatchFailed}, thrown.getSuppressed());
    assertEquals(List.of("publisher", "cloudwatch", "kinesis", "kinesis http"), closed);
    assertTrue(opened.isEmpty());
    KplClients.closeAll(opened); // a second close closes nothing again
    assertEquals(4, closed.size());
  }

  @Test
  void aConfigurationTheCloudWatchUploadsRefuseFailsToOpen() { // what it opened first is closed: see above
    KinesisProducerConfiguration config = new KinesisProducerConfiguration().setRegion("us-east-1")
        .setMetricsLevel("detailed");
    for (int i = 0; i < 28; i++) { // CloudWatch takes 30 dimensions, the KPL's own up to 3
      config.addAdditionalMetricsDimension("Key" + i, "value", "global");
    }
    assertThrows(IllegalArgumentException.class, () -> KplClients.open(config, new io.kplcodec.aws.KplMetrics()));
  }
}
