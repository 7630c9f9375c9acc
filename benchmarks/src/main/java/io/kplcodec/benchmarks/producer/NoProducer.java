package io.kplcodec.benchmarks.producer;

/** No producer at all: what making the workload's user records costs by itself (UUID key, data array, the loop). */
final class NoProducer implements ProducerUnderTest {
  NoProducer(Settings settings) {}

  @Override
  public void add(String partitionKey, byte[] data, Completion completion) {
    completion.succeeded();
  }

  @Override
  public String describe() {
    return "user records made and dropped";
  }

  @Override
  public void close() {}
}
