package software.amazon.kinesis.producer;

import com.amazonaws.services.schemaregistry.common.configs.GlueSchemaRegistryConfiguration;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The KPL's settings: every property of the KPL 1.0.7, with its defaults and its validation (the same ranges,
 * patterns and messages). Set them with the setters (which return this configuration, to chain) or from a properties
 * file ({@link #fromPropertiesFile(String)}), then pass the configuration to {@link
 * KinesisProducer#KinesisProducer(KinesisProducerConfiguration)}, which reads it once.
 *
 * <p>Each setter's comment says what the setting does here. Settings of the KPL's native daemon ({@code LogLevel},
 * {@code NativeExecutable}, {@code TempDirectory}, {@code EnableCoreDumps}, the health check, {@code ThreadingModel},
 * ...) and of its STS call are accepted, validated and have no effect: kpl-codec has no daemon and needs no STS call.
 * The CloudWatch settings work as in the KPL: the producer uploads its metrics through kpl-codec-cloudwatch's {@code
 * CloudWatchMetricsPublisher} unless {@code MetricsLevel} is {@code none}.
 *
 * <p>Not thread-safe: configure it on one thread, before creating the producer.
 */
public class KinesisProducerConfiguration {
  /** Logs what {@link #fromProperties} ignores. */
  private static final System.Logger LOG = System.getLogger(KinesisProducerConfiguration.class.getName());

  /** In the KPL, how the daemon uses threads for requests. No effect here: there is no daemon. */
  public enum ThreadingModel {
    /** In the KPL, a thread per request. No effect here. */
    PER_REQUEST,
    /** In the KPL, a pool of {@code ThreadPoolSize} threads. No effect here. */
    POOLED
  }

  /** An additional metrics dimension, as {@link #addAdditionalMetricsDimension} was given it. */
  record Dimension(String key, String value, String granularity) {}

  private final List<Dimension> additionalDimensions = new ArrayList<>();
  private AwsCredentialsProvider credentialsProvider = DefaultCredentialsProvider.builder().build();
  private AwsCredentialsProvider metricsCredentialsProvider;
  private AwsCredentialsProvider glueSchemaRegistryCredentialsProvider = DefaultCredentialsProvider.builder().build();
  /** A {@link GlueSchemaRegistryConfiguration} or null; held as Object so that this class links without Glue. */
  private Object glueSchemaRegistryConfiguration;
  private String glueSchemaRegistryPropertiesFilePath = "";
  private ThreadingModel threadingModel = ThreadingModel.PER_REQUEST;
  private int threadPoolSize;
  private boolean aggregationEnabled = true;
  private long aggregationMaxCount = 4294967295L;
  private long aggregationMaxSize = 51200L;
  private String cloudwatchEndpoint = "";
  private long cloudwatchPort = 443L;
  private long collectionMaxCount = 500L;
  private long collectionMaxSize = 5242880L;
  private long connectTimeout = 6000L;
  private long credentialsRefreshDelay = 5000L;
  private boolean enableCoreDumps = false;
  private boolean failIfThrottled = false;
  private String kinesisEndpoint = "";
  private long kinesisPort = 443L;
  private String logLevel = "info";
  private long maxConnections = 24L;
  private long maxUserRecordSize = 1048576L;
  private String metricsGranularity = "shard";
  private String metricsLevel = "detailed";
  private String metricsNamespace = "KinesisProducerLibrary";
  private long metricsUploadDelay = 60000L;
  private long minConnections = 1L;
  private String nativeExecutable = "";
  private long rateLimit = 150L;
  private long recordMaxBufferedTime = 100L;
  private long recordTtl = 30000L;
  private String region = "";
  private long requestTimeout = 6000L;
  private String tempDirectory = "";
  private boolean verifyCertificate = true;
  private String proxyHost = "";
  private long proxyPort = 443L;
  private String proxyUserName = "";
  private String proxyPassword = "";
  private String stsEndpoint = "";
  private long stsPort = 443L;
  private long userRecordTimeoutInMillis = 0L;
  private boolean enableOldestFutureTracker = true;
  private boolean returnUserRecordOnFailure = false;
  private boolean enableDaemonHealthCheck = false;
  private long daemonHealthCheckTimeoutMs = 30000L;
  private String caCertPath = "";
  private String caCertFile = "";
  /** A configuration with the KPL's defaults. */
  public KinesisProducerConfiguration() {}

  /**
   * Adds a dimension to the metrics uploaded to CloudWatch: {@code global} to every metric, {@code stream} to those
   * with a stream (after {@code StreamName}), {@code shard} to those with a shard (after {@code ShardId}), as the
   * KPL. A blank value is left out, as the KPL does; the producer refuses a key over 255 characters, a value over
   * 1024, or more than 27 dimensions (CloudWatch would refuse every upload).
   *
   * @param key the dimension's name
   * @param value its value
   * @param granularity {@code global}, {@code stream} or {@code shard}
   * @throws NullPointerException if {@code key}, {@code value} or {@code granularity} is null
   * @throws IllegalArgumentException if {@code granularity} is none of those
   */
  public void addAdditionalMetricsDimension(String key, String value, String granularity) {
    Objects.requireNonNull(key);
    Objects.requireNonNull(value);
    checkPattern("level", granularity, "global|stream|shard");
    additionalDimensions.add(new Dimension(key, value, granularity));
  }

  /**
   * The credentials the Kinesis client signs its calls with (default: the SDK's default chain).
   *
   * @return the provider
   */
  public AwsCredentialsProvider getCredentialsProvider() {
    return credentialsProvider;
  }

  /**
   * Sets the credentials the Kinesis client signs its calls with.
   *
   * @param credentialsProvider the provider
   * @return this configuration
   */
  public KinesisProducerConfiguration setCredentialsProvider(AwsCredentialsProvider credentialsProvider) {
    this.credentialsProvider = credentialsProvider;
    return this;
  }

  /**
   * The credentials for CloudWatch uploads (default null: those of {@link #getCredentialsProvider()}).
   *
   * @return the provider, or null
   */
  public AwsCredentialsProvider getMetricsCredentialsProvider() {
    return metricsCredentialsProvider;
  }

  /**
   * Sets the credentials for CloudWatch uploads (null: those of {@link #getCredentialsProvider()}).
   *
   * @param metricsCredentialsProvider the provider
   * @return this configuration
   */
  public KinesisProducerConfiguration setMetricsCredentialsProvider(
      AwsCredentialsProvider metricsCredentialsProvider) {
    this.metricsCredentialsProvider = metricsCredentialsProvider;
    return this;
  }

  /**
   * The Glue Schema Registry configuration (default null). Needs the optional {@code
   * software.amazon.glue:schema-registry-common} on the class path.
   *
   * @return the configuration, or null
   */
  public GlueSchemaRegistryConfiguration getGlueSchemaRegistryConfiguration() {
    return (GlueSchemaRegistryConfiguration) glueSchemaRegistryConfiguration;
  }

  /**
   * Sets the Glue Schema Registry configuration. Kept, with no effect: kpl-codec does not encode records with a
   * schema (adding one with a schema fails; see {@link KinesisProducer}).
   *
   * @param glueSchemaRegistryConfiguration the configuration
   * @return this configuration
   */
  public KinesisProducerConfiguration setGlueSchemaRegistryConfiguration(
      GlueSchemaRegistryConfiguration glueSchemaRegistryConfiguration) {
    this.glueSchemaRegistryConfiguration = glueSchemaRegistryConfiguration;
    return this;
  }

  /**
   * The Glue Schema Registry properties file (default empty).
   *
   * @return the path, or empty
   */
  public String getGlueSchemaRegistryPropertiesFilePath() {
    return glueSchemaRegistryPropertiesFilePath;
  }

  /**
   * Sets the Glue Schema Registry properties file, which must be readable (as in the KPL). Kept, with no effect:
   * kpl-codec does not encode records with a schema.
   *
   * @param path the file's path
   * @return this configuration
   * @throws RuntimeException if the file cannot be read
   */
  public KinesisProducerConfiguration setGlueSchemaRegistryPropertiesFilePath(String path) {
    Properties ignored = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(String.valueOf(path)))) {
      ignored.load(in);
    } catch (IOException | RuntimeException e) {
      throw new RuntimeException("Error loading config from properties file", e);
    }
    this.glueSchemaRegistryPropertiesFilePath = path;
    return this;
  }

  /**
   * The credentials for the Glue Schema Registry (default: the SDK's default chain).
   *
   * @return the provider
   */
  public AwsCredentialsProvider getGlueSchemaRegistryCredentialsProvider() {
    return glueSchemaRegistryCredentialsProvider;
  }

  /**
   * Sets the credentials for the Glue Schema Registry. No effect (no schema encoding).
   *
   * @param provider the provider
   * @return this configuration
   */
  public KinesisProducerConfiguration setGlueSchemaRegistryCredentialsProvider(AwsCredentialsProvider provider) {
    this.glueSchemaRegistryCredentialsProvider = provider;
    return this;
  }

  /**
   * ThreadingModel (default {@code PER_REQUEST}): in the KPL, how the daemon uses threads. No effect.
   *
   * @return the value
   */
  public ThreadingModel getThreadingModel() {
    return threadingModel;
  }

  /**
   * Sets ThreadingModel: in the KPL, how the daemon uses threads. No effect: there is no daemon.
   *
   * @param threadingModel the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setThreadingModel(ThreadingModel threadingModel) {
    this.threadingModel = threadingModel;
    return this;
  }

  /**
   * Sets ThreadingModel by name ({@code PER_REQUEST} or {@code POOLED}). No effect: there is no daemon.
   *
   * @param threadingModel the name
   * @return this configuration
   * @throws IllegalArgumentException if it names neither
   * @throws NullPointerException if it is null
   */
  public KinesisProducerConfiguration setThreadingModel(String threadingModel) {
    return setThreadingModel(ThreadingModel.valueOf(threadingModel));
  }

  /**
   * ThreadPoolSize (default 0): in the KPL, the daemon's threads with {@code POOLED}. No effect.
   *
   * @return the value
   */
  public int getThreadPoolSize() {
    return threadPoolSize;
  }

  /**
   * Sets ThreadPoolSize: in the KPL, the daemon's threads with {@code POOLED}. No effect: there is no daemon.
   *
   * @param threadPoolSize 0 or more
   * @return this configuration
   * @throws IllegalArgumentException if negative
   */
  public KinesisProducerConfiguration setThreadPoolSize(int threadPoolSize) {
    if (threadPoolSize < 0) {
      throw new IllegalArgumentException("Max threads must greater than or equal to 0");
    }
    this.threadPoolSize = threadPoolSize;
    return this;
  }

  /**
   * A configuration from a properties file: each property names a setting ({@code RecordTtl = 60000}), as for {@link
   * #fromProperties(Properties)}.
   *
   * @param path the file
   * @return the configuration
   * @throws RuntimeException if the file cannot be read
   * @throws IllegalArgumentException if a value is invalid
   */
  public static KinesisProducerConfiguration fromPropertiesFile(String path) {
    LOG.log(System.Logger.Level.INFO, "Attempting to load config from file " + path);
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(String.valueOf(path)))) {
      properties.load(in);
    } catch (IOException | RuntimeException e) {
      throw new RuntimeException("Error loading config from properties file", e);
    }
    return fromProperties(properties);
  }

  /**
   * A configuration from properties, each named as its setter without {@code set} ({@code RecordTtl}, {@code
   * AggregationEnabled}, ...). A property with no such setter taking text, a number or a boolean is ignored with a
   * warning, as in the KPL; booleans are {@code true} if the text is {@code true} in any case, else {@code false}.
   *
   * @param properties the properties
   * @return the configuration
   * @throws IllegalArgumentException if a value does not parse or is invalid ({@code Error trying to set field ...})
   */
  public static KinesisProducerConfiguration fromProperties(Properties properties) {
    KinesisProducerConfiguration config = new KinesisProducerConfiguration();
    for (String name : properties.stringPropertyNames()) {
      String value = properties.getProperty(name);
      Method setter = setterFor(name);
      if (setter == null) {
        LOG.log(System.Logger.Level.WARNING, "Property " + name + " ignored as there is no corresponding set method "
            + "in " + KinesisProducerConfiguration.class.getSimpleName());
        continue;
      }
      try {
        Class<?> type = setter.getParameterTypes()[0];
        Object argument = type == long.class ? (Object) Long.parseLong(value)
            : type == int.class ? (Object) Integer.parseInt(value)
            : type == boolean.class ? (Object) Boolean.parseBoolean(value)
            : value;
        setter.invoke(config, argument);
      } catch (NumberFormatException | IllegalAccessException | InvocationTargetException e) {
        throw new IllegalArgumentException("Error trying to set field " + name + " with the value '" + value + "'",
            e instanceof InvocationTargetException ? e.getCause() : e);
      }
    }
    return config;
  }

  /** The public setter for a property that takes text, a number or a boolean (text first), or null. */
  private static Method setterFor(String property) {
    Method found = null;
    for (Method method : KinesisProducerConfiguration.class.getMethods()) {
      if (method.getName().equals("set" + property) && method.getParameterCount() == 1) {
        Class<?> type = method.getParameterTypes()[0];
        if (type == String.class) {
          return method;
        }
        if (type == long.class || type == int.class || type == boolean.class) {
          found = method;
        }
      }
    }
    return found;
  }

  /** The additional dimensions, in the order added. */
  List<Dimension> additionalMetricsDimensions() {
    return List.copyOf(additionalDimensions);
  }

  /** Additional dimensions as {@code key=value@granularity}, for the producer's description. */
  List<String> additionalDimensions() {
    List<String> out = new ArrayList<>();
    for (Dimension d : additionalDimensions) {
      out.add(d.key() + "=" + d.value() + "@" + d.granularity());
    }
    return out;
  }

  private static void checkRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
    }
  }

  private static void checkPattern(String name, String value, String pattern) {
    if (!Pattern.compile(pattern).matcher(value).matches()) {
      throw new IllegalArgumentException(name + " must match the pattern " + pattern + ", got " + value);
    }
  }

  /**
   * AggregationEnabled (default true): Whether user records are aggregated (packed many to a Kinesis record, per
   * shard). {@code false}: each is sent alone.
   *
   * @return the value
   */
  public boolean isAggregationEnabled() {
    return aggregationEnabled;
  }

  /**
   * Sets AggregationEnabled: Whether user records are aggregated (packed many to a Kinesis record, per shard).
   * {@code false}: each is sent alone.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setAggregationEnabled(boolean value) {
    this.aggregationEnabled = value;
    return this;
  }

  /**
   * AggregationMaxCount (default 4294967295): The most user records in one aggregate (kpl-codec caps it at 2^31 - 1).
   *
   * @return the value
   */
  public long getAggregationMaxCount() {
    return aggregationMaxCount;
  }

  /**
   * Sets AggregationMaxCount: The most user records in one aggregate (kpl-codec caps it at 2^31 - 1).
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setAggregationMaxCount(long value) {
    checkRange("aggregationMaxCount", value, 1L, Long.MAX_VALUE);
    this.aggregationMaxCount = value;
    return this;
  }

  /**
   * AggregationMaxSize (default 51200): The largest aggregate, in bytes (data plus partition key as the service
   * counts it); at most the record size.
   *
   * @return the value
   */
  public long getAggregationMaxSize() {
    return aggregationMaxSize;
  }

  /**
   * Sets AggregationMaxSize: The largest aggregate, in bytes (data plus partition key as the service counts it);
   * at most the record size.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setAggregationMaxSize(long value) {
    checkRange("aggregationMaxSize", value, 64L, 10485760L);
    this.aggregationMaxSize = value;
    return this;
  }

  /**
   * CloudwatchEndpoint (default empty: the region's): The CloudWatch host for metric uploads, reached over HTTPS on
   * {@code CloudwatchPort}, as the KPL.
   *
   * @return the value
   */
  public String getCloudwatchEndpoint() {
    return cloudwatchEndpoint;
  }

  /**
   * Sets CloudwatchEndpoint: The CloudWatch host for metric uploads, reached over HTTPS on {@code
   * CloudwatchPort}.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value does not match the pattern
   * @throws NullPointerException if the value is null
   */
  public KinesisProducerConfiguration setCloudwatchEndpoint(String value) {
    checkPattern("cloudwatchEndpoint", value, "^([A-Za-z0-9-\\.]+)?$");
    this.cloudwatchEndpoint = value;
    return this;
  }

  /**
   * CloudwatchPort (default 443): The CloudWatch port, with {@code CloudwatchEndpoint}.
   *
   * @return the value
   */
  public long getCloudwatchPort() {
    return cloudwatchPort;
  }

  /**
   * Sets CloudwatchPort: The CloudWatch port, with {@code CloudwatchEndpoint}.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setCloudwatchPort(long value) {
    checkRange("cloudwatchPort", value, 1L, 65535L);
    this.cloudwatchPort = value;
    return this;
  }

  /**
   * CollectionMaxCount (default 500): The most Kinesis records in one PutRecords call.
   *
   * @return the value
   */
  public long getCollectionMaxCount() {
    return collectionMaxCount;
  }

  /**
   * Sets CollectionMaxCount: The most Kinesis records in one PutRecords call.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setCollectionMaxCount(long value) {
    checkRange("collectionMaxCount", value, 1L, 500L);
    this.collectionMaxCount = value;
    return this;
  }

  /**
   * CollectionMaxSize (default 5242880): The largest PutRecords call, in bytes; kpl-codec caps it at the
   * service's 10 MiB.
   *
   * @return the value
   */
  public long getCollectionMaxSize() {
    return collectionMaxSize;
  }

  /**
   * Sets CollectionMaxSize: The largest PutRecords call, in bytes; kpl-codec caps it at the service's 10 MiB.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setCollectionMaxSize(long value) {
    checkRange("collectionMaxSize", value, 52224L, Long.MAX_VALUE);
    this.collectionMaxSize = value;
    return this;
  }

  /**
   * ConnectTimeout (default 6000): Milliseconds to wait for a connection to Kinesis: the HTTP client's
   * connection timeout.
   *
   * @return the value
   */
  public long getConnectTimeout() {
    return connectTimeout;
  }

  /**
   * Sets ConnectTimeout: Milliseconds to wait for a connection to Kinesis: the HTTP client's connection timeout.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setConnectTimeout(long value) {
    checkRange("connectTimeout", value, 100L, 300000L);
    this.connectTimeout = value;
    return this;
  }

  /**
   * CredentialsRefreshDelay (default 5000): In the KPL, how often the daemon is sent fresh credentials. No
   * effect: the SDK asks the credentials provider itself.
   *
   * @return the value
   */
  public long getCredentialsRefreshDelay() {
    return credentialsRefreshDelay;
  }

  /**
   * Sets CredentialsRefreshDelay: In the KPL, how often the daemon is sent fresh credentials. No effect: the SDK
   * asks the credentials provider itself.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setCredentialsRefreshDelay(long value) {
    checkRange("credentialsRefreshDelay", value, 1L, 300000L);
    this.credentialsRefreshDelay = value;
    return this;
  }

  /**
   * EnableCoreDumps (default false): In the KPL, core dumps of the native daemon. No effect: there is no daemon.
   *
   * @return the value
   */
  public boolean isEnableCoreDumps() {
    return enableCoreDumps;
  }

  /**
   * Sets EnableCoreDumps: In the KPL, core dumps of the native daemon. No effect: there is no daemon.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setEnableCoreDumps(boolean value) {
    this.enableCoreDumps = value;
    return this;
  }

  /**
   * FailIfThrottled (default false): Whether a throttled record fails at once instead of being retried until its
   * {@code RecordTtl}.
   *
   * @return the value
   */
  public boolean isFailIfThrottled() {
    return failIfThrottled;
  }

  /**
   * Sets FailIfThrottled: Whether a throttled record fails at once instead of being retried until its {@code
   * RecordTtl}.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setFailIfThrottled(boolean value) {
    this.failIfThrottled = value;
    return this;
  }

  /**
   * KinesisEndpoint (default empty): The Kinesis host name; empty for the region's. Reached over HTTPS on {@code
   * KinesisPort}.
   *
   * @return the value
   */
  public String getKinesisEndpoint() {
    return kinesisEndpoint;
  }

  /**
   * Sets KinesisEndpoint: The Kinesis host name; empty for the region's. Reached over HTTPS on {@code KinesisPort}.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value does not match the pattern
   * @throws NullPointerException if the value is null
   */
  public KinesisProducerConfiguration setKinesisEndpoint(String value) {
    checkPattern("kinesisEndpoint", value, "^([A-Za-z0-9-\\.]+)?$");
    this.kinesisEndpoint = value;
    return this;
  }

  /**
   * KinesisPort (default 443): The Kinesis port, used with {@code KinesisEndpoint}.
   *
   * @return the value
   */
  public long getKinesisPort() {
    return kinesisPort;
  }

  /**
   * Sets KinesisPort: The Kinesis port, used with {@code KinesisEndpoint}.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setKinesisPort(long value) {
    checkRange("kinesisPort", value, 1L, 65535L);
    this.kinesisPort = value;
    return this;
  }

  /**
   * LogLevel (default info): In the KPL, the native daemon's log level. No effect: there is no daemon.
   *
   * @return the value
   */
  public String getLogLevel() {
    return logLevel;
  }

  /**
   * Sets LogLevel: In the KPL, the native daemon's log level. No effect: there is no daemon.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value does not match the pattern
   * @throws NullPointerException if the value is null
   */
  public KinesisProducerConfiguration setLogLevel(String value) {
    checkPattern("logLevel", value, "trace|debug|info|warning|error");
    this.logLevel = value;
    return this;
  }

  /**
   * MaxConnections (default 24): The most connections to Kinesis, and the most PutRecords calls in flight.
   *
   * @return the value
   */
  public long getMaxConnections() {
    return maxConnections;
  }

  /**
   * Sets MaxConnections: The most connections to Kinesis, and the most PutRecords calls in flight.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setMaxConnections(long value) {
    checkRange("maxConnections", value, 1L, 256L);
    this.maxConnections = value;
    return this;
  }

  /**
   * MaxUserRecordSize (default 1048576): The largest user record, data plus partition key, in bytes (the
   * stream's record size limit: 1 MiB unless raised).
   *
   * @return the value
   */
  public long getMaxUserRecordSize() {
    return maxUserRecordSize;
  }

  /**
   * Sets MaxUserRecordSize: The largest user record, data plus partition key, in bytes (the stream's record size
   * limit: 1 MiB unless raised).
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setMaxUserRecordSize(long value) {
    checkRange("maxUserRecordSize", value, 64L, 10485760L);
    this.maxUserRecordSize = value;
    return this;
  }

  /**
   * MetricsGranularity (default shard): The finest dimensions of CloudWatch uploads ({@code getMetrics} reports
   * every granularity).
   *
   * @return the value
   */
  public String getMetricsGranularity() {
    return metricsGranularity;
  }

  /**
   * Sets MetricsGranularity: The finest dimensions of CloudWatch uploads: {@code global}, {@code stream} or {@code
   * shard}.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value does not match the pattern
   * @throws NullPointerException if the value is null
   */
  public KinesisProducerConfiguration setMetricsGranularity(String value) {
    checkPattern("metricsGranularity", value, "global|stream|shard");
    this.metricsGranularity = value;
    return this;
  }

  /**
   * MetricsLevel (default detailed): Which metrics are uploaded to CloudWatch; {@code none} uploads nothing and
   * makes no CloudWatch client ({@code getMetrics} reports every metric in any case).
   *
   * @return the value
   */
  public String getMetricsLevel() {
    return metricsLevel;
  }

  /**
   * Sets MetricsLevel: Which metrics are uploaded to CloudWatch: {@code none}, {@code summary} or {@code
   * detailed}.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value does not match the pattern
   * @throws NullPointerException if the value is null
   */
  public KinesisProducerConfiguration setMetricsLevel(String value) {
    checkPattern("metricsLevel", value, "none|summary|detailed");
    this.metricsLevel = value;
    return this;
  }

  /**
   * MetricsNamespace (default KinesisProducerLibrary): The CloudWatch namespace of uploads.
   *
   * @return the value
   */
  public String getMetricsNamespace() {
    return metricsNamespace;
  }

  /**
   * Sets MetricsNamespace: The CloudWatch namespace of uploads.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value does not match the pattern
   * @throws NullPointerException if the value is null
   */
  public KinesisProducerConfiguration setMetricsNamespace(String value) {
    checkPattern("metricsNamespace", value, "(?!AWS/).{1,255}");
    this.metricsNamespace = value;
    return this;
  }

  /**
   * MetricsUploadDelay (default 60000): Milliseconds between CloudWatch uploads.
   *
   * @return the value
   */
  public long getMetricsUploadDelay() {
    return metricsUploadDelay;
  }

  /**
   * Sets MetricsUploadDelay: Milliseconds between CloudWatch uploads.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setMetricsUploadDelay(long value) {
    checkRange("metricsUploadDelay", value, 1L, 60000L);
    this.metricsUploadDelay = value;
    return this;
  }

  /**
   * MinConnections (default 1): In the KPL, the connections the daemon keeps open. No effect: the HTTP client
   * opens them as needed.
   *
   * @return the value
   */
  public long getMinConnections() {
    return minConnections;
  }

  /**
   * Sets MinConnections: In the KPL, the connections the daemon keeps open. No effect: the HTTP client opens
   * them as needed.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setMinConnections(long value) {
    checkRange("minConnections", value, 1L, 16L);
    this.minConnections = value;
    return this;
  }

  /**
   * NativeExecutable (default empty): In the KPL, a path to the native daemon to run instead of the bundled one.
   * No effect: there is no daemon.
   *
   * @return the value
   */
  public String getNativeExecutable() {
    return nativeExecutable;
  }

  /**
   * Sets NativeExecutable: In the KPL, a path to the native daemon to run instead of the bundled one. No effect:
   * there is no daemon.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setNativeExecutable(String value) {
    this.nativeExecutable = value;
    return this;
  }

  /**
   * RateLimit (default 150): Each shard's traffic is held to this percentage of its limits (1 MB/s and 1,000
   * records/s).
   *
   * @return the value
   */
  public long getRateLimit() {
    return rateLimit;
  }

  /**
   * Sets RateLimit: Each shard's traffic is held to this percentage of its limits (1 MB/s and 1,000 records/s).
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setRateLimit(long value) {
    checkRange("rateLimit", value, 1L, Long.MAX_VALUE);
    this.rateLimit = value;
    return this;
  }

  /**
   * RecordMaxBufferedTime (default 100): The longest a user record waits, in milliseconds, for others to share
   * its aggregate and call.
   *
   * @return the value
   */
  public long getRecordMaxBufferedTime() {
    return recordMaxBufferedTime;
  }

  /**
   * Sets RecordMaxBufferedTime: The longest a user record waits, in milliseconds, for others to share its
   * aggregate and call.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setRecordMaxBufferedTime(long value) {
    checkRange("recordMaxBufferedTime", value, 0L, Long.MAX_VALUE);
    this.recordMaxBufferedTime = value;
    return this;
  }

  /**
   * RecordTtl (default 30000): Milliseconds a user record may take to be put, retries included; after that its
   * future fails with {@code Expired}.
   *
   * @return the value
   */
  public long getRecordTtl() {
    return recordTtl;
  }

  /**
   * Sets RecordTtl: Milliseconds a user record may take to be put, retries included; after that its future fails
   * with {@code Expired}.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setRecordTtl(long value) {
    checkRange("recordTtl", value, 100L, Long.MAX_VALUE);
    this.recordTtl = value;
    return this;
  }

  /**
   * Region (default empty): The AWS region; empty for the SDK's default (the {@code AWS_REGION} environment
   * variable, the profile, ...).
   *
   * @return the value
   */
  public String getRegion() {
    return region;
  }

  /**
   * Sets Region: The AWS region; empty for the SDK's default (the {@code AWS_REGION} environment variable, the
   * profile, ...).
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value does not match the pattern
   * @throws NullPointerException if the value is null
   */
  public KinesisProducerConfiguration setRegion(String value) {
    checkPattern("region", value, "^([a-z]+-([a-z]+-)?[a-z]+-[0-9])?$");
    this.region = value;
    return this;
  }

  /**
   * RequestTimeout (default 6000): Milliseconds one PutRecords attempt may take before it is given up and retried.
   *
   * @return the value
   */
  public long getRequestTimeout() {
    return requestTimeout;
  }

  /**
   * Sets RequestTimeout: Milliseconds one PutRecords attempt may take before it is given up and retried.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setRequestTimeout(long value) {
    checkRange("requestTimeout", value, 100L, 600000L);
    this.requestTimeout = value;
    return this;
  }

  /**
   * TempDirectory (default empty): In the KPL, where the native daemon is extracted. No effect: there is no
   * daemon, and nothing is written to disk.
   *
   * @return the value
   */
  public String getTempDirectory() {
    return tempDirectory;
  }

  /**
   * Sets TempDirectory: In the KPL, where the native daemon is extracted. No effect: there is no daemon, and
   * nothing is written to disk.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setTempDirectory(String value) {
    this.tempDirectory = value;
    return this;
  }

  /**
   * VerifyCertificate (default true): Whether the Kinesis endpoint's TLS certificate is checked. {@code false}
   * only for a test endpoint.
   *
   * @return the value
   */
  public boolean isVerifyCertificate() {
    return verifyCertificate;
  }

  /**
   * Sets VerifyCertificate: Whether the Kinesis endpoint's TLS certificate is checked. {@code false} only for a
   * test endpoint.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setVerifyCertificate(boolean value) {
    this.verifyCertificate = value;
    return this;
  }

  /**
   * ProxyHost (default empty): The HTTP proxy's host; empty for none.
   *
   * @return the value
   */
  public String getProxyHost() {
    return proxyHost;
  }

  /**
   * Sets ProxyHost: The HTTP proxy's host; empty for none.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setProxyHost(String value) {
    this.proxyHost = value;
    return this;
  }

  /**
   * ProxyPort (default 443): The HTTP proxy's port.
   *
   * @return the value
   */
  public long getProxyPort() {
    return proxyPort;
  }

  /**
   * Sets ProxyPort: The HTTP proxy's port.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setProxyPort(long value) {
    if (value < 1 || value > 65535) {
      throw new IllegalArgumentException("Proxy port must be between 1 and 65535, got " + value);
    }
    this.proxyPort = value;
    return this;
  }

  /**
   * ProxyUserName (default empty): The HTTP proxy's user name; empty for none.
   *
   * @return the value
   */
  public String getProxyUserName() {
    return proxyUserName;
  }

  /**
   * Sets ProxyUserName: The HTTP proxy's user name; empty for none.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setProxyUserName(String value) {
    this.proxyUserName = value;
    return this;
  }

  /**
   * ProxyPassword (default empty): The HTTP proxy's password.
   *
   * @return the value
   */
  public String getProxyPassword() {
    return proxyPassword;
  }

  /**
   * Sets ProxyPassword: The HTTP proxy's password.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setProxyPassword(String value) {
    this.proxyPassword = value;
    return this;
  }

  /**
   * StsEndpoint (default empty): In the KPL, the STS endpoint the daemon asks for the account id. No effect:
   * kpl-codec makes no STS call.
   *
   * @return the value
   */
  public String getStsEndpoint() {
    return stsEndpoint;
  }

  /**
   * Sets StsEndpoint: In the KPL, the STS endpoint the daemon asks for the account id. No effect: kpl-codec
   * makes no STS call.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value does not match the pattern
   * @throws NullPointerException if the value is null
   */
  public KinesisProducerConfiguration setStsEndpoint(String value) {
    checkPattern("stsEndpoint", value, "^([A-Za-z0-9-\\.]+)?$");
    this.stsEndpoint = value;
    return this;
  }

  /**
   * StsPort (default 443): In the KPL, the STS port. No effect (no STS call).
   *
   * @return the value
   */
  public long getStsPort() {
    return stsPort;
  }

  /**
   * Sets StsPort: In the KPL, the STS port. No effect (no STS call).
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setStsPort(long value) {
    // The KPL names the wrong property in this message; kept, as code may match it.
    checkRange("kinesisPort", value, 1L, 65535L);
    this.stsPort = value;
    return this;
  }

  /**
   * UserRecordTimeoutInMillis (default 0): If above 0, a future gives up (with {@link FutureTimedOutException})
   * after this many milliseconds, while its record carries on; 0: futures wait for the record's outcome.
   *
   * @return the value
   */
  public long getUserRecordTimeoutInMillis() {
    return userRecordTimeoutInMillis;
  }

  /**
   * Sets UserRecordTimeoutInMillis: If above 0, a future gives up (with {@link FutureTimedOutException}) after
   * this many milliseconds, while its record carries on; 0: futures wait for the record's outcome.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setUserRecordTimeoutInMillis(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("Timeout value must greater than or equal to 0");
    }
    this.userRecordTimeoutInMillis = value;
    return this;
  }

  /**
   * EnableOldestFutureTracker (default true): In the KPL, whether {@code getOldestRecordTimeInMillis} is
   * tracked. kpl-codec always tracks it.
   *
   * @return the value
   */
  public boolean getEnableOldestFutureTracker() {
    return enableOldestFutureTracker;
  }

  /**
   * Sets EnableOldestFutureTracker: In the KPL, whether {@code getOldestRecordTimeInMillis} is tracked.
   * kpl-codec always tracks it.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setEnableOldestFutureTracker(boolean value) {
    this.enableOldestFutureTracker = value;
    return this;
  }

  /**
   * ReturnUserRecordOnFailure (default false): Whether a {@link UserRecordFailedException} carries its {@link
   * UserRecord} ({@code getUserRecord()}).
   *
   * @return the value
   */
  public boolean getReturnUserRecordOnFailure() {
    return returnUserRecordOnFailure;
  }

  /**
   * Sets ReturnUserRecordOnFailure: Whether a {@link UserRecordFailedException} carries its {@link UserRecord}
   * ({@code getUserRecord()}).
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setReturnUserRecordOnFailure(boolean value) {
    this.returnUserRecordOnFailure = value;
    return this;
  }

  /**
   * EnableDaemonHealthCheck (default false): In the KPL, whether the native daemon is pinged and restarted if
   * silent. No effect: there is no daemon.
   *
   * @return the value
   */
  public boolean getEnableDaemonHealthCheck() {
    return enableDaemonHealthCheck;
  }

  /**
   * Sets EnableDaemonHealthCheck: In the KPL, whether the native daemon is pinged and restarted if silent. No
   * effect: there is no daemon.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setEnableDaemonHealthCheck(boolean value) {
    this.enableDaemonHealthCheck = value;
    return this;
  }

  /**
   * DaemonHealthCheckTimeoutMs (default 30000): In the KPL, how long the daemon may be silent. No effect: there
   * is no daemon.
   *
   * @return the value
   */
  public long getDaemonHealthCheckTimeoutMs() {
    return daemonHealthCheckTimeoutMs;
  }

  /**
   * Sets DaemonHealthCheckTimeoutMs: In the KPL, how long the daemon may be silent. No effect: there is no daemon.
   *
   * @param value the value
   * @return this configuration
   * @throws IllegalArgumentException if the value is out of range
   */
  public KinesisProducerConfiguration setDaemonHealthCheckTimeoutMs(long value) {
    if (value < 5000) {
      throw new IllegalArgumentException("daemonHealthCheckTimeoutMs must be at least 5000ms, got " + value);
    }
    this.daemonHealthCheckTimeoutMs = value;
    return this;
  }

  /**
   * CaCertPath (default empty): In the KPL, a directory of CA certificates for the daemon. No effect: the JVM's
   * trust store is used.
   *
   * @return the value
   */
  public String getCaCertPath() {
    return caCertPath;
  }

  /**
   * Sets CaCertPath: In the KPL, a directory of CA certificates for the daemon. No effect: the JVM's trust store
   * is used.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setCaCertPath(String value) {
    this.caCertPath = value;
    return this;
  }

  /**
   * CaCertFile (default empty): In the KPL, a CA certificate file for the daemon. No effect: the JVM's trust
   * store is used.
   *
   * @return the value
   */
  public String getCaCertFile() {
    return caCertFile;
  }

  /**
   * Sets CaCertFile: In the KPL, a CA certificate file for the daemon. No effect: the JVM's trust store is used.
   *
   * @param value the value
   * @return this configuration
   */
  public KinesisProducerConfiguration setCaCertFile(String value) {
    this.caCertFile = value;
    return this;
  }
}
