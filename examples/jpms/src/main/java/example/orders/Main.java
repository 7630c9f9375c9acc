package example.orders;

import io.kplcodec.Aggregator;
import io.kplcodec.Deaggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.UserRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Aggregates 100 orders, deaggregates them, and says which modules did it. */
public final class Main {
  public static void main(String[] args) {
    Aggregator aggregator = Aggregator.builder().build();
    List<KinesisRecord> kinesisRecords = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      KinesisRecord full = aggregator.add("customer-" + (i % 7), ("order " + i).getBytes(StandardCharsets.UTF_8));
      if (full != null) {
        kinesisRecords.add(full);
      }
    }
    kinesisRecords.addAll(aggregator.flush());

    Deaggregator deaggregator = Deaggregator.create();
    int back = 0;
    for (KinesisRecord kinesisRecord : kinesisRecords) {
      for (UserRecord userRecord : deaggregator.deaggregate(kinesisRecord.dataBytes())) {
        String expected = "order " + back;
        if (!expected.equals(new String(userRecord.dataBytes(), StandardCharsets.UTF_8))
            || !userRecord.partitionKey().equals("customer-" + (back % 7))) {
          throw new AssertionError("user record " + back + " came back as " + userRecord);
        }
        back++;
      }
    }
    if (back != 100) {
      throw new AssertionError(back + " user records back instead of 100");
    }
    Module codec = Aggregator.class.getModule();
    System.out.println("jpms: module " + Main.class.getModule().getName() + " aggregated 100 user records into "
        + kinesisRecords.size() + " Kinesis record(s) and deaggregated all 100 with module " + codec.getName()
        + " (named: " + codec.isNamed() + ", exports " + codec.getDescriptor().exports() + ")");
  }
}
