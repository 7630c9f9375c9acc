package io.kplcodec.flink;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pass-through HTTP proxy in front of kinesalite that turns {@code "StreamARN":"arn:...:stream/NAME"} into
 * {@code "StreamName":"NAME"} in every request: kinesalite 3.3.3 predates stream ARNs, and the 4.3.0 connector's
 * source calls ListShards, GetShardIterator and GetRecords by ARN only. It also counts PutRecords calls and entries,
 * so tests can measure what the sink sent. Bound to 127.0.0.1; stop it with {@link #close()}.
 */
final class ArnRewritingProxy implements AutoCloseable {
  private static final Pattern STREAM_ARN =
      Pattern.compile("\"StreamARN\"\\s*:\\s*\"arn:aws[a-z-]*:kinesis:[^:\"]*:[^:\"]*:stream/([^\"]+)\"");
  private static final Pattern PUT_RECORDS_ENTRY = Pattern.compile("\"PartitionKey\"\\s*:");
  /** Headers the JDK client sets itself (and the request's length changes with the rewrite). */
  private static final Set<String> RESTRICTED =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicLong putRecordsCalls = new AtomicLong();
  private final AtomicLong putRecordsEntries = new AtomicLong();
  private final AtomicLong rewrittenRequests = new AtomicLong();

  ArnRewritingProxy(int kinesalitePort) throws IOException {
    HttpClient forward = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    executor = Executors.newFixedThreadPool(8, runnable -> {
      Thread thread = new Thread(runnable, "arn-rewriting-proxy");
      thread.setDaemon(true);
      return thread;
    });
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
    server.createContext("/", exchange -> {
      try (exchange) {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target != null && target.endsWith(".PutRecords")) {
          putRecordsCalls.incrementAndGet();
          Matcher entries = PUT_RECORDS_ENTRY.matcher(body);
          while (entries.find()) {
            putRecordsEntries.incrementAndGet();
          }
        }
        Matcher arn = STREAM_ARN.matcher(body);
        if (arn.find()) {
          rewrittenRequests.incrementAndGet();
          body = arn.replaceAll(match -> Matcher.quoteReplacement("\"StreamName\":\"" + match.group(1) + "\""));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + kinesalitePort + exchange.getRequestURI()))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        exchange.getRequestHeaders().forEach((name, values) -> {
          if (!RESTRICTED.contains(name.toLowerCase())) {
            values.forEach(value -> request.header(name, value));
          }
        });
        HttpResponse<byte[]> response = forward.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        respond(exchange, response.statusCode(),
            response.headers().firstValue("Content-Type").orElse("application/x-amz-json-1.1"), response.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  long putRecordsCalls() {
    return putRecordsCalls.get();
  }

  long putRecordsEntries() {
    return putRecordsEntries.get();
  }

  long rewrittenRequests() {
    return rewrittenRequests.get();
  }

  private static void respond(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
