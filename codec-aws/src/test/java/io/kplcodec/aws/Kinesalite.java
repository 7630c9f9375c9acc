package io.kplcodec.aws;

import static io.kplcodec.local.testing.KinesaliteAssumptions.assumeKinesaliteAvailable;

import io.kplcodec.local.LocalKinesis;
import java.net.URI;
import java.nio.file.Path;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Starts a {@link LocalKinesis} for a test class, or skips the calling test when it cannot run here: without Node.js
 * and npm, or with {@code -Dkinesalite.skip=true}.
 */
final class Kinesalite {
  private Kinesalite() {}

  /** kinesalite; {@code dataDir} null keeps the data in memory, else on disk so it survives a restart. */
  static LocalKinesis start(Path dataDir) throws Exception {
    assumeKinesaliteAvailable();
    return LocalKinesis.start(dataDir);
  }

  /** dynalite, in memory, for a KCL worker's leases. */
  static LocalKinesis startDynalite() throws Exception {
    assumeKinesaliteAvailable();
    return LocalKinesis.startDynalite();
  }

  /** A DynamoDB client for a dynalite: plain HTTP/1.1, static credentials. */
  static DynamoDbAsyncClient dynamoClient(LocalKinesis dynalite) {
    return DynamoDbAsyncClient.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + dynalite.port()))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
        .build();
  }
}
