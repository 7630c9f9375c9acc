package io.kplcodec.cli;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** {@code kplc local}: runs kplc's local kinesalite in the foreground, for other tools and kplc runs to share. */
final class LocalCommand extends Command {
  @Override
  String name() {
    return "local";
  }

  @Override
  String summary() {
    return "Run the local kinesalite (a Kinesis API on 127.0.0.1) until stopped, and print its endpoint.";
  }

  @Override
  String usage() {
    return "kplc local [--data-dir DIR]";
  }

  @Override
  List<Option> options() {
    return List.of(KinesisEndpoint.DATA_DIR);
  }

  @Override
  String details() {
    return """
        kplc put and kplc tail without --endpoint use this kinesalite while it runs (they find it through a file
        next to the data directory), and start one of their own for the length of the command when none runs.
        Its streams stay in the data directory between runs. It installs kinesalite from npm on first use (Node.js
        18+ and npm needed). Any SDK or the AWS CLI can use the printed endpoint, with any credentials and region;
        on start it prints the exact settings for each (stdout has only the endpoint, for scripts):
          aws CLI      AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \\
                         aws --endpoint-url http://127.0.0.1:PORT kinesis list-streams
          Java SDK v2  CBOR off (-Daws.cborEnabled=false or CBOR_ENABLED=false) AND HTTP/1.1: kinesalite speaks
                       plain HTTP/1.1 only, and the Netty client's HTTP/2 fails with "Http2Exception: First
                       received frame was not SETTINGS":
                         KinesisAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:PORT"))
                             .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
                             .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                                 AwsBasicCredentials.create("test", "test"))).build()
          Python boto3 boto3.client("kinesis", endpoint_url="http://127.0.0.1:PORT", region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        Stop it with Ctrl-C.
        """;
  }

  /** How each kind of client reaches this endpoint; Java SDK v2 needs both CBOR off and HTTP/1.1. */
  static String clientSettings(String url) {
    return """
        Clients (any credentials and region; kinesalite speaks JSON over plain HTTP/1.1):
          aws CLI:     AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \\
                         aws --endpoint-url URL kinesis list-streams
          Java SDK v2: -Daws.cborEnabled=false (or CBOR_ENABLED=false), and HTTP/1.1 (else "Http2Exception: First
                       received frame was not SETTINGS"):
                         KinesisAsyncClient.builder().endpointOverride(URI.create("URL"))
                             .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
                             .region(Region.US_EAST_1)
                             .credentialsProvider(StaticCredentialsProvider.create(
                                 AwsBasicCredentials.create("test", "test")))
                             .build();
          Python:      boto3.client("kinesis", endpoint_url="URL", region_name="us-east-1",
                                    aws_access_key_id="test", aws_secret_access_key="test")
          kplc:        kplc put|tail --endpoint URL ...  (or AWS_ENDPOINT_URL=URL)
        """.replace("URL", url);
  }

  @Override
  int run(Arguments arguments, Streams streams) throws Exception {
    arguments.atMostPositionals(0, "");
    Path dataDir = Paths.get(arguments.string("data-dir", KinesisEndpoint.defaultDataDir().toString()))
        .toAbsolutePath();
    CountDownLatch stopped = new CountDownLatch(1);
    try (KinesisEndpoint endpoint = KinesisEndpoint.openLocal(dataDir, streams, false)) {
      String url = endpoint.description().substring(endpoint.description().lastIndexOf(' ') + 1);
      streams.out.println(url);
      streams.out.flush();
      streams.progress("kinesalite listening on " + url + ", data in " + dataDir + "; Ctrl-C stops it");
      streams.err.print(clientSettings(url));
      streams.err.flush();
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "kplc-local-stop"));
      stopped.await(); // until Ctrl-C; the endpoint's own hook stops kinesalite
    }
    return 0;
  }
}
