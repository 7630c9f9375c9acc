package example.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import io.kplcodec.aws.DeaggregatedRecord;
import io.kplcodec.aws.LambdaDeaggregator;
import java.nio.charset.StandardCharsets;

/** A Lambda function on a Kinesis stream that KPL producers write to: one log line per user record. */
public class OrdersHandler implements RequestHandler<KinesisEvent, Void> {
  private static final LambdaDeaggregator DEAGGREGATOR = LambdaDeaggregator.create(); // thread-safe: share it

  @Override
  public Void handleRequest(KinesisEvent event, Context context) {
    LambdaLogger logger = context.getLogger();
    for (DeaggregatedRecord record : DEAGGREGATOR.deaggregate(event)) {
      // sequenceNumber() + subSequenceNumber() identify the user record in its shard
      String explicitHashKey = record.explicitHashKey() == null ? "-" : record.explicitHashKey();
      logger.log(record.sequenceNumber() + "/" + record.subSequenceNumber() + " "
          + (record.isAggregated() ? "aggregated" : "not-aggregated") + " pk=" + record.partitionKey()
          + " ehk=" + explicitHashKey + " data=" + new String(record.dataBytes(), StandardCharsets.UTF_8) + "\n");
    }
    return null;
  }
}
