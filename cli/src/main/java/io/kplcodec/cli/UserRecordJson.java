package io.kplcodec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kplcodec.Aggregator;
import io.kplcodec.KinesisRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Consumer;

/**
 * User records as JSON lines, what {@code aggregate} and {@code put} read and {@code deaggregate} writes:
 * {@code {"partitionKey":"k","explicitHashKey":"123","data":"text"}}, with {@code "dataBase64"} instead of
 * {@code "data"} for bytes that are not printable UTF-8. Other fields are ignored, so the output of {@code
 * deaggregate} and {@code tail --output json} reads back. Stateless and thread-safe.
 */
final class UserRecordJson {
  private UserRecordJson() {}

  /** A user record read from a line. */
  record Line(String location, String partitionKey, String explicitHashKey, byte[] data) {
    /** Adds this user record to {@code aggregator}; a key it refuses, or a record too large, fails naming the line. */
    KinesisRecord addTo(Aggregator aggregator) {
      try {
        return aggregator.add(partitionKey, explicitHashKey, data);
      } catch (IllegalArgumentException e) { // an invalid key, or a RecordTooLargeException
        throw CliException.failed(location + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Reads every non-blank line as a user record, handing each to {@code sink} as soon as it is read (so input
   * can be streamed). An input without any is an error, as it is for every kplc command: nothing to do is more
   * likely a wrong file or an empty pipe than what was meant. A UTF-8 byte order mark is skipped.
   */
  static void readLines(BufferedReader reader, String source, Consumer<Line> sink) {
    try {
      int number = 0;
      boolean any = false;
      for (String line; (line = reader.readLine()) != null; ) {
        number++;
        if (number == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
        if (!line.isBlank()) {
          any = true;
          sink.accept(parse(line, source + " line " + number));
        }
      }
      if (!any) {
        throw CliException.failed(source + " is empty: no user record to read");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One line. {@code data} may also be any other JSON value: its compact JSON text is the data. */
  static Line parse(String line, String where) {
    JsonNode node;
    try {
      node = Json.read(line);
    } catch (Json.InvalidJsonException e) {
      throw CliException.failed(where + (e.column() > 0 ? " column " + e.column() : "") + ": invalid JSON: "
          + e.reason());
    }
    if (!node.isObject()) {
      throw CliException.failed(where + ": expected a JSON object with partitionKey and data, not "
          + Json.kind(node));
    }
    // The AWS CLI's own entries (PutRecords, GetRecords) name the fields in PascalCase, Data in base64.
    boolean aws = !node.has("partitionKey") && node.has("PartitionKey");
    String partitionKey = Json.text(node, aws ? "PartitionKey" : "partitionKey", where);
    if (partitionKey == null) {
      throw CliException.failed(where + ": partitionKey is missing (or PartitionKey with Data in base64, as the "
          + "AWS CLI writes them)");
    }
    String explicitHashKey = Json.text(node, aws ? "ExplicitHashKey" : "explicitHashKey", where);
    JsonNode text = aws ? null : node.get("data");
    String base64 = Json.text(node, aws ? "Data" : "dataBase64", where);
    if (aws && base64 == null) {
      throw CliException.failed(where + ": Data (base64) is missing beside PartitionKey");
    }
    boolean hasText = text != null && !text.isNull();
    if (hasText == (base64 != null)) {
      throw CliException.failed(where + (hasText ? ": give data or dataBase64, not both"
          : ": data (text) or dataBase64 is missing"));
    }
    byte[] data;
    if (base64 != null) {
      try {
        data = Base64.getDecoder().decode(base64.strip());
      } catch (IllegalArgumentException e) {
        throw CliException.failed(where + ": " + (aws ? "Data" : "dataBase64") + " is not valid base64 ("
            + e.getMessage() + ")");
      }
    } else {
      data = (text.isTextual() ? text.textValue() : Json.write(text)).getBytes(StandardCharsets.UTF_8);
    }
    return new Line(where, partitionKey, explicitHashKey, data);
  }

  /**
   * A user record as one JSON line, the one schema of {@code deaggregate} and {@code tail --output json}, which
   * {@link #parse} reads back: {@code shardId}, {@code sequenceNumber}, {@code subSequenceNumber}, {@code arrival}
   * (ISO-8601), {@code encryptionType}, {@code partitionKey}, {@code explicitHashKey}, {@code aggregated}, then
   * {@code data} or {@code dataBase64}. A field is absent when the input does not say it (null arguments).
   *
   * @param subSequenceNumber its index in its aggregate; 0 for a record that is not aggregated
   * @param jsonData whether data that is a JSON object or array is written as that JSON value
   */
  static ObjectNode toJson(String shardId, String sequenceNumber, long subSequenceNumber, String arrival,
      String encryptionType, String partitionKey, String explicitHashKey, boolean aggregated, ByteBuffer data,
      boolean jsonData) {
    ObjectNode node = Json.object();
    putIfPresent(node, "shardId", shardId);
    putIfPresent(node, "sequenceNumber", sequenceNumber);
    node.put("subSequenceNumber", subSequenceNumber);
    putIfPresent(node, "arrival", arrival);
    putIfPresent(node, "encryptionType", encryptionType);
    putIfPresent(node, "partitionKey", partitionKey);
    putIfPresent(node, "explicitHashKey", explicitHashKey);
    node.put("aggregated", aggregated);
    putData(node, data, jsonData);
    return node;
  }

  static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  /**
   * {@code "data"} as text when printable, else {@code "dataBase64"}; with {@code jsonData}, text that is a JSON
   * object or array goes in {@code "data"} as that value, so {@code jq .data.field} works (read back, its compact
   * text is the data: the same bytes only if they were compact JSON).
   */
  static void putData(ObjectNode node, ByteBuffer data, boolean jsonData) {
    String text = Text.printableOrNull(data);
    if (text == null) {
      node.put("dataBase64", Text.base64(data));
      return;
    }
    String trimmed = text.strip();
    if (jsonData && (trimmed.startsWith("{") || trimmed.startsWith("["))) {
      try {
        node.set("data", Json.read(trimmed));
        return;
      } catch (Json.InvalidJsonException e) {
        // not JSON after all: text, as without the option
      }
    }
    node.put("data", text);
  }
}
