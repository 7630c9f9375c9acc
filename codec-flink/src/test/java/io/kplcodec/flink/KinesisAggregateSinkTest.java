package io.kplcodec.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.connector.kinesis.sink.KinesisStreamsStateSerializer;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.core.SdkBytes;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import org.junit.jupiter.api.Test;

/** The sink's checkpointed state: what the connector's serializer gets wrong and this module's gets right. */
class KinesisAggregateSinkTest {
  private static final List<String> KEYS = List.of("ascii-key", "ключ", "€😀-7", "k".repeat(255) + "😀", "0");

  @Test
  void theConnectorsOwnStateSerializerCannotRestoreNonAsciiPartitionKeys() throws IOException {
    // Pins the connector bug worked around here: if this starts failing, the connector fixed it.
    KinesisStreamsStateSerializer connector = new KinesisStreamsStateSerializer();
    byte[] bytes = connector.serialize(state(List.of("ключ", "second")));
    List<String> restoredKeys;
    try {
      restoredKeys = keys(connector.deserialize(connector.getVersion(), bytes));
    } catch (IOException | RuntimeException e) {
      restoredKeys = List.of("failed: " + e);
    }
    // "ключ" is 4 chars but 8 bytes: it comes back as "кл", and the next entry is read from its last 4 bytes on.
    assertNotEquals(List.of("ключ", "second"), restoredKeys);
    assertEquals("кл", restoredKeys.get(0));
  }

  @Test
  void everyPartitionKeyAndPayloadSurvivesACheckpoint() throws IOException {
    KinesisAggregateSink.Utf8StateSerializer serializer = new KinesisAggregateSink.Utf8StateSerializer();
    BufferedRequestState<PutRecordsRequestEntry> state = state(KEYS);
    BufferedRequestState<PutRecordsRequestEntry> restored =
        serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
    assertEquals(KEYS, keys(restored));
    for (int i = 0; i < KEYS.size(); i++) {
      RequestEntryWrapper<PutRecordsRequestEntry> entry = restored.getBufferedRequestEntries().get(i);
      assertArrayEquals(payload(i), entry.getRequestEntry().data().asByteArray());
      assertEquals(payload(i).length, entry.getSize());
    }
  }

  @Test
  void asciiStateIsByteForByteTheConnectorsSoCheckpointsStayCompatible() throws IOException {
    BufferedRequestState<PutRecordsRequestEntry> state = state(List.of("ascii-key", "0", "customer-42"));
    KinesisStreamsStateSerializer connector = new KinesisStreamsStateSerializer();
    KinesisAggregateSink.Utf8StateSerializer ours = new KinesisAggregateSink.Utf8StateSerializer();
    assertEquals(connector.getVersion(), ours.getVersion());
    assertArrayEquals(connector.serialize(state), ours.serialize(state));
  }

  private static BufferedRequestState<PutRecordsRequestEntry> state(List<String> keys) {
    List<RequestEntryWrapper<PutRecordsRequestEntry>> entries = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      PutRecordsRequestEntry entry = PutRecordsRequestEntry.builder()
          .partitionKey(keys.get(i)).data(SdkBytes.fromByteArray(payload(i))).build();
      entries.add(new RequestEntryWrapper<>(entry, payload(i).length));
    }
    return new BufferedRequestState<>(entries);
  }

  private static byte[] payload(int i) {
    byte[] data = new byte[10 + i * 1000];
    for (int j = 0; j < data.length; j++) {
      data[j] = (byte) (i * 17 + j);
    }
    return data;
  }

  private static List<String> keys(BufferedRequestState<PutRecordsRequestEntry> state) {
    List<String> keys = new ArrayList<>();
    state.getBufferedRequestEntries().forEach(entry -> keys.add(entry.getRequestEntry().partitionKey()));
    return keys;
  }
}
