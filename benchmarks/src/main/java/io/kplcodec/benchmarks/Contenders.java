package io.kplcodec.benchmarks;

import io.kplcodec.compat.AggregateDecoder;
import io.kplcodec.compat.AggregationCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Every implementation the benchmarks measure, by the name used as the JMH {@code implementation} parameter and in
 * the report.
 *
 * <ul>
 *   <li>Each library's own path: {@code kpl-codec} (aggregation), {@code kpl-codec visit}, {@code kpl-codec visit
 *       read-only} (the same over a read-only heap buffer, as KCL and the SDK hand out), {@code kpl-codec list},
 *       {@code protobuf-java}, {@code KCL} (deaggregation only).
 *   <li>{@code codec:<name>}: any codec-protobuf-compat {@link AggregationCodec} (aggregation and deaggregation) or
 *       {@link AggregateDecoder} (deaggregation) through that interface: those in compat's {@link
 *       io.kplcodec.compat.Implementations#decoders()} (kpl-codec, protobuf-java, KCL, and yours if you add it there),
 *       those a jar on the class path declares as a service ({@code
 *       META-INF/services/io.kplcodec.compat.AggregateDecoder}), and those named by class in the system property
 *       {@value #CODECS_PROPERTY} (comma-separated, each with a public no-argument constructor).
 * </ul>
 */
public final class Contenders {
  /** System property naming extra codec classes, comma-separated. */
  public static final String CODECS_PROPERTY = "kplcodec.benchmarks.codecs";
  /** Prefix of the implementation names that go through the compat interface. */
  public static final String CODEC_PREFIX = "codec:";

  public static final String KPL_CODEC = "kpl-codec";
  public static final String KPL_CODEC_VISIT = "kpl-codec visit";
  public static final String KPL_CODEC_VISIT_READ_ONLY = "kpl-codec visit read-only";
  public static final String KPL_CODEC_LIST = "kpl-codec list";
  public static final String PROTOBUF_JAVA = "protobuf-java";
  public static final String KCL = "KCL";
  public static final String MD5_LIMIT = "MD5 limit";
  public static final String ARRAYCOPY_LIMIT = "arraycopy limit";

  private Contenders() {}

  /** The aggregation path of this implementation for this workload. */
  public static AggregationPath aggregation(String implementation, Workload workload) {
    switch (implementation) {
      case KPL_CODEC:
        return new KplCodecPaths.Aggregation(workload);
      case PROTOBUF_JAVA:
        return new ProtobufJavaPaths.Aggregation(workload);
      default:
        AggregateDecoder codec = codec(implementation);
        if (!(codec instanceof AggregationCodec)) {
          throw new IllegalArgumentException(implementation + " does not aggregate (it is no AggregationCodec)");
        }
        return new CodecPaths.Aggregation((AggregationCodec) codec, workload);
    }
  }

  /** The deaggregation path of this implementation for this workload. */
  public static DeaggregationPath deaggregation(String implementation, Workload workload) {
    switch (implementation) {
      case KPL_CODEC_VISIT:
        return new KplCodecPaths.Visit(workload, false);
      case KPL_CODEC_VISIT_READ_ONLY:
        return new KplCodecPaths.Visit(workload, true);
      case KPL_CODEC_LIST:
        return new KplCodecPaths.DeaggregateList(workload);
      case PROTOBUF_JAVA:
        return new ProtobufJavaPaths.Deaggregation(workload);
      case KCL:
        return new KclPaths.Deaggregation(workload);
      default:
        return new CodecPaths.Deaggregation(codec(implementation), workload);
    }
  }

  /** Every codec known: compat's list, services, and classes named in {@value #CODECS_PROPERTY}; by name. */
  public static Map<String, AggregateDecoder> codecs() {
    Map<String, AggregateDecoder> codecs = new LinkedHashMap<>();
    List<AggregateDecoder> all = new ArrayList<>(io.kplcodec.compat.Implementations.decoders());
    ServiceLoader.load(AggregateDecoder.class).forEach(all::add);
    String named = System.getProperty(CODECS_PROPERTY, "").trim();
    if (!named.isEmpty()) {
      for (String className : named.split(",")) {
        all.add(instantiate(className.trim()));
      }
    }
    for (AggregateDecoder codec : all) {
      codecs.putIfAbsent(codec.name(), codec);
    }
    return codecs;
  }

  /** Codecs other than kpl-codec, protobuf-java and KCL: the ones a user added. */
  public static List<String> userCodecNames() {
    List<String> names = new ArrayList<>(codecs().keySet());
    names.removeAll(List.of(KPL_CODEC, PROTOBUF_JAVA, KCL));
    return names;
  }

  /** How the report names an implementation. */
  public static String displayName(String implementation) {
    return implementation.startsWith(CODEC_PREFIX)
        ? implementation.substring(CODEC_PREFIX.length()) + " (compat interface)"
        : implementation;
  }

  private static AggregateDecoder codec(String implementation) {
    if (!implementation.startsWith(CODEC_PREFIX)) {
      throw new IllegalArgumentException("Unknown implementation \"" + implementation + "\"; known: " + KPL_CODEC
          + ", " + KPL_CODEC_VISIT + ", " + KPL_CODEC_VISIT_READ_ONLY + ", " + KPL_CODEC_LIST + ", " + PROTOBUF_JAVA + ", " + KCL + ", and "
          + CODEC_PREFIX + "<name> for " + codecs().keySet());
    }
    String name = implementation.substring(CODEC_PREFIX.length());
    AggregateDecoder codec = codecs().get(name);
    if (codec == null) {
      throw new IllegalArgumentException("No codec named \"" + name + "\"; known: " + codecs().keySet());
    }
    return codec;
  }

  private static AggregateDecoder instantiate(String className) {
    try {
      return (AggregateDecoder) Class.forName(className).getConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalArgumentException("Cannot make an AggregateDecoder of " + className
          + " (it needs a public no-argument constructor)", e);
    }
  }
}
