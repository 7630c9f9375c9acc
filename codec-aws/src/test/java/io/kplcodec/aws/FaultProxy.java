package io.kplcodec.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * A fault-injecting HTTP proxy in front of kinesalite: each PutRecords call meets one {@link Fault} at its configured
 * rate, or passes through; other calls always pass. {@link #outage} closes the port for a while (connection refused).
 * Whether a fault stores the records is part of its definition, so a test knows which failures may hide a stored one.
 */
final class FaultProxy implements AutoCloseable {
  /** What can happen to a PutRecords call. */
  enum Fault {
    /** 400 ProvisionedThroughputExceededException for the whole call; nothing stored. */
    THROTTLE(false),
    /** 500 InternalFailure before forwarding; nothing stored. */
    ERROR_500(false),
    /** 503 ServiceUnavailable before forwarding; nothing stored. */
    ERROR_503(false),
    /** Some entries forwarded and stored, the others answered ProvisionedThroughputExceeded or InternalFailure. */
    PARTIAL(true),
    /** Forwarded and stored, answered only after the client's request timeout. */
    DELAY_PAST_TIMEOUT(true),
    /** The connection closed after the request was read, before forwarding: nothing stored. */
    RESET_MID_REQUEST(false),
    /** Forwarded and stored; the connection closed halfway through the response. */
    RESET_MID_RESPONSE(true),
    /** Forwarded and stored, then answered 500 InternalFailure. */
    ERROR_500_AFTER_STORING(true);

    final boolean stores;

    Fault(boolean stores) {
      this.stores = stores;
    }
  }


  private final int kinesalitePort;
  private final Map<Fault, Double> rates;
  private final Duration delay;
  /** Thread-safe: the handlers share it. */
  private final Random random;
  private final HttpClient forward = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ExecutorService executor = Executors.newFixedThreadPool(48, runnable -> {
    Thread thread = new Thread(runnable, "fault-proxy");
    thread.setDaemon(true);
    return thread;
  });
  private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);
  private final AtomicLong putRecordsCalls = new AtomicLong();
  /** Bytes of bodies the proxy holds now (in the test's JVM, not the producer's): a test subtracts them. */
  private final AtomicLong held = new AtomicLong();
  private final int port;
  private volatile HttpServer server;

  private FaultProxy(int kinesalitePort, Map<Fault, Double> rates, Duration delay, long seed) throws IOException {
    this.kinesalitePort = kinesalitePort;
    this.random = new Random(seed);
    this.rates = new EnumMap<>(rates);
    this.delay = delay;
    for (Fault fault : Fault.values()) {
      injected.put(fault, new AtomicLong());
    }
    this.server = listen(0);
    this.port = server.getAddress().getPort();
  }

  /**
   * A proxy on 127.0.0.1 on a free port; {@code delay}: how long {@link Fault#DELAY_PAST_TIMEOUT} holds answers;
   * {@code seed}: the faults' random choices (the same seed gives the same sequence of choices; which call meets
   * which depends on the threads' timing).
   */
  static FaultProxy start(int kinesalitePort, Map<Fault, Double> rates, Duration delay, long seed) throws IOException {
    return new FaultProxy(kinesalitePort, rates, delay, seed);
  }

  /** Closes the port for {@code length} (connections refused), then listens again on the same port. */
  void outage(Duration length) throws IOException, InterruptedException {
    server.stop(0);
    Thread.sleep(length.toMillis());
    server = listen(port);
  }

  Map<Fault, Long> injected() {
    Map<Fault, Long> counts = new EnumMap<>(Fault.class);
    injected.forEach((fault, count) -> counts.put(fault, count.get()));
    return counts;
  }

  /** About what the proxy's handlers hold now: each body read, its forwarded copy, and the answer. */
  long heldBytes() {
    return held.get();
  }

  long putRecordsCalls() {
    return putRecordsCalls.get();
  }

  KinesisAsyncClient client() {
    return KinesaliteProxy.clientAt(port);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private HttpServer listen(int onPort) throws IOException {
    HttpServer created = HttpServer.create(new InetSocketAddress("127.0.0.1", onPort), 100);
    created.setExecutor(executor);
    created.createContext("/", this::handle);
    created.start();
    return created;
  }

  private Fault pick() {
    double roll = random.nextDouble();
    for (Map.Entry<Fault, Double> rate : rates.entrySet()) {
      roll -= rate.getValue();
      if (roll < 0) {
        return rate.getKey();
      }
    }
    return null;
  }

  private void handle(HttpExchange exchange) throws IOException {
    long holding = 0;
    try {
      byte[] body = exchange.getRequestBody().readAllBytes();
      holding = 3L * body.length; // the body, the forwarded copy, an answer of about the same size at most
      held.addAndGet(holding);
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      String operation = target == null ? "" : target.substring(target.lastIndexOf('.') + 1);
      Fault fault = null;
      if (operation.equals("PutRecords")) {
        putRecordsCalls.incrementAndGet();
        fault = pick();
      }
      if (fault == null) {
        HttpResponse<byte[]> response = forward(exchange, body);
        respond(exchange, response.statusCode(), response.body());
        return;
      }
      injected.get(fault).incrementAndGet();
      switch (fault) {
        case THROTTLE -> respond(exchange, 400, error("ProvisionedThroughputExceededException", "Rate exceeded"));
        case ERROR_500 -> respond(exchange, 500, error("InternalFailure", "injected before storing"));
        case ERROR_503 -> respond(exchange, 503, error("ServiceUnavailable", "injected"));
        case PARTIAL -> partial(exchange, body);
        case DELAY_PAST_TIMEOUT -> {
          HttpResponse<byte[]> response = forward(exchange, body);
          Thread.sleep(delay.toMillis());
          respond(exchange, response.statusCode(), response.body());
        }
        case RESET_MID_REQUEST -> { } // closed below without an answer
        case RESET_MID_RESPONSE -> {
          HttpResponse<byte[]> response = forward(exchange, body);
          exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
          exchange.sendResponseHeaders(response.statusCode(), response.body().length);
          OutputStream out = exchange.getResponseBody();
          out.write(response.body(), 0, response.body().length / 2);
          out.flush();
        }
        case ERROR_500_AFTER_STORING -> {
          forward(exchange, body);
          respond(exchange, 500, error("InternalFailure", "injected after storing"));
        }
        default -> throw new IllegalStateException(fault.toString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      held.addAndGet(-holding);
      exchange.close(); // without a full answer, this closes the connection: the client sees a reset
    }
  }

  /** Refuses a random third of the entries (throttled or failed, not stored) and forwards the others. */
  private void partial(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    PartialPutRecords.Answer answer = PartialPutRecords.answer(body,
        entry -> random.nextInt(3) != 0 ? null
            : random.nextBoolean() ? "ProvisionedThroughputExceededException" : "InternalFailure",
        forwarded -> forward(exchange, forwarded));
    respond(exchange, answer.status(), answer.body());
  }

  private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    return KinesaliteProxy.forward(forward, kinesalitePort, exchange, body);
  }

  private static byte[] error(String type, String message) {
    return ("{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
