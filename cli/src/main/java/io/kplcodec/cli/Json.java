package io.kplcodec.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;

/**
 * JSON in and out through one configured jackson {@link ObjectMapper}. Reading is strict: one document per call,
 * trailing content is an error (jackson ignores it by default), and errors become one line with the position.
 * Thread-safe, as a configured ObjectMapper is.
 */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Json() {}

  /** A new empty object, to fill and {@link #write}. */
  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** One JSON document. */
  static JsonNode read(byte[] content) throws InvalidJsonException {
    try {
      return MAPPER.readTree(content);
    } catch (JsonProcessingException e) {
      throw new InvalidJsonException(e);
    } catch (IOException e) {
      // Nothing is read from a device here: jackson's other IOExceptions are about the bytes too, such as text that
      // is not valid in the encoding it detected (a CharConversionException for bytes that look like UTF-32).
      throw new InvalidJsonException(e);
    }
  }

  /** One JSON document (a line of JSON lines). */
  static JsonNode read(String content) throws InvalidJsonException {
    try {
      return MAPPER.readTree(content);
    } catch (JsonProcessingException e) {
      throw new InvalidJsonException(e);
    }
  }

  /** The node as compact JSON on one line; non-ASCII characters stay as they are. */
  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e); // a tree of plain nodes always serializes
    }
  }

  /** Text of a string field, or null if absent or JSON null; an error if present with another type. */
  static String text(JsonNode object, String field, String where) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw CliException.failed(where + ": " + field + " must be a string, not " + kind(value));
    }
    return value.textValue();
  }

  /** What kind of JSON value it is, for messages. */
  static String kind(JsonNode value) {
    return switch (value.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case STRING -> "a string";
      default -> value.getNodeType().toString().toLowerCase(Locale.ROOT);
    };
  }

  /** Malformed JSON, with a one-line message: what is wrong and where. */
  static final class InvalidJsonException extends Exception {
    private static final long serialVersionUID = 1L;
    private final long line;

    InvalidJsonException(JsonProcessingException cause) {
      super(describe(cause), cause);
      JsonLocation location = cause.getLocation();
      this.line = location == null ? -1 : location.getLineNr();
    }

    /** Bytes jackson could not even read as text. */
    InvalidJsonException(IOException cause) {
      super("not readable as JSON text: " + firstLine(String.valueOf(cause.getMessage())), cause);
      this.line = -1;
    }

    /** The line of the error, from 1, or -1 if unknown. */
    long line() {
      return line;
    }

    private static String firstLine(String message) {
      int newline = message.indexOf('\n');
      return newline >= 0 ? message.substring(0, newline) : message;
    }

    private static String describe(JsonProcessingException e) {
      String message = firstLine(e.getOriginalMessage());
      JsonLocation location = e.getLocation();
      return location == null || location.getLineNr() < 0 ? message
          : message + " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
  }
}
