package io.kplcodec.local.testing;

import io.kplcodec.local.LocalKinesis;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * One kinesalite (data in memory) and a client of it for a test class, started before its first test and stopped
 * after its last, or the class skipped where kinesalite cannot run ({@link KinesaliteAssumptions}). Use it as a
 * static field: {@code @RegisterExtension static final KinesaliteExtension KINESALITE = new KinesaliteExtension();}.
 *
 * <p>Not thread-safe to start or stop; {@link #port()} and {@link #client()} may be called from any thread once
 * started.
 */
public final class KinesaliteExtension implements BeforeAllCallback, AfterAllCallback {
  private volatile LocalKinesis kinesalite;
  private volatile KinesisAsyncClient client;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    KinesaliteAssumptions.assumeKinesaliteAvailable();
    kinesalite = LocalKinesis.start();
    client = kinesalite.client();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (client != null) {
      client.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
  }

  /**
   * The running kinesalite.
   *
   * @return it, for its port and streams
   */
  public LocalKinesis kinesalite() {
    return kinesalite;
  }

  /**
   * kinesalite's port on 127.0.0.1.
   *
   * @return the port
   */
  public int port() {
    return kinesalite.port();
  }

  /**
   * A client of kinesalite, closed with it.
   *
   * @return the client
   */
  public KinesisAsyncClient client() {
    return client;
  }
}
