package io.kplcodec.cli;

import java.util.Arrays;

/** How Kinesis records are written in kplc's input ({@code --format}). */
enum InputFormat {
  /** Decide from the content: JSON of a known shape, else base64 lines, else one raw record. */
  AUTO("auto", "auto-detected"),
  /** The whole input (each file) is one record's bytes. */
  RAW("raw", "raw record"),
  /** One record per line, standard base64. */
  BASE64("base64", "base64 lines"),
  /** A Lambda Kinesis event: {@code {"Records":[{"kinesis":{"data":...}}]}}, or JSON lines of its records. */
  LAMBDA("lambda", "Lambda event"),
  /**
   * Kinesis API records: GetRecords output ({@code {"Records":[{"Data":...,"PartitionKey":...}]}}, from the SDK, the
   * AWS CLI or the HTTP API), a PutRecords request, a JSON array or JSON lines of such records.
   */
  GET_RECORDS("get-records", "GetRecords JSON");

  private final String option;
  private final String description;

  InputFormat(String option, String description) {
    this.option = option;
    this.description = description;
  }

  /** The value of {@code --format}. */
  String option() {
    return option;
  }

  /** What it is, for people. */
  String description() {
    return description;
  }

  static String[] options() {
    return Arrays.stream(values()).map(InputFormat::option).toArray(String[]::new);
  }

  static InputFormat ofOption(String option) {
    return Arrays.stream(values()).filter(f -> f.option.equals(option)).findFirst().orElseThrow();
  }
}
