package io.kplcodec.flink;

import io.kplcodec.HashKeyRange;
import io.kplcodec.ShardMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.connector.kinesis.sink.KinesisStreamsConfigConstants;
import org.apache.flink.kinesis.shaded.org.apache.flink.connector.aws.util.AWSClientUtil;
import org.apache.flink.kinesis.shaded.org.apache.flink.connector.aws.util.AWSGeneralUtil;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.http.SdkHttpClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.http.apache.ApacheHttpClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.KinesisClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.utils.AttributeMap;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.utils.SdkAutoCloseable;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * Lists a stream's shards with the Kinesis client the connector itself builds from the same properties (region,
 * endpoint, credentials, HTTP settings), through the connector's own shaded AWS SDK: the one place in this module
 * that touches connector internals, so a connector upgrade changes only this class. Like the sink, {@link
 * #likeSink} uses the asynchronous Netty client ({@code aws.http.protocol.version} applies); like the source, {@link
 * #likeSource} uses the synchronous Apache client (HTTP/1.1).
 *
 * <p>Serializable configuration; the client exists between {@link #open()} and {@link #close()}. Thread-safe once
 * open (the SDK clients are).
 */
final class KinesisShardLister implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Properties clientProperties;
  private final boolean likeSource;
  private transient SdkAutoCloseable httpClient;
  private transient KinesisAsyncClient asyncClient;
  private transient KinesisClient syncClient;

  private KinesisShardLister(Properties clientProperties, boolean likeSource) {
    this.clientProperties = new Properties();
    this.clientProperties.putAll(clientProperties);
    this.likeSource = likeSource;
  }

  /** With the client {@code KinesisStreamsSink} builds from these properties. */
  static KinesisShardLister likeSink(Properties clientProperties) {
    return new KinesisShardLister(clientProperties, false);
  }

  /** With the client {@code KinesisStreamsSource} builds from these properties (its configuration's entries). */
  static KinesisShardLister likeSource(Properties clientProperties) {
    return new KinesisShardLister(clientProperties, true);
  }

  /** Builds the client; checks the credential settings as the connector does. */
  void open() {
    AWSGeneralUtil.validateAwsCredentials(clientProperties);
    if (likeSource) {
      SdkHttpClient http = AWSGeneralUtil.createSyncHttpClient(AttributeMap.builder().build(),
          ApacheHttpClient.builder());
      httpClient = http;
      syncClient = AWSClientUtil.createAwsSyncClient(clientProperties, http, KinesisClient.builder(),
          KinesisStreamsConfigConstants.BASE_KINESIS_USER_AGENT_PREFIX_FORMAT,
          KinesisStreamsConfigConstants.KINESIS_CLIENT_USER_AGENT_PREFIX);
    } else {
      SdkAsyncHttpClient http = AWSGeneralUtil.createAsyncHttpClient(clientProperties);
      httpClient = http;
      asyncClient = AWSClientUtil.createAwsAsyncClient(clientProperties, http, KinesisAsyncClient.builder(),
          KinesisStreamsConfigConstants.BASE_KINESIS_USER_AGENT_PREFIX_FORMAT,
          KinesisStreamsConfigConstants.KINESIS_CLIENT_USER_AGENT_PREFIX);
    }
  }

  /**
   * Every shard of the stream that ListShards returns (open and closed ones), following its pages.
   *
   * @param stream a stream ARN ({@code arn:...}) or a stream name
   */
  CompletableFuture<List<Shard>> listShards(String stream) {
    ListShardsRequest first = stream.startsWith("arn:")
        ? ListShardsRequest.builder().streamARN(stream).build()
        : ListShardsRequest.builder().streamName(stream).build();
    return listFrom(first, new ArrayList<>());
  }

  private CompletableFuture<List<Shard>> listFrom(ListShardsRequest request, List<Shard> shards) {
    if (syncClient != null) {
      try {
        ListShardsResponse response = syncClient.listShards(request);
        while (true) {
          shards.addAll(response.shards());
          if (response.nextToken() == null) {
            return CompletableFuture.completedFuture(shards);
          }
          response = syncClient.listShards(ListShardsRequest.builder().nextToken(response.nextToken()).build());
        }
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return asyncClient.listShards(request).thenCompose(response -> {
      shards.addAll(response.shards());
      if (response.nextToken() == null) {
        return CompletableFuture.completedFuture(shards);
      }
      // With a NextToken, ListShards refuses the stream name or ARN.
      return listFrom(ListShardsRequest.builder().nextToken(response.nextToken()).build(), shards);
    });
  }

  /** The open shards (those without an ending sequence number) as a shard map. */
  static ShardMap openShardMap(List<Shard> shards) {
    ShardMap.Builder builder = ShardMap.builder();
    for (Shard shard : shards) {
      if (shard.sequenceNumberRange() == null || shard.sequenceNumberRange().endingSequenceNumber() == null) {
        builder.add(shard.shardId(), rangeOf(shard));
      }
    }
    return builder.build();
  }

  /** Every listed shard's hash key range, by shard id. */
  static Map<String, HashKeyRange> rangesById(List<Shard> shards) {
    Map<String, HashKeyRange> ranges = new LinkedHashMap<>();
    for (Shard shard : shards) {
      ranges.put(shard.shardId(), rangeOf(shard));
    }
    return ranges;
  }

  private static HashKeyRange rangeOf(Shard shard) {
    return HashKeyRange.of(shard.hashKeyRange().startingHashKey(), shard.hashKeyRange().endingHashKey());
  }

  void close() {
    if (asyncClient != null) {
      asyncClient.close();
      asyncClient = null;
    }
    if (syncClient != null) {
      syncClient.close();
      syncClient = null;
    }
    if (httpClient != null) {
      httpClient.close();
      httpClient = null;
    }
  }
}
