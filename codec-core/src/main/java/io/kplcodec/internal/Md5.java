package io.kplcodec.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One MD5 digest with its scratch space, for the aggregate checksum and for partition-key hash keys. Owned by one
 * thread at a time: a {@link MessageDigest} is not thread-safe (one awslabs bug was sharing one across threads).
 */
public final class Md5 {
  /** Bytes of an MD5 digest. */
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

  /**
   * A digest of its own, with empty scratch and cache; {@link #take} reuses pooled ones instead.
   *
   * @throws IllegalStateException if the platform lacks MD5 (every Java platform must have it)
   */
  public Md5() {
    try {
      digest = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every Java platform", e);
    }
  }

  /**
   * An instance from the shared pool, owned by the caller until {@link #giveBack}.
   *
   * @return an idle pooled instance, or a new one when none is idle
   */
  public static Md5 take() {
    return SHARED.take();
  }

  /** Gives an instance from {@link #take} back; the caller must not use it afterwards. */
  public void giveBack() {
    SHARED.giveBack(this);
  }

  /**
   * The underlying digest, for feeding a message in parts before {@link #complete}.
   *
   * @return the digest, empty unless a caller fed it and did not complete it
   */
  public MessageDigest digest() {
    return digest;
  }

  /**
   * MD5 of {@code bytes[offset, offset + length)} into a reused array.
   *
   * @param bytes the array holding the bytes to hash
   * @param offset index of the first byte
   * @param length number of bytes
   * @return this instance's output array of {@link #LENGTH} bytes, overwritten by the next hash
   */
  public byte[] hash(byte[] bytes, int offset, int length) {
    digest.update(bytes, offset, length);
    return complete();
  }

  /**
   * The hash key Kinesis derives from a partition key: MD5 of its UTF-8 bytes, big-endian.
   *
   * @param partitionKey the partition key, not null
   * @param into the key to set
   * @return {@code into}, set to the partition key's hash key
   */
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

  /**
   * Completes the digest of what was fed to {@link #digest()} into a reused array.
   *
   * @return this instance's output array of {@link #LENGTH} bytes, overwritten by the next hash; the digest is reset
   */
  public byte[] complete() {
    try {
      digest.digest(out, 0, LENGTH);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
