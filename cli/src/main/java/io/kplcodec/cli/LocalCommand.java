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
        18+ and npm needed). Any SDK or the AWS CLI can use the printed endpoint, with any credentials:
          aws --endpoint-url http://127.0.0.1:PORT kinesis list-streams
        (Java SDK v2 clients need CBOR off: CBOR_ENABLED=false or -Daws.cborEnabled=false.) Stop it with Ctrl-C.
        """;
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
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "kplc-local-stop"));
      stopped.await(); // until Ctrl-C; the endpoint's own hook stops kinesalite
    }
    return 0;
  }
}
