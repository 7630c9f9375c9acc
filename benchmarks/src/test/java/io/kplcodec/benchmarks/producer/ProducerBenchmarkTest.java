package io.kplcodec.benchmarks.producer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The producer benchmark's harness without the KPL (which needs the {@code kpl} profile and its daemon): kpl-codec's
 * producer through {@link ProducerRun} against an in-process {@link FakeKinesis}, in CBOR and in JSON, every user
 * record counted once; the class paths each producer JVM gets; the table.
 */
class ProducerBenchmarkTest {
  @TempDir
  Path work;

  @Test
  void kplCodecPutsEveryUserRecordOnceInCborAndInJson() throws Exception {
    for (String cbor : List.of("true", "false")) {
      try (FakeKinesis endpoint = new FakeKinesis("producer-bench", 4, 3_000, 100, work)) {
        // In JSON also from 3 adding threads, after a warm-up of 500 user records.
        boolean json = cbor.equals("false");
        String output = ProducerRun.run(Map.of("producer", "kpl-codec", "records", "3000", "size", "100",
            "port", Integer.toString(endpoint.port()), "cbor", cbor, "dir", work.toString(),
            "threads", json ? "3" : "1", "warm-up", json ? "500" : "0"));
        String result = output.lines().findFirst().orElseThrow();
        assertTrue(output.lines().skip(1).findFirst().orElseThrow().startsWith("THREADS jvm:"), output);
        Map<String, String> values = ProducerBenchmark.pairs(result);
        assertEquals("true", values.get("complete"), result);
        assertEquals("3000", values.get("succeeded"), result);
        assertTrue(Double.parseDouble(values.get("jvmCpuSeconds")) > 0, result);
        assertTrue(Long.parseLong(values.get("jvmPeakRssKiB")) > 0, result);

        FakeKinesis.Stats stats = endpoint.stats();
        String line = stats.line();
        assertEquals(0, stats.lost(), line);
        assertEquals(0, stats.duplicates(), line);
        assertEquals(json ? 501 : 1, stats.warmUp(), line);
        assertEquals(json ? "3" : "1", values.get("threads"), result);
        assertEquals(3_000, stats.userRecords(), line);
        assertEquals(0, stats.outsideShard() + stats.unknownIds() + stats.wrongSize() + stats.errors(), line);
        assertTrue(stats.kinesisRecordsAggregated() > 0, line);
        String protocol = cbor.equals("true") ? "(CBOR)" : "(JSON)";
        assertTrue(stats.calls().keySet().stream().allMatch(call -> call.endsWith(protocol)), line);
      }
    }
  }

  @Test
  void eachProducerJvmGetsOnlyItsOwnKpl() {
    String classPath = String.join(":", "/w/classes", "/m/com/amazonaws/amazon-kinesis-producer/0.15.12/a.jar",
        "/m/software/amazon/kinesis/amazon-kinesis-producer/1.0.7/b.jar", "/m/guava.jar");
    assertEquals("/w/classes:/m/guava.jar", ProducerBenchmark.classPathFor("kpl-codec", classPath));
    assertEquals("/w/classes:/m/com/amazonaws/amazon-kinesis-producer/0.15.12/a.jar:/m/guava.jar",
        ProducerBenchmark.classPathFor("kpl-0.15.12", classPath));
    assertEquals("/w/classes:/m/software/amazon/kinesis/amazon-kinesis-producer/1.0.7/b.jar:/m/guava.jar",
        ProducerBenchmark.classPathFor("kpl-1.0.7", classPath));
  }

