package example.migrating;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import io.kplcodec.aws.DeaggregatedRecord;
import io.kplcodec.aws.KclDeaggregator;
import io.kplcodec.aws.LambdaDeaggregator;
import io.kplcodec.aws.SdkDeaggregator;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiConsumer;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.lifecycle.LifecycleConfig;

/** After: kpl-codec-core's Deaggregator and kpl-codec-aws's adapters. */
final class DeaggregationAfter {
  static void core(byte[] kinesisRecordData, BiConsumer<String, ByteBuffer> process) {
    // MIGRATING:kplcodec-deaggregate start
    Deaggregator deaggregator = Deaggregator.create(); // immutable and thread-safe: share one
    for (UserRecord userRecord : deaggregator.deaggregate(kinesisRecordData)) {
      process.accept(userRecord.partitionKey(), userRecord.data()); // a null key: not aggregated
    }
    // MIGRATING:kplcodec-deaggregate end
  }

  static void sdk(List<Record> records, Shard shard, BiConsumer<String, ByteBuffer> process) {
    // MIGRATING:kplcodec-sdk start
    SdkDeaggregator deaggregator = SdkDeaggregator.create().forShard(shard); // drops out-of-range user records, counted
    for (DeaggregatedRecord userRecord : deaggregator.deaggregate(records)) { // SDK v2 GetRecords records
      process.accept(userRecord.partitionKey(), userRecord.data());
    }
    // MIGRATING:kplcodec-sdk end
  }

  static void lambda(KinesisEvent event, BiConsumer<String, ByteBuffer> process) {
    // MIGRATING:kplcodec-lambda start
    LambdaDeaggregator deaggregator = LambdaDeaggregator.create(); // thread-safe: keep it in a static field
    for (DeaggregatedRecord userRecord : deaggregator.deaggregate(event)) {
      process.accept(userRecord.partitionKey(), userRecord.data());
    }
    // MIGRATING:kplcodec-lambda end
  }

  /** Compiled only: examples/kcl3 runs a worker wired this way. */
  static Scheduler kcl(ConfigsBuilder configs) {
    // MIGRATING:kplcodec-kcl start
    LifecycleConfig lifecycle = configs.lifecycleConfig().aggregatorUtil(KclDeaggregator.create());
    Scheduler scheduler = new Scheduler(configs.checkpointConfig(), configs.coordinatorConfig(),
        configs.leaseManagementConfig(), lifecycle, configs.metricsConfig(), configs.processorConfig(),
        configs.retrievalConfig());
    // MIGRATING:kplcodec-kcl end
    return scheduler;
  }
}
