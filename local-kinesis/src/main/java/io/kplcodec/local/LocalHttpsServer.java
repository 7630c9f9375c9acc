package io.kplcodec.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTPS server on 127.0.0.1 with a {@linkplain SelfSignedTls self-signed certificate}, for fake AWS endpoints in
 * tests and benchmarks (what the real KPL's daemon and SDK clients with certificate checks off can reach), and the
 * pieces every such fake needs: the request body, a response, and STS {@code GetCallerIdentity}'s answer (the KPL
 * 0.15.12 daemon asks it at start). For tests and demos; not for production.
 *
 * <p>Thread-safe: the handler runs on the server's own pool of threads.
 */
public final class LocalHttpsServer implements AutoCloseable {
  /** The request id every response carries. */
  public static final String REQUEST_ID = "00000000-0000-0000-0000-000000000000";

  private final HttpsServer server;
  private final ExecutorService executor;

  private LocalHttpsServer(HttpsServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving {@code handler} on a free port of 127.0.0.1.
   *
   * @param workDirectory where the certificate is made (see {@link SelfSignedTls#forLocalhost})
   * @param threads the handler's threads
   * @param handler every request, whatever its path
   * @return the running server
   * @throws IOException if the port cannot be bound or keytool fails
   * @throws GeneralSecurityException if the certificate cannot be read
   * @throws InterruptedException if interrupted while keytool runs
   */
  public static LocalHttpsServer start(Path workDirectory, int threads, HttpHandler handler)
      throws IOException, GeneralSecurityException, InterruptedException {
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
      server.setHttpsConfigurator(new HttpsConfigurator(SelfSignedTls.forLocalhost(workDirectory)));
      server.setExecutor(executor);
      server.createContext("/", handler);
      server.start();
      return new LocalHttpsServer(server, executor);
    } catch (IOException | GeneralSecurityException | InterruptedException | RuntimeException e) {
      executor.shutdownNow();
      throw e;
    }
  }

  /**
   * The port it listens on.
   *
   * @return the port, on 127.0.0.1
   */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops at once: requests in progress are cut off. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /**
   * The request's whole body.
   *
   * @param exchange the request
   * @return its body, possibly empty
   * @throws IOException if it cannot be read
   */
  public static byte[] requestBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      return in.readAllBytes();
    }
  }

  /**
   * Answers with {@code body} (no body at all if it is empty), its content type and {@link #REQUEST_ID}.
   *
   * @param exchange the request
   * @param status the HTTP status
   * @param contentType the body's content type
   * @param body the body
   * @throws IOException if it cannot be written
   */
  public static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("x-amzn-RequestId", REQUEST_ID);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /**
   * Whether a request is STS {@code GetCallerIdentity} (the query protocol: a form body, no {@code X-Amz-Target}).
   *
   * @param exchange the request
   * @param body its body
   * @return true if it asks GetCallerIdentity
   */
  public static boolean isGetCallerIdentity(HttpExchange exchange, byte[] body) {
    return exchange.getRequestHeaders().getFirst("X-Amz-Target") == null
        && new String(body, StandardCharsets.UTF_8).contains("Action=GetCallerIdentity");
  }

  /**
   * Answers STS {@code GetCallerIdentity} for an IAM user of {@code account}.
   *
   * @param exchange the request
   * @param account a 12-digit account id
   * @param user the user's name
   * @throws IOException if it cannot be written
   */
  public static void answerGetCallerIdentity(HttpExchange exchange, String account, String user) throws IOException {
    String xml = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        + "<GetCallerIdentityResult><Arn>arn:aws:iam::" + account + ":user/" + user + "</Arn>"
        + "<UserId>AIDA" + user.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "") + "</UserId>"
        + "<Account>" + account + "</Account></GetCallerIdentityResult>"
        + "<ResponseMetadata><RequestId>" + REQUEST_ID + "</RequestId></ResponseMetadata>"
        + "</GetCallerIdentityResponse>";
    respond(exchange, 200, "text/xml", xml.getBytes(StandardCharsets.UTF_8));
  }
}
