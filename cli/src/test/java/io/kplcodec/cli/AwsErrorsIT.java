package io.kplcodec.cli;

import static io.kplcodec.cli.KplcJar.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is missing to reach AWS, said in one line with how to give it (issue 20, item 7): no region, no credentials,
 * a profile without them, an endpoint where nothing listens or whose host does not resolve. Nothing here reaches
 * the network: the instance metadata service is off and every failure comes before a request leaves.
 */
class AwsErrorsIT {
  private static final String HOW_TO_GIVE_CREDENTIALS = "give --profile NAME (or set AWS_PROFILE), set "
      + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws configure (or aws sso login)";

  /** An environment with no AWS configuration at all, as on a fresh machine. */
  private static Map<String, String> bare(Path home) {
    Map<String, String> environment = new HashMap<>();
    for (String name : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS",
        "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI"}) {
      environment.put(name, "");
    }
    environment.put("HOME", home.toString());
    environment.put("AWS_CONFIG_FILE", home.resolve("no-config").toString());
    environment.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("no-credentials").toString());
    environment.put("AWS_EC2_METADATA_DISABLED", "true");
    return environment;
  }

  @Test
  void noRegionNoCredentialsAndAMissingProfileAreOneLineEach(@TempDir Path home) throws Exception {
    Map<String, String> environment = bare(home);
    assertEquals("kplc tail: no AWS region: give --region, set AWS_REGION, or set one for the profile in "
        + "~/.aws/config (aws configure)", KplcJar.run(null, environment, "tail", "--endpoint", "aws", "--stream",
        "s").assertOneLineError(1));
    assertEquals("kplc tail: no AWS credentials: " + HOW_TO_GIVE_CREDENTIALS, KplcJar.run(null, environment, "tail",
        "--endpoint", "aws", "--region", "us-east-1", "--stream", "s").assertOneLineError(1));
    assertEquals("kplc put: no AWS credentials for profile nope (in ~/.aws/credentials or ~/.aws/config): "
        + HOW_TO_GIVE_CREDENTIALS, KplcJar.run(null, environment, "put", "--endpoint", "aws", "--region",
        "us-east-1", "--profile", "nope", "--stream", "s", fixture("user-records.jsonl").toString())
        .assertOneLineError(1));
    // AWS_REGION and AWS_PROFILE are read as the AWS CLI reads them.
    environment.put("AWS_REGION", "eu-west-1");
    environment.put("AWS_PROFILE", "other");
    assertEquals("kplc tail: no AWS credentials for profile other (in ~/.aws/credentials or ~/.aws/config): "
        + HOW_TO_GIVE_CREDENTIALS, KplcJar.run(null, environment, "tail", "--endpoint", "aws", "--stream", "s")
        .assertOneLineError(1));
  }

  @Test
  void anEndpointThatCannotBeReachedIsNamed(@TempDir Path home) throws Exception {
    Map<String, String> environment = bare(home);
    assertEquals("kplc put: cannot reach the Kinesis API at http://127.0.0.1:9: connection refused (is it running? "
        + "--endpoint, AWS_ENDPOINT_URL and --region choose it)", KplcJar.run(null, environment, "put", "--endpoint",
        "http://127.0.0.1:9", "--stream", "s", fixture("user-records.jsonl").toString()).assertOneLineError(1));
    environment.put("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    assertEquals("kplc tail: cannot reach the Kinesis API at http://127.0.0.1:9: connection refused (is it running? "
        + "--endpoint, AWS_ENDPOINT_URL and --region choose it)", KplcJar.run(null, environment, "tail", "--stream",
        "s", "--no-follow").assertOneLineError(1));
    environment.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    environment.put("AWS_SECRET_ACCESS_KEY", "secret");
    // A host that does not resolve: at once where DNS answers, after the connection timeout where it cannot be
    // reached (as in a sandbox); either way one line naming the endpoint.
    String unresolved = KplcJar.run(null, environment, "tail", "--endpoint", "https://kinesis.invalid", "--region",
        "us-east-1", "--stream", "s").assertOneLineError(1);
    assertTrue(unresolved.matches("kplc tail: cannot reach the Kinesis API at https://kinesis\\.invalid: (unknown "
        + "host kinesis\\.invalid|no connection within the timeout) \\(is it running\\? --endpoint, "
        + "AWS_ENDPOINT_URL and --region choose it\\)"), unresolved);
  }
}