  @Test
  void theTableComparesKplCodecWithEachKplOfTheSameCase() {
    ProducerBenchmark.Run codec = run("kpl-codec", "threads=2 jvmCpuSeconds=2.00 childCpuSeconds=0.00 wallSeconds=1.0"
        + " jvmPeakRssKiB=204800 childPeakRssKiB=0");
    ProducerBenchmark.Run kpl = run("kpl-1.0.7", "threads=2 jvmCpuSeconds=4.00 childCpuSeconds=6.00 wallSeconds=4.0"
        + " jvmPeakRssKiB=307200 childPeakRssKiB=102400");
    ProducerBenchmark.Run oneThread = run("kpl-1.0.7", "threads=1 jvmCpuSeconds=1.00 childCpuSeconds=1.00"
        + " wallSeconds=4.0 jvmPeakRssKiB=307200 childPeakRssKiB=102400");
    String table = ProducerBenchmark.render(List.of(codec, kpl, oneThread), "a", "b", "1 2 3 4 5", "1 2 3 4 5",
        "512m", "150", "true", List.of());
    assertTrue(table.contains(
        "| 100 B | 4 | 2 | kpl-codec | 1,000,000 | 1.0 | 1,000,000 | 2.0 + 0.0 | 2.0 | 200 + 0 |"), table);
    assertTrue(table.contains(
        "| 100 B | 4 | 2 | kpl-1.0.7 | 1,000,000 | 4.0 | 250,000 | 4.0 + 6.0 | 10.0 | 300 + 100 |"), table);
    assertTrue(table.contains("| 50,000, 1.5 CPU-s |"), "the warm-up: " + table);
    assertTrue(table.contains("| 100 B | 4 | 2 | kpl-1.0.7 | 0.20x | 4.00x | 0.50x |"), table);
    assertFalse(table.contains("| 100 B | 4 | 2 | kpl-1.0.7 | 1.00x"), "compared only with the same adding threads");
    assertTrue(table.contains("| 100 B | 4 | 2 | kpl-1.0.7 | main 1.00, GC Thread# 0.50 | kinesis produce 3.00 |"),
        table);
  }

  private static ProducerBenchmark.Run run(String producer, String result) {
    return new ProducerBenchmark.Run(producer, 100, 4, ProducerBenchmark.pairs("RESULT records=1000000"
        + " complete=true allocatedBytes=0 settings=x java=17 warmUp=50000 warmUpCpuSeconds=1.50 " + result),
        ProducerBenchmark.pairs("STATS lost=0 duplicates=0 aggregated=1 notAggregated=0 putRecordsCalls=1"),
        "THREADS jvm:main=1.00,GC_Thread#=0.50 daemon:kinesis_produce=3.00");
  }

  @Test
  void cborReadsIndefiniteMapsArraysAndChunkedStrings() {
    // {_ "Records": [_ {_ "Data": (_ h'0102', h'03'), "PartitionKey": "k", "X": [1, -2, 1.5, true] } ] }
    byte[] cbor = {(byte) 0xBF, 0x67, 'R', 'e', 'c', 'o', 'r', 'd', 's', (byte) 0x9F, (byte) 0xBF,
        0x64, 'D', 'a', 't', 'a', 0x5F, 0x42, 1, 2, 0x41, 3, (byte) 0xFF,
        0x6C, 'P', 'a', 'r', 't', 'i', 't', 'i', 'o', 'n', 'K', 'e', 'y', 0x61, 'k',
        0x61, 'X', (byte) 0x84, 0x01, 0x21, (byte) 0xF9, 0x3E, 0x00, (byte) 0xF5,
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
    Cbor.Reader reader = new Cbor.Reader(cbor);
    assertEquals(Cbor.MAP, reader.head());
    assertEquals(-1, reader.count());
    assertEquals("Records", reader.text());
    assertEquals(Cbor.ARRAY, reader.head());
    assertEquals(Cbor.MAP, reader.head());
    assertEquals("Data", reader.text());
    assertArrayEquals(new byte[] {1, 2, 3}, reader.bytes());
    assertEquals("PartitionKey", reader.text());
    assertEquals("k", reader.text());
    assertEquals("X", reader.text());
    reader.skip();
    assertTrue(reader.atBreak());
    assertTrue(reader.atBreak());
    assertTrue(reader.atBreak());
  }

  @Test
  void answersAreWrittenInCborAndJson() {
    Map<String, Object> answer = new java.util.LinkedHashMap<>();
    answer.put("FailedRecordCount", 0L);
    answer.put("Records", List.of(Map.of("ShardId", "s")));
    assertEquals("{\"FailedRecordCount\":0,\"Records\":[{\"ShardId\":\"s\"}]}",
        new String(FakeKinesis.encode(answer, false), StandardCharsets.UTF_8));
    Cbor.Reader reader = new Cbor.Reader(FakeKinesis.encode(answer, true));
    assertEquals(Cbor.MAP, reader.head());
    assertEquals(2, reader.count());
    assertEquals("FailedRecordCount", reader.text());
    assertEquals(Cbor.UNSIGNED, reader.head());
    assertEquals("Records", reader.text());
    assertEquals(Cbor.ARRAY, reader.head());
    assertEquals(1, reader.count());
    assertEquals(Cbor.MAP, reader.head());
    assertEquals("ShardId", reader.text());
    assertEquals("s", reader.text());
  }
}
