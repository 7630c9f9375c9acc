package io.kplcodec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.kplcodec.ShardMap;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Shard maps for {@code aggregate}: from ListShards or DescribeStream JSON (the SDK's, the AWS CLI's or the HTTP
 * API's), or N even shards as CreateStream makes them. Stateless and thread-safe.
 */
final class ShardMapReader {
  private static final BigInteger HASH_KEY_SPACE = BigInteger.ONE.shiftLeft(128);

  private ShardMapReader() {}

  /** {@code count} shards splitting the hash key space evenly, as CreateStream does, ids shardId-000000000000 up. */
  static ShardMap evenShards(int count) {
    BigInteger width = HASH_KEY_SPACE.divide(BigInteger.valueOf(count));
    ShardMap.Builder builder = ShardMap.builder();
    for (int i = 0; i < count; i++) {
      BigInteger start = width.multiply(BigInteger.valueOf(i));
      BigInteger end = i == count - 1 ? HASH_KEY_SPACE.subtract(BigInteger.ONE)
          : start.add(width).subtract(BigInteger.ONE);
      builder.add(shardId(i), start.toString(), end.toString());
    }
    return builder.build();
  }

  /** Kinesis's shard id for shard number {@code n}. */
  static String shardId(int n) {
    return String.format(Locale.ROOT, "shardId-%012d", n);
  }

  /**
   * The open shards (no ending sequence number) of a ListShards or DescribeStream response, or of a JSON array of
   * shards.
   */
  static ShardMap read(Path file) {
    return parse(file.toString(), KinesisRecordReader.readSmall(file));
  }

  /** {@link #read}, from the content of {@code source}. */
  static ShardMap parse(String source, byte[] content) {
    JsonNode root;
    try {
      root = Json.read(content);
    } catch (Json.InvalidJsonException e) {
      throw CliException.failed(source + ": invalid JSON: " + e.getMessage());
    }
    JsonNode shards = root.isArray() ? root
        : root.path("Shards").isArray() ? root.get("Shards")
        : root.path("StreamDescription").path("Shards");
    if (!shards.isArray()) {
      throw CliException.failed(source + ": no shards: expected ListShards output ({\"Shards\":[...]}), "
          + "DescribeStream output or an array of shards");
    }
    ShardMap.Builder builder = ShardMap.builder();
    int open = 0;
    for (int i = 0; i < shards.size(); i++) {
      JsonNode shard = shards.get(i);
      String where = source + " Shards[" + i + "]";
      if (shard.path("SequenceNumberRange").hasNonNull("EndingSequenceNumber")) {
        continue; // closed by a reshard: it takes no new records
      }
      String id = Json.text(shard, "ShardId", where);
      String start = Json.text(shard.path("HashKeyRange"), "StartingHashKey", where + " HashKeyRange");
      String end = Json.text(shard.path("HashKeyRange"), "EndingHashKey", where + " HashKeyRange");
      if (id == null || start == null || end == null) {
        throw CliException.failed(where + ": needs ShardId and HashKeyRange.StartingHashKey/EndingHashKey");
      }
      try {
        builder.add(id, start, end);
      } catch (IllegalArgumentException e) {
        throw CliException.failed(where + ": " + e.getMessage());
      }
      open++;
    }
    if (open == 0) {
      throw CliException.failed(source + ": no open shard (every shard has an EndingSequenceNumber)");
    }
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw CliException.failed(source + ": the open shards are not a shard map: " + e.getMessage());
    }
  }
}
