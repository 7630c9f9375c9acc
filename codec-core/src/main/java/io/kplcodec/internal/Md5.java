package io.kplcodec.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One MD5 digest with its scratch space, for the aggregate checksum and for partition-key hash keys. Owned by one
 * thread at a time: a {@link MessageDigest} is not thread-safe (one awslabs bug was sharing one across threads).
 */
public final class Md5 {
  public static final int LENGTH = 16;

  /** For the public one-off lookups (ShardMap, HashKeyRange): a new one costs a digest and 5 KB. */
  private static final ScratchPool<Md5> SHARED = ScratchPool.perCore(Md5::new);

  private final MessageDigest digest;
  private final byte[] out = new byte[LENGTH];
  private byte[] keyBytes = new byte[256 * 3];
  /** Perf: a direct-mapped cache of recent partition keys' hash keys; most workloads reuse a few keys. */
  private final String[] cachedKeys = new String[256];
  private final long[] cachedHigh = new long[256];
  private final long[] cachedLow = new long[256];

  public Md5() {
    try {
      digest = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every Java platform", e);
    }
  }

  /** An instance from the shared pool, owned by the caller until {@link #giveBack}. */
  public static Md5 take() {
    return SHARED.take();
  }

  /** Gives an instance from {@link #take} back; the caller must not use it afterwards. */
  public void giveBack() {
    SHARED.giveBack(this);
  }

  public MessageDigest digest() {
    return digest;
  }

  /** MD5 of {@code buffer[from, to)} (absolute indexes; the buffer's position is untouched) into a reused array. */
  public byte[] hash(ByteBuffer buffer, int from, int to) {
    if (buffer.hasArray()) {
      digest.update(buffer.array(), buffer.arrayOffset() + from, to - from);
    } else {
      ByteBuffer view = buffer.duplicate();
      view.limit(to).position(from);
      digest.update(view);
    }
    return complete();
  }

  /** MD5 of {@code bytes[offset, offset + length)} into a reused array. */
  public byte[] hash(byte[] bytes, int offset, int length) {
    digest.update(bytes, offset, length);
    return complete();
  }

  /** The hash key Kinesis derives from a partition key: MD5 of its UTF-8 bytes, big-endian. */
  public HashKey hashKeyOf(String partitionKey, HashKey into) {
    int slot = partitionKey.hashCode() & (cachedKeys.length - 1);
    String cached = cachedKeys[slot];
    if (cached == partitionKey || partitionKey.equals(cached)) {
      return into.set(cachedHigh[slot], cachedLow[slot]);
    }
    int length = Utf8.encodedLength(partitionKey);
    if (length > keyBytes.length) {
      keyBytes = new byte[length];
    }
    Utf8.encode(partitionKey, keyBytes, 0);
    into.setFromDigest(hash(keyBytes, 0, length));
    cachedKeys[slot] = partitionKey;
    cachedHigh[slot] = into.high();
    cachedLow[slot] = into.low();
    return into;
  }

  /** Completes the digest of what was fed to {@link #digest()} into a reused array. */
  public byte[] complete() {
    try {
      digest.digest(out, 0, LENGTH);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
