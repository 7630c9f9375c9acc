package io.kplcodec.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.time.Instant;

/**
 * Records from JSON, streamed: one document ({@code {"Records":[...]}}, an array, or one record), or JSON lines
 * (several documents). Only one record at a time is held as a tree.
 */
final class JsonInput {
  private final String source;
  private final BufferedInputStream in;
  private final InputFormat wanted;
  private final KinesisRecordReader.Handler handler;
  private InputFormat found;
  private long records;

  JsonInput(String source, BufferedInputStream in, InputFormat wanted, KinesisRecordReader.Handler handler) {
    this.source = source;
    this.in = in;
    this.wanted = wanted;
    this.handler = handler;
  }

  /** @param start where the JSON starts: after a byte order mark, which a raw record keeps */
  void read(int start) throws IOException {
    // Auto-detection may still read a lone JSON document of another shape as one raw record (a record whose data
    // is JSON); only the first KinesisRecordReader.LARGEST_RECORD bytes can be one, so only they are kept for it.
    in.mark(KinesisRecordReader.LARGEST_RECORD + 1);
    in.skipNBytes(start);
    try (JsonParser parser = Json.parser(in)) {
      int root = 0;
      for (JsonToken token; (token = next(parser)) != null; ) {
        root++;
        long line = parser.currentTokenLocation().getLineNr();
        String at = root == 1 ? "" : "line " + line;
        if (token == JsonToken.START_OBJECT) {
          object(parser, at, line, root);
        } else if (token == JsonToken.START_ARRAY) {
          array(parser, at, root);
        } else {
          JsonNode value = tree(parser);
          notARecord(parser, value, at, root, "expected a JSON object or array, not "
              + Json.kind(value));
        }
      }
    }
    if (found == null) { // nothing told the kind apart (an empty array): read like an empty Records
      handler.input(source, wanted == InputFormat.AUTO ? InputFormat.GET_RECORDS : wanted, note());
    }
  }

  private JsonToken next(JsonParser parser) {
    try {
      return parser.nextToken();
    } catch (IOException e) {
      throw invalid(e);
    }
  }

  private CliException invalid(IOException e) {
    return CliException.failed(source + ": invalid JSON: " + Json.describe(e), e);
  }

  /** A root object: a container with Records, or one record. */
  private void object(JsonParser parser, String at, long line, int root) throws IOException {
    ObjectNode fields = Json.object();
    boolean container = false;
    while (next(parser) == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = next(parser);
      if (name.equals("Records") && value == JsonToken.START_ARRAY) {
        container = true;
        fields = null;
        array(parser, join(at, "Records"), Integer.MAX_VALUE);
      } else if (container) {
        skip(parser);
      } else {
        fields.set(name, tree(parser));
      }
    }
    if (!container) {
      element(parser, fields, "line " + line, root);
    }
  }

  /** An array of records; {@code root} is its number among the input's documents, or MAX_VALUE in Records. */
  private void array(JsonParser parser, String at, int root) throws IOException {
    int index = 0;
    for (JsonToken token; (token = next(parser)) != JsonToken.END_ARRAY; ) {
      if (token == null) {
        throw CliException.failed(source + ": invalid JSON: the input ends inside an array");
      }
      element(parser, tree(parser), at + "[" + index + "]", index == 0 ? -root : Integer.MAX_VALUE);
      index++;
    }
  }

  private JsonNode tree(JsonParser parser) {
    try {
      return Json.tree(parser);
    } catch (IOException e) {
      throw invalid(e);
    }
  }

  private void skip(JsonParser parser) {
    try {
      parser.skipChildren();
    } catch (IOException e) {
      throw invalid(e);
    }
  }

  private void element(JsonParser parser, JsonNode element, String location, int root) throws IOException {
    String where = source + (location.isEmpty() ? "" : " " + location);
    InputFormat kind = element.path("kinesis").isObject() ? InputFormat.LAMBDA
        : element.isObject() && element.has("Data") ? InputFormat.GET_RECORDS : null;
    if (kind == null) {
      notARecord(parser, element, location, root, "neither a Lambda event record (kinesis.data) nor a Kinesis "
          + "API record (Data)");
      return;
    }
    if (wanted != InputFormat.AUTO && kind != wanted) {
      throw CliException.failed(where + ": not " + (wanted == InputFormat.LAMBDA
          ? "a Lambda Kinesis event record (no kinesis.data)" : "a Kinesis API record (no Data)"));
    }
    if (found == null) {
      found = kind;
      in.mark(0); // the raw fallback is no longer possible: let the buffer stay small
      handler.input(source, kind, note());
    }
    records++;
    handler.record(kind == InputFormat.LAMBDA ? lambdaRecord(source, location, element)
        : apiRecord(source, location, element));
  }

