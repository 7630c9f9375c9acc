package io.kplcodec.benchmarks;

import java.security.DigestException;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The physical limits, over exactly the protobuf bytes (between magic and MD5) of the workload's full aggregate: what
 * every encoder and every verifying decoder must at least do (MD5 of every byte, through {@link MessageDigest}), and
 * what moving the bytes once costs ({@link System#arraycopy}). Both are intrinsics the JIT compiles within a second,
 * hence the shorter warm-up.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class LimitBenchmark {
  @Param("64B-16keys-1MiB")
  public String workload;

  private byte[] aggregate;
  private int messageLength;
  private MessageDigest md5;
  private final byte[] digest = new byte[16];
  private byte[] copy;

  @Setup
  public void setUp() {
    aggregate = Workload.of(workload).fullAggregate();
    messageLength = aggregate.length - 20;
    md5 = ProtobufJavaPaths.md5();
    copy = new byte[messageLength];
  }

  @Benchmark
  public byte md5() throws DigestException {
    md5.update(aggregate, 4, messageLength);
    md5.digest(digest, 0, digest.length);
    return digest[0];
  }

  @Benchmark
  public byte arraycopy() {
    System.arraycopy(aggregate, 4, copy, 0, messageLength);
    return copy[messageLength >>> 1];
  }
}
