package example.lambda;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Invokes {@link OrdersHandler} as the Lambda Java runtime would: the event JSON deserialized by the runtime's own
 * serializer (aws-lambda-java-serialization), a Context with a logger, one call. Then compares the log with the
 * expected lines. Arguments: the event JSON, the expected log.
 */
public final class InvokeLocally {
  public static void main(String[] args) throws Exception {
    PojoSerializer<KinesisEvent> serializer =
        LambdaEventSerializers.serializerFor(KinesisEvent.class, InvokeLocally.class.getClassLoader());
    KinesisEvent event;
    try (InputStream json = Files.newInputStream(Path.of(args[0]))) {
      event = serializer.fromJson(json);
    }
    List<String> logged = new ArrayList<>();
    new OrdersHandler().handleRequest(event, new LocalContext(message -> {
      System.out.print(message);
      logged.add(message.stripTrailing());
    }));

    List<String> expected = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
    if (!logged.equals(expected)) {
      System.out.println("lambda: the handler logged " + logged.size() + " lines, expected " + expected.size() + ":");
      for (int i = 0; i < Math.max(logged.size(), expected.size()); i++) {
        String got = i < logged.size() ? logged.get(i) : "(nothing)";
        String want = i < expected.size() ? expected.get(i) : "(nothing)";
        if (!got.equals(want)) {
          System.out.println("  line " + (i + 1) + ": got  " + got + "\n          want " + want);
        }
      }
      System.exit(1);
    }
    System.out.println("lambda: " + event.getRecords().size() + " Kinesis records in the event -> " + logged.size()
        + " user records logged by OrdersHandler, each as expected (" + args[1] + ")");
  }

  private interface Sink {
    void accept(String message);
  }

  /** What the runtime passes: here only the logger matters. */
  private static final class LocalContext implements Context {
    private final Sink sink;

    LocalContext(Sink sink) {
      this.sink = sink;
    }

    @Override
    public LambdaLogger getLogger() {
      return new LambdaLogger() {
        @Override
        public void log(String message) {
          sink.accept(message);
        }

        @Override
        public void log(byte[] message) {
          sink.accept(new String(message, StandardCharsets.UTF_8));
        }
      };
    }

    @Override
    public String getAwsRequestId() {
      return "00000000-0000-0000-0000-000000000000";
    }

    @Override
    public String getLogGroupName() {
      return "/aws/lambda/orders";
    }

    @Override
    public String getLogStreamName() {
      return "local";
    }

    @Override
    public String getFunctionName() {
      return "orders";
    }

    @Override
    public String getFunctionVersion() {
      return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
      return "arn:aws:lambda:us-east-1:123456789012:function:orders";
    }

    @Override
    public CognitoIdentity getIdentity() {
      return null;
    }

    @Override
    public ClientContext getClientContext() {
      return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
      return 60_000;
    }

    @Override
    public int getMemoryLimitInMB() {
      return 512;
    }
  }
}