  /**
   * JSON that holds no record. When auto-detecting and the whole input is one such document, it is one raw record
   * whose data is that JSON, and the note says so; anything else is an error naming where.
   */
  private void notARecord(JsonParser parser, JsonNode value, String location, int root, String what)
      throws IOException {
    String where = source + (location.isEmpty() ? "" : " " + location);
    // root -1: the first element of the first document, an array, whose remaining elements are skipped first
    if (wanted == InputFormat.AUTO && (root == 1 || root == -1 && skipToArrayEnd(parser)) && records == 0
        && next(parser) == null) {
      try {
        in.reset();
      } catch (IOException e) { // read past the mark: too big to be one record
        throw CliException.failed(source + " is JSON, but not a Lambda event or GetRecords output, and larger than "
            + Text.size(KinesisRecordReader.LARGEST_RECORD) + ", so not one raw record either");
      }
      KinesisRecordReader.raw(source, in, handler,
          "auto: JSON, but not a Lambda event or GetRecords output (--format chooses)");
      found = InputFormat.RAW;
      return;
    }
    if (wanted != InputFormat.AUTO) {
      throw CliException.failed(where + ": " + (value.isObject() || value.isArray() ? "not " + (wanted
          == InputFormat.LAMBDA ? "a Lambda Kinesis event record (no kinesis.data)"
          : "a Kinesis API record (no Data)") : "expected a JSON object or array, not " + Json.kind(value)));
    }
    throw CliException.failed(where + ": " + what + " (read as JSON; --format raw reads the input as one record)");
  }

  private boolean skipToArrayEnd(JsonParser parser) {
    for (JsonToken token; (token = next(parser)) != JsonToken.END_ARRAY; ) {
      if (token == null) {
        return false;
      }
      skip(parser);
    }
    return true;
  }

  private String note() {
    return wanted != InputFormat.AUTO ? null
        : found == InputFormat.LAMBDA ? "auto: JSON records with kinesis.data"
        : "auto: JSON records with Data";
  }

  private static String join(String location, String field) {
    return location.isEmpty() ? field : location + " " + field;
  }

  private static InputRecord lambdaRecord(String source, String location, JsonNode element) {
    String where = source + (location.isEmpty() ? "" : " " + location);
    JsonNode kinesis = element.get("kinesis");
    byte[] data = base64Field(kinesis, "data", where + " kinesis");
    String eventId = Json.text(element, "eventID", where);
    String shardId = eventId != null && eventId.startsWith("shardId-") && eventId.indexOf(':') > 0
        ? eventId.substring(0, eventId.indexOf(':')) : null;
    return new InputRecord(source, location, data, Json.text(kinesis, "partitionKey", where),
        null, Json.text(kinesis, "sequenceNumber", where), shardId,
        timestamp(kinesis.get("approximateArrivalTimestamp")), Json.text(kinesis, "encryptionType", where));
  }

  private static InputRecord apiRecord(String source, String location, JsonNode element) {
    String where = source + (location.isEmpty() ? "" : " " + location);
    byte[] data = base64Field(element, "Data", where);
    return new InputRecord(source, location, data, Json.text(element, "PartitionKey", where),
        Json.text(element, "ExplicitHashKey", where), Json.text(element, "SequenceNumber", where), null,
        timestamp(element.get("ApproximateArrivalTimestamp")), Json.text(element, "EncryptionType", where));
  }

  private static byte[] base64Field(JsonNode object, String field, String where) {
    String text = Json.text(object, field, where);
    if (text == null) {
      throw CliException.failed(where + ": " + field + " is missing");
    }
    byte[] data = KinesisRecordReader.decodeBase64(text.strip());
    if (data == null) {
      throw CliException.failed(where + ": " + field + " is not valid base64");
    }
    return data;
  }

  /**
   * One form for every time: epoch seconds (the API's and Lambda's form) and the AWS CLI's
   * {@code 2026-01-01T00:00:00.123000+00:00} both become an ISO-8601 instant, {@code 2026-01-01T00:00:00.123Z}; text
   * that is no time kplc reads stays as it is.
   */
  static String timestamp(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isNumber()) {
      return Instant.ofEpochMilli(Math.round(value.doubleValue() * 1000)).toString();
    }
    try {
      return java.time.OffsetDateTime.parse(value.asText().strip()).toInstant().toString();
    } catch (java.time.format.DateTimeParseException e) {
      return value.asText();
    }
  }
}
