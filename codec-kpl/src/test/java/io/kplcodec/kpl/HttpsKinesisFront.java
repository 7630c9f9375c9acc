package io.kplcodec.kpl;

import static io.kplcodec.local.LocalHttpsServer.answerGetCallerIdentity;
import static io.kplcodec.local.LocalHttpsServer.requestBody;
import static io.kplcodec.local.LocalHttpsServer.respond;

import com.sun.net.httpserver.HttpExchange;
import io.kplcodec.local.LocalHttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HTTPS on 127.0.0.1 in front of a plain-HTTP kinesalite, as the KPL's configuration can only reach an endpoint over
 * HTTPS: every Kinesis call is passed on unchanged (JSON 1.1, signatures included: kinesalite does not check them);
 * STS {@code GetCallerIdentity}, which the real KPL's daemon calls once at start, is answered here, and so is
 * CloudWatch's {@code PutMetricData} (Smithy RPC v2 CBOR, as SDK v2 sends it: its bodies are kept). The certificate is
 * self-signed (keytool, now), so clients run with {@code VerifyCertificate=false}.
 */
final class HttpsKinesisFront implements AutoCloseable {
  private final int kinesalitePort;
  private final LocalHttpsServer server;
  private final Map<String, Integer> calls = new ConcurrentHashMap<>();
  private final List<byte[]> putMetricData = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> putMetricDataSignatures = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** If set, every PutRecords call is answered with this status and error code instead of reaching kinesalite. */
  private volatile int putRecordsStatus;
  private volatile String putRecordsError;

  HttpsKinesisFront(int kinesalitePort, Path workDirectory) throws Exception {
    this.kinesalitePort = kinesalitePort;
    server = LocalHttpsServer.start(workDirectory, 8, this::handle);
  }

  /** Answers every PutRecords call with {@code status} and {@code errorCode}; status 0 passes them on again. */
  void failPutRecords(int status, String errorCode) {
    this.putRecordsError = errorCode;
    this.putRecordsStatus = status;
  }

  int port() {
    return server.port();
  }

  /** Calls seen, by operation ("PutRecords", "sts:GetCallerIdentity", ...). */
  Map<String, Integer> calls() {
    return Map.copyOf(calls);
  }

  /** The Authorization headers of the PutMetricData calls received, in order. */
  List<String> putMetricDataSignatures() {
    return List.copyOf(putMetricDataSignatures);
  }

  /** The CBOR bodies of the PutMetricData calls received (gunzipped), in order. */
  List<byte[]> putMetricDataBodies() {
    return List.copyOf(putMetricData);
  }

  @Override
  public void close() {
    server.close();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = requestBody(exchange);
      if (exchange.getRequestURI().getPath().equals(
          "/service/GraniteServiceVersion20100801/operation/PutMetricData")) {
        calls.merge("cloudwatch:PutMetricData", 1, Integer::sum);
        putMetricDataSignatures.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        boolean gzip = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
        putMetricData.add(gzip ? new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))
            .readAllBytes() : body);
        exchange.getResponseHeaders().set("smithy-protocol", "rpc-v2-cbor");
        respond(exchange, 200, "application/cbor", new byte[] {(byte) 0xa0}); // {}: no output
        return;
      }
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      if (target == null) {
        calls.merge("sts:GetCallerIdentity", 1, Integer::sum);
        answerGetCallerIdentity(exchange, "123456789012", "sample");
        return;
      }
      String operation = target.substring(target.indexOf('.') + 1);
      calls.merge(operation, 1, Integer::sum);
      int failStatus = putRecordsStatus;
      if (failStatus != 0 && operation.equals("PutRecords")) {
        respond(exchange, failStatus, "application/x-amz-json-1.1", ("{\"__type\":\"" + putRecordsError
            + "\",\"message\":\"injected by the test\"}").getBytes(StandardCharsets.UTF_8));
        return;
      }
      HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + kinesalitePort + "/")
          .toURL().openConnection();
      connection.setRequestMethod("POST");
      connection.setDoOutput(true);
      for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
        String name = header.getKey();
        if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")
            && !name.equalsIgnoreCase("Connection") && !name.equalsIgnoreCase("Transfer-Encoding")) {
          connection.setRequestProperty(name, String.join(",", header.getValue()));
        }
      }
      try (OutputStream out = connection.getOutputStream()) {
        out.write(body);
      }
      int status = connection.getResponseCode();
      byte[] answer;
      try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
        answer = in == null ? new byte[0] : in.readAllBytes();
      }
      String type = connection.getContentType();
      respond(exchange, status, type == null ? "application/x-amz-json-1.1" : type, answer);
    }
  }
}
