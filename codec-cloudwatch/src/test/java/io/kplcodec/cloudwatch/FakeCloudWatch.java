package io.kplcodec.cloudwatch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;

/**
 * CloudWatch's PutMetricData on 127.0.0.1, as the SDK v2 client of this build speaks it: Smithy RPC v2 CBOR (POST
 * {@code /service/GraniteServiceVersion20100801/operation/PutMetricData}, header {@code smithy-protocol:
 * rpc-v2-cbor}, a CBOR body, gzip-compressed by the SDK above 10 KB). Each request is checked to be that protocol (a
 * request in any other is answered 400 and listed in {@link #protocolErrors()}, so that an SDK that changed protocol
 * fails the tests loudly), decoded with {@link Cbor} and kept; it can be made to fail with a status, or to drop the
 * connection. Thread-safe.
 */
final class FakeCloudWatch implements AutoCloseable {
  static final String PATH = "/service/GraniteServiceVersion20100801/operation/PutMetricData";

  /** One datum as received. */
  record Datum(String name, Map<String, String> dimensions, String unit, Instant timestamp, double sampleCount,
      double sum, double min, double max) {}

  /** One accepted request. */
  record Request(String namespace, List<Datum> datums, int bodyBytes, boolean gzipped) {}

  private final int port;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private volatile HttpServer server;
  private final List<Request> accepted = Collections.synchronizedList(new ArrayList<>());
  private final List<String> protocolErrors = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger attempts = new AtomicInteger();
  /** Non-zero: every request is answered with this status (and nothing is kept). */
  private volatile int failStatus;
  /** Requests still to fail with {@link #failStatus} before answering normally again; negative: all of them. */
  private final AtomicInteger failuresLeft = new AtomicInteger();

  private FakeCloudWatch(int port) throws IOException {
    this.server = listen(port);
    this.port = server.getAddress().getPort();
  }

  static FakeCloudWatch start() throws IOException {
    return new FakeCloudWatch(0);
  }

