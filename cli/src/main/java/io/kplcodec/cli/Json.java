package io.kplcodec.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * JSON in and out through one configured jackson {@link ObjectMapper}. Reading is strict: one document per call,
 * trailing content is an error (jackson ignores it by default), and errors become one line with the position.
 * Thread-safe, as a configured ObjectMapper is.
 */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Reads one value of a stream of them: what follows it is the next value, not trailing content. */
  private static final ObjectReader TREE_READER = MAPPER.reader()
      .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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

  /** A streaming parser over {@code in} (left open), for input too big to hold as one tree. */
  static JsonParser parser(InputStream in) throws IOException {
    return MAPPER.getFactory().createParser(in).disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
  }

  /** The value at the parser's current token, as a tree; the parser is left on its last token. */
  static JsonNode tree(JsonParser parser) throws IOException {
    JsonNode node = TREE_READER.readTree(parser);
    return node == null ? MAPPER.nullNode() : node;
  }

  /** What is wrong with JSON, and where, in one line for people: no parser class names or feature hints. */
  static String describe(IOException e) {
    return e instanceof JsonProcessingException processing ? InvalidJsonException.describe(processing)
        : "not readable as JSON text: " + InvalidJsonException.firstLine(String.valueOf(e.getMessage()));
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

  /**
   * jackson's message without what only its authors need: the source excerpt, "(code 123)" after a character, the
   * hints naming its features or classes.
   */
  static String readable(String message) {
    java.util.regex.Matcher control = java.util.regex.Pattern.compile("\\(CTRL-CHAR, code (\\d+)\\)")
        .matcher(message);
    String shown = control.find() ? control.replaceAll(m -> String.format(Locale.ROOT,
        "U+%04X, a control character", Integer.parseInt(m.group(1)))) : message;
    String text = shown.replaceAll(" \\(code -?\\d+\\)", "")
        .replaceAll("\\s*\\(start marker at \\[Source[^\\]]*\\]\\)", "")
        .replaceAll("\\s*at \\[Source[^\\]]*\\]", "")
        .replaceAll("(?i);?\\s*\\(?(?:for|to) (?:allow|accept)[^)]*(?:Feature|enable)[^)]*\\)?", "")
        .replace("Unexpected end-of-input", "the input ends early")
        .replace(" in VALUE_STRING", " inside a string").replace(" in FIELD_NAME", " inside a field name");
    int hint = text.indexOf("StreamReadFeature");
    if (hint < 0) {
      hint = text.indexOf("JsonReadFeature");
    }
    if (hint >= 0) {
      int cut = text.lastIndexOf(';', hint);
      text = cut > 0 ? text.substring(0, cut) : text;
    }
    return text.replaceAll("\\bcom\\.fasterxml\\.[\\w.$]+", "a parser type").strip();
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

    /** What is wrong, without where: for a caller that names the place itself (a line of JSON lines). */
    String reason() {
      return getCause() instanceof JsonProcessingException processing
          ? readable(firstLine(processing.getOriginalMessage())) : getMessage();
    }

    /** The column of the error, from 1, or -1 if unknown. */
    long column() {
      return getCause() instanceof JsonProcessingException processing && processing.getLocation() != null
          ? processing.getLocation().getColumnNr() : -1;
    }

    static String firstLine(String message) {
      int newline = message.indexOf('\n');
      return newline >= 0 ? message.substring(0, newline) : message;
    }

    static String describe(JsonProcessingException e) {
      String message = readable(firstLine(e.getOriginalMessage()));
      JsonLocation location = e.getLocation();
      return location == null || location.getLineNr() < 0 ? message
          : message + " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
  }
}
