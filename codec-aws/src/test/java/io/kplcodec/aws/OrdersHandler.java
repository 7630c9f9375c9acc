package io.kplcodec.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import java.nio.charset.StandardCharsets;

// README:lambda start
public class OrdersHandler implements RequestHandler<KinesisEvent, Void> {
  private static final LambdaDeaggregator DEAGGREGATOR = LambdaDeaggregator.create(); // thread-safe: share it

  @Override
  public Void handleRequest(KinesisEvent event, Context context) {
    for (DeaggregatedRecord record : DEAGGREGATOR.deaggregate(event)) {
      // the user record's own partition key; sequenceNumber() + subSequenceNumber() identify it in its shard
      String customer = record.partitionKey();
      String order = new String(record.dataBytes(), StandardCharsets.UTF_8);
      process(customer, order);
    }
    return null;
  }

  void process(String customer, String order) {
    // your code
  }
}
// README:lambda end
