package io.kplcodec.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.Executors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * An HTTP proxy in front of kinesalite that lets a test play the service's part where kinesalite does not: answer a
 * call itself (throttling) or change kinesalite's answer (a record landing on another shard). Everything else passes
 * through unchanged.
 */
final class KinesaliteProxy implements AutoCloseable {
  /** Answers a call itself (a JSON body, status 200), or returns null to pass it to kinesalite. */
  interface Answer {
    byte[] answer(String operation, byte[] requestBody);
  }

  /** Changes kinesalite's answer to a call that passed through (return it unchanged to keep it). */
  interface Rewrite {
    byte[] rewrite(String operation, byte[] responseBody);
  }

  private static final Set<String> RESTRICTED_HEADERS =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");

  private final HttpServer server;

  private KinesaliteProxy(HttpServer server) {
    this.server = server;
  }

  /** Sends the exchange's request, with {@code body}, to kinesalite at {@code port}, headers kept, and its answer. */
  static HttpResponse<byte[]> forward(HttpClient client, int port, HttpExchange exchange, byte[] body)
      throws IOException, InterruptedException {
    URI target = URI.create("http://127.0.0.1:" + port + exchange.getRequestURI());
    HttpRequest.Builder request = HttpRequest.newBuilder(target)
        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!RESTRICTED_HEADERS.contains(name.toLowerCase())) {
        values.forEach(value -> request.header(name, value));
      }
    });
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Starts a proxy on 127.0.0.1 on a free port; {@code operation} is the call's name, e.g. "PutRecords". */
  static KinesaliteProxy start(int kinesalitePort, Answer answer, Rewrite rewrite) throws IOException {
    return serve(kinesalitePort, (operation, body, forward) -> {
      byte[] own = answer.answer(operation, body);
      if (own != null) {
        return new PartialPutRecords.Answer(200, own);
      }
      HttpResponse<byte[]> response = forward.send(body);
      return new PartialPutRecords.Answer(response.statusCode(),
          response.statusCode() == 200 ? rewrite.rewrite(operation, response.body()) : response.body());
    });
  }

  /** Starts a proxy that answers PutRecords in part, refusing the entries {@code refusal} picks (see there). */
  static KinesaliteProxy startPartial(int kinesalitePort, PartialPutRecords.Refusal refusal) throws IOException {
    return serve(kinesalitePort, (operation, body, forward) -> {
      if (!operation.equals("PutRecords")) {
        HttpResponse<byte[]> response = forward.send(body);
        return new PartialPutRecords.Answer(response.statusCode(), response.body());
      }
      return PartialPutRecords.answer(body, refusal, forward);
    });
  }

  /** How the proxy answers a call, forwarding what it chooses to kinesalite. */
  private interface Handler {
    PartialPutRecords.Answer handle(String operation, byte[] body, PartialPutRecords.Forward forward)
        throws IOException, InterruptedException;
  }

  private static KinesaliteProxy serve(int kinesalitePort, Handler handler) throws IOException {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(8, runnable -> {
      Thread thread = new Thread(runnable, "kinesalite-proxy");
      thread.setDaemon(true);
      return thread;
    }));
    server.createContext("/", exchange -> {
      try (exchange) {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        String operation = target == null ? "" : target.substring(target.lastIndexOf('.') + 1);
        PartialPutRecords.Answer answer =
            handler.handle(operation, body, forwarded -> forward(client, kinesalitePort, exchange, forwarded));
        respond(exchange, answer.status(), "application/x-amz-json-1.1", answer.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.start();
    return new KinesaliteProxy(server);
  }

  /** A client that talks to kinesalite through this proxy (HTTP/1.1, CBOR off as for kinesalite itself). */
  KinesisAsyncClient client() {
    return clientAt(server.getAddress().getPort());
  }

  /** A client for a proxy on 127.0.0.1 at {@code port}, with fake credentials and HTTP/1.1. */
  static KinesisAsyncClient clientAt(int port) {
    return KinesisAsyncClient.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + port))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
        .build();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static void respond(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