  private HttpServer listen(int on) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), on), 64);
    s.setExecutor(executor);
    s.createContext("/", this::handle);
    s.start();
    return s;
  }

  int port() {
    return port;
  }

  /** A real SDK v2 client of this fake: static credentials, HTTP/1.1, no SDK retries (the publisher's are tested). */
  CloudWatchAsyncClient client() {
    return client(URI.create("http://127.0.0.1:" + port));
  }

  static CloudWatchAsyncClient client(URI endpoint) {
    return CloudWatchAsyncClient.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1)
            .connectionTimeout(Duration.ofSeconds(2)))
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
            .apiCallTimeout(Duration.ofSeconds(10)))
        .build();
  }

  /** The next {@code times} requests are answered with {@code status} (negative {@code times}: all, until told). */
  void fail(int status, int times) {
    failStatus = status;
    failuresLeft.set(times);
  }

  /** Forgets every request and failure: as new, for the next test. */
  void reset() {
    failuresLeft.set(0);
    accepted.clear();
    protocolErrors.clear();
    attempts.set(0);
  }

  /** Requests are answered normally again. */
  void succeed() {
    failuresLeft.set(0);
  }

  /** Stops listening: connections are refused until {@link #listenAgain()}. */
  void stopListening() {
    server.stop(0);
  }

  /** Listens again, on the same port. */
  void listenAgain() throws IOException {
    server = listen(port);
  }

  /** Requests accepted (answered 200), in order. */
  List<Request> accepted() {
    synchronized (accepted) {
      return List.copyOf(accepted);
    }
  }

  /** Every datum of the accepted requests, in order. */
  List<Datum> datums() {
    List<Datum> all = new ArrayList<>();
    for (Request request : accepted()) {
      all.addAll(request.datums());
    }
    return all;
  }

  /** Requests that reached the fake, accepted or not. */
  int attempts() {
    return attempts.get();
  }

  /** Requests that were not Smithy RPC v2 CBOR PutMetricData, each with why. */
  List<String> protocolErrors() {
    synchronized (protocolErrors) {
      return List.copyOf(protocolErrors);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      attempts.incrementAndGet();
      byte[] raw;
      try (InputStream in = exchange.getRequestBody()) {
        raw = in.readAllBytes();
      }
      String problem = protocolProblem(exchange);
      if (problem != null) {
        protocolErrors.add(problem);
        respond(exchange, 400, error("InvalidAction", problem));
        return;
      }
      int left = failuresLeft.get();
      if (left != 0 && (left < 0 || failuresLeft.compareAndSet(left, left - 1))) {
        int status = failStatus;
        respond(exchange, status, error(status >= 500 ? "InternalServiceError" : "InvalidParameterValue",
            "failed by the test"));
        return;
      }
      boolean gzipped = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
      byte[] body = gzipped ? new GZIPInputStream(new java.io.ByteArrayInputStream(raw)).readAllBytes() : raw;
      Request request = request(Cbor.decode(body), body.length, gzipped);
      String overLimit = limitProblem(request);
      if (overLimit != null) {
        protocolErrors.add(overLimit);
        respond(exchange, 400, error("InvalidParameterValue", overLimit));
        return;
      }
      accepted.add(request);
      respond(exchange, 200, new byte[] {(byte) 0xa0}); // {}: PutMetricData has no output
    }
  }

  private static String protocolProblem(HttpExchange exchange) {
    if (!exchange.getRequestMethod().equals("POST") || !exchange.getRequestURI().getPath().equals(PATH)) {
      return "not PutMetricData in Smithy RPC v2 CBOR: " + exchange.getRequestMethod() + " "
          + exchange.getRequestURI();
    }
    if (!"rpc-v2-cbor".equals(exchange.getRequestHeaders().getFirst("smithy-protocol"))) {
      return "smithy-protocol header " + exchange.getRequestHeaders().getFirst("smithy-protocol");
    }
    if (!"application/cbor".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
      return "Content-Type " + exchange.getRequestHeaders().getFirst("Content-Type");
    }
    if (exchange.getRequestHeaders().getFirst("Authorization") == null) {
      return "no SigV4 signature";
    }
    return null;
  }

  /** CloudWatch's limits on PutMetricData, as the service enforces them. */
  private static String limitProblem(Request request) {
    if (request.bodyBytes() > 1024 * 1024) {
      return "a request of " + request.bodyBytes() + " bytes, over 1 MB";
    }
    if (request.datums().size() > 1000) {
      return "a request of " + request.datums().size() + " datums, over 1,000";
    }
    if (request.namespace() == null || request.namespace().isEmpty() || request.namespace().length() > 255) {
      return "namespace " + request.namespace();
    }
    for (Datum datum : request.datums()) {
      if (datum.dimensions().size() > 30) {
        return "a datum with " + datum.dimensions().size() + " dimensions, over 30: " + datum;
      }
      if (datum.sampleCount() < 1 || datum.min() > datum.max() || !Double.isFinite(datum.sum())) {
        return "statistics CloudWatch refuses: " + datum;
      }
      for (Map.Entry<String, String> dimension : datum.dimensions().entrySet()) {
        if (dimension.getValue().isBlank() || dimension.getValue().length() > 1024
            || dimension.getKey().length() > 255) {
          return "a dimension CloudWatch refuses: " + dimension;
        }
      }
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static Request request(Object decoded, int bytes, boolean gzipped) {
    Map<Object, Object> body = (Map<Object, Object>) decoded;
    List<Datum> datums = new ArrayList<>();
    for (Object item : (List<Object>) body.get("MetricData")) {
      Map<Object, Object> datum = (Map<Object, Object>) item;
      Map<String, String> dimensions = new LinkedHashMap<>();
      for (Object d : (List<Object>) datum.getOrDefault("Dimensions", List.of())) {
        Map<Object, Object> dimension = (Map<Object, Object>) d;
        if (dimensions.put((String) dimension.get("Name"), (String) dimension.get("Value")) != null) {
          throw new AssertionError("dimension twice: " + datum);
        }
      }
      Cbor.Tagged timestamp = (Cbor.Tagged) datum.get("Timestamp");
      if (timestamp.tag() != 1) {
        throw new AssertionError("a timestamp is tag 1, got " + timestamp);
      }
      double seconds = ((Number) timestamp.value()).doubleValue();
      Map<Object, Object> statistics = (Map<Object, Object>) datum.get("StatisticValues");
      datums.add(new Datum((String) datum.get("MetricName"), dimensions, (String) datum.get("Unit"),
          Instant.ofEpochMilli(Math.round(seconds * 1000)), number(statistics, "SampleCount"),
          number(statistics, "Sum"), number(statistics, "Minimum"), number(statistics, "Maximum")));
    }
    return new Request((String) body.get("Namespace"), List.copyOf(datums), bytes, gzipped);
  }

  private static double number(Map<Object, Object> map, String key) {
    return ((Number) map.get(key)).doubleValue();
  }

  /** A Smithy RPC v2 CBOR error body: {"__type": type, "message": message}. */
  private static byte[] error(String type, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xa2);
    for (String text : List.of("__type", type, "message", message)) {
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      if (utf8.length < 24) {
        out.write(0x60 | utf8.length);
      } else if (utf8.length < 256) {
        out.write(0x78);
        out.write(utf8.length);
      } else {
        out.write(0x79);
        out.write(utf8.length >>> 8);
        out.write(utf8.length & 0xff);
      }
      out.writeBytes(utf8);
    }
    return out.toByteArray();
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/cbor");
    exchange.getResponseHeaders().set("smithy-protocol", "rpc-v2-cbor");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
