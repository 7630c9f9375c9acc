package io.kplcodec.cli;

/**
 * One command-line option: a flag ({@code valueName} null) or an option taking a value. Immutable and thread-safe.
 *
 * @param name the long name without dashes, as in {@code --name}
 * @param valueName what the value is, for help (e.g. {@code BYTES}); null for a flag
 * @param description one line for help
 */
record Option(String name, String valueName, String description) {
  static Option flag(String name, String description) {
    return new Option(name, null, description);
  }

  static Option value(String name, String valueName, String description) {
    return new Option(name, valueName, description);
  }

  boolean takesValue() {
    return valueName != null;
  }
}
