package io.kplcodec.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.HashKeyRange;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.SequenceNumberRange;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * A mock {@link KinesisAsyncClient} for unit tests of the producer's parts: ListShards answers a fixed shard list;
 * each PutRecords call waits in {@link #calls} until the test answers it.
 */
final class FakeKinesis implements KinesisAsyncClient {
  /** Half of the hash key space: shard 0 owns [0, HALF - 1], shard 1 [HALF, 2^128 - 1]. */
  static final String HALF = "170141183460469231731687303715884105728";
  static final String LOW_KEY = "1";
  static final String HIGH_KEY = "200000000000000000000000000000000000000";
  /** 2^128 - 1, the last hash key. */
  static final String MAX_KEY = "340282366920938463463374607431768211455";
  static final String SHARD_0 = "shardId-000000000000";
  static final String SHARD_1 = "shardId-000000000001";

  /** A PutRecords call the test has not answered yet. */
  record Call(PutRecordsRequest request, CompletableFuture<PutRecordsResponse> response) {
    /** Answers every entry as stored on the shard its explicit hash key routes to. */
    void succeed() {
      List<PutRecordsResultEntry> results = new ArrayList<>();
      for (PutRecordsRequestEntry entry : request.records()) {
        results.add(PutRecordsResultEntry.builder().shardId(shardFor(entry))
            .sequenceNumber(Long.toString(SEQUENCE.incrementAndGet())).build());
      }
      response.complete(PutRecordsResponse.builder().records(results).failedRecordCount(0).build());
    }

    /** Answers every entry as refused with {@code errorCode}. */
    void refuseEvery(String errorCode) {
      List<PutRecordsResultEntry> results = new ArrayList<>();
      for (int i = 0; i < request.records().size(); i++) {
        results.add(PutRecordsResultEntry.builder().errorCode(errorCode).errorMessage("refused by the test").build());
      }
      response.complete(PutRecordsResponse.builder().records(results).failedRecordCount(results.size()).build());
    }

    void fail(Throwable error) {
      response.completeExceptionally(error);
    }

    long bytes() {
      long sum = 0;
      for (PutRecordsRequestEntry entry : request.records()) {
        sum += entry.data().asByteBuffer().remaining() + entry.partitionKey().length();
      }
      return sum;
    }
  }

  private static final AtomicLong SEQUENCE = new AtomicLong(1000);
  final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
  /** Every ListShards request, in order. */
  final List<ListShardsRequest> listShardsRequests = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile List<Shard> shards;
  /** Shards per ListShards page; 0: one page. */
  private volatile int listShardsPageSize;

  /** Two open shards, split at {@link #HALF}. */
  FakeKinesis() {
    this.shards = List.of(shard("shardId-000000000000", "0", new java.math.BigInteger(HALF).subtract(
        java.math.BigInteger.ONE).toString()), shard("shardId-000000000001", HALF,
        java.math.BigInteger.ONE.shiftLeft(128).subtract(java.math.BigInteger.ONE).toString()));
  }

  /** An open shard. */
  static Shard shard(String id, String start, String end) {
    return Shard.builder().shardId(id)
        .hashKeyRange(HashKeyRange.builder().startingHashKey(start).endingHashKey(end).build())
        .sequenceNumberRange(SequenceNumberRange.builder().startingSequenceNumber("0").build())
        .build();
  }

  /** A closed shard (it has an ending sequence number). */
  static Shard closedShard(String id, String start, String end) {
    return shard(id, start, end).toBuilder().sequenceNumberRange(
        SequenceNumberRange.builder().startingSequenceNumber("0").endingSequenceNumber("99").build()).build();
  }

  /** ListShards answers {@code shards} from now on (a reshard). */
  void shards(List<Shard> shards) {
    this.shards = List.copyOf(shards);
  }

  /** ListShards answers in pages of {@code size} shards, linked by nextToken. */
  void listShardsPageSize(int size) {
    this.listShardsPageSize = size;
  }

  static String shardFor(PutRecordsRequestEntry entry) {
    String key = entry.explicitHashKey();
    boolean high = key != null && new java.math.BigInteger(key).compareTo(new java.math.BigInteger(HALF)) >= 0;
    return high ? "shardId-000000000001" : "shardId-000000000000";
  }

  /** The next call the producer makes, waiting up to 5 s for it. */
  Call nextCall() throws InterruptedException {
    Call call = calls.poll(5, TimeUnit.SECONDS);
    if (call == null) {
      throw new AssertionError("no PutRecords call within 5 s");
    }
    return call;
  }

  /** Whether the producer makes another call within {@code millis}. */
  Call pollCall(long millis) throws InterruptedException {
    return calls.poll(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletableFuture<ListShardsResponse> listShards(ListShardsRequest request) {
    listShardsRequests.add(request);
    List<Shard> all = shards;
    int pageSize = listShardsPageSize;
    if (pageSize <= 0) {
      return CompletableFuture.completedFuture(ListShardsResponse.builder().shards(all).build());
    }
    int from = request.nextToken() == null ? 0 : Integer.parseInt(request.nextToken());
    int to = Math.min(all.size(), from + pageSize);
    return CompletableFuture.completedFuture(ListShardsResponse.builder().shards(all.subList(from, to))
        .nextToken(to < all.size() ? Integer.toString(to) : null).build());
  }

  @Override
  public CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
    CompletableFuture<PutRecordsResponse> response = new CompletableFuture<>();
    calls.add(new Call(request, response));
    return response;
  }

  @Override
  public String serviceName() {
    return "kinesis";
  }

  @Override
  public void close() {}
}
