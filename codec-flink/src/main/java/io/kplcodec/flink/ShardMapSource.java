package io.kplcodec.flink;

import io.kplcodec.ShardMap;
import java.io.Serializable;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

/**
 * Where the aggregation operator gets the stream's open shards: ListShards in a job, a fixed or scripted map in the
 * operator's tests. Serializable configuration; {@link #fetch()} may be called from the task thread while an
 * earlier fetch is still running.
 */
interface ShardMapSource extends Serializable {
  /** Prepares a client; called once on the task thread. */
  void open();

  /** The current open shards, completed on any thread. */
  CompletableFuture<ShardMap> fetch();

  /** Releases the client. */
  void close();

  /** ListShards on {@code stream} (a name or an ARN) with the connector's client built from these properties. */
  static ShardMapSource listShards(Properties clientProperties, String stream) {
    return new ListShards(KinesisShardLister.likeSink(clientProperties), stream);
  }

  /** {@link ShardMapSource#listShards}. */
  final class ListShards implements ShardMapSource {
    private static final long serialVersionUID = 1L;
    /** Lists the stream's shards. */
    private final KinesisShardLister lister;
    /** The stream's name or ARN. */
    private final String stream;

    ListShards(KinesisShardLister lister, String stream) {
      this.lister = lister;
      this.stream = stream;
    }

    @Override
    public void open() {
      lister.open();
    }

    @Override
    public CompletableFuture<ShardMap> fetch() {
      return lister.listShards(stream).thenApply(KinesisShardLister::openShardMap);
    }

    @Override
    public void close() {
      lister.close();
    }

    @Override
    public String toString() {
      return "ListShards(" + stream + ")";
    }
  }
}
