package io.kplcodec.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** What the reader's public methods promise beyond what the deaggregator's tests reach through it. */
class AggregateReaderTest {
  @Test
  void aRunOfTheSmallestRecordsReadsUpToTheEndOfItsArray() {
    // The deaggregator always leaves the 16 MD5 bytes after the message; a message that ends its array must still
    // read to its last record, though a run reads each record with one read of eight bytes.
    for (int records = 1; records <= 70; records++) {
      for (int arrayOffset = 0; arrayOffset <= 2; arrayOffset++) {
        byte[] array = new byte[arrayOffset + 3 + 6 * records];
        ByteBuffer message = ByteBuffer.wrap(array, arrayOffset, array.length - arrayOffset).slice();
        message.put(new byte[] {0x0a, 0x01, 0x61});
        for (int i = 0; i < records; i++) {
          message.put(new byte[] {0x1a, 0x04, 0x08, 0x00, 0x1a, 0x00}); // index 0, no data
        }
        AggregateReader reader = new AggregateReader();
        reader.attach(message, 0, message.capacity());
        reader.read(0, message.capacity(), 0);
        assertEquals(records, reader.recordCount(), "records " + records + ", array offset " + arrayOffset);
        for (int i = 0; i < records; i++) {
          assertEquals(3 + 6 * i + 6, reader.dataOffset(i));
          assertEquals(0, reader.dataLength(i));
          assertEquals(0, reader.partitionKeyIndex(i));
          assertEquals(-1, reader.explicitHashKeyIndex(i));
        }
      }
    }
  }
}
