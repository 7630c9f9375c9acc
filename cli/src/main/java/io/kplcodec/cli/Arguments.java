package io.kplcodec.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A command's parsed command line: {@code --name value}, {@code --name=value}, flags, and positional arguments
 * ({@code -} is stdin; {@code --} ends the options). Every mistake is a {@link CliException#usage} naming the
 * option. Immutable after parsing; not meant to be shared between threads.
 */
final class Arguments {
  private final String command;
  private final Map<String, String> values = new HashMap<>();
  private final Set<String> flags = new HashSet<>();
  private final List<String> positionals = new ArrayList<>();

  private Arguments(String command) {
    this.command = command;
  }

  /**
   * Parses {@code args} against the options a command accepts.
   *
   * @throws CliException (usage) for an unknown option, a flag given a value or an option missing its value
   */
  static Arguments parse(String command, List<String> args, List<Option> options) {
    Map<String, Option> byName = new HashMap<>();
    for (Option option : options) {
      byName.put(option.name(), option);
    }
    Arguments parsed = new Arguments(command);
    boolean optionsEnded = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (optionsEnded || arg.equals("-") || !arg.startsWith("-")) {
        parsed.positionals.add(arg);
        continue;
      }
      if (arg.equals("--")) {
        optionsEnded = true;
        continue;
      }
      String name;
      String value = null;
      if (arg.equals("-h")) {
        name = "help";
      } else if (arg.equals("-v")) {
        name = "verbose";
      } else if (arg.equals("-q")) {
        name = "quiet";
      } else if (arg.startsWith("--")) {
        int equals = arg.indexOf('=');
        name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
        value = equals < 0 ? null : arg.substring(equals + 1);
      } else {
        throw parsed.usageError("unknown option " + arg);
      }
      Option option = byName.get(name);
      if (option == null) {
        throw parsed.usageError("unknown option --" + name);
      }
      if (!option.takesValue()) {
        if (value != null) {
          throw parsed.usageError("option --" + name + " takes no value");
        }
        parsed.flags.add(name);
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw parsed.usageError("option --" + name + " needs a value (" + option.valueName() + ")");
        }
        value = args.get(++i);
      }
      parsed.values.put(name, value);
    }
    return parsed;
  }

  /** The command these arguments are for. */
  String command() {
    return command;
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  /** The option's value, or {@code defaultValue} if it was not given. */
  String string(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  /** The option's value; a usage error if it was not given. */
  String required(String name) {
    String value = values.get(name);
    if (value == null) {
      throw usageError("option --" + name + " is required");
    }
    return value;
  }

  /** An integer option within {@code [min, max]}. */
  int integer(String name, int defaultValue, int min, int max) {
    String value = values.get(name);
    if (value == null) {
      return defaultValue;
    }
    long parsed;
    try {
      parsed = Long.parseLong(value.replace(",", "").replace("_", ""));
    } catch (NumberFormatException e) {
      throw usageError("option --" + name + " needs an integer, not '" + value + "'");
    }
    return checkRange(name, value, parsed, min, max);
  }

  /** A byte count within {@code [min, max]}: a number, optionally with a KiB or MiB suffix ({@code 64KiB}). */
  int bytes(String name, int defaultValue, int min, int max) {
    String value = values.get(name);
    if (value == null) {
      return defaultValue;
    }
    String text = value.trim().toLowerCase(Locale.ROOT).replace(",", "").replace("_", "");
    long unit = 1;
    if (text.endsWith("kib") || text.endsWith("mib")) {
      unit = text.endsWith("kib") ? 1024 : 1024 * 1024;
      text = text.substring(0, text.length() - 3).trim();
    }
    long parsed;
    try {
      parsed = Math.multiplyExact(Long.parseLong(text), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw usageError("option --" + name + " needs a byte count (e.g. 1048576, 64KiB, 1MiB), not '" + value + "'");
    }
    return checkRange(name, value, parsed, min, max);
  }

  /** One of {@code choices} (case-insensitive, {@code _} and {@code -} alike), as written in {@code choices}. */
  String choice(String name, String defaultValue, String... choices) {
    String value = values.get(name);
    if (value == null) {
      return defaultValue;
    }
    String normalized = value.toLowerCase(Locale.ROOT).replace('_', '-');
    for (String choice : choices) {
      if (choice.equals(normalized)) {
        return choice;
      }
    }
    throw usageError("option --" + name + " must be one of " + String.join(", ", choices) + ", not '" + value + "'");
  }

  /** Positional arguments, in order. */
  List<String> positionals() {
    return List.copyOf(positionals);
  }

  /** Fails unless there are at most {@code max} positional arguments. */
  void atMostPositionals(int max, String what) {
    if (positionals.size() > max) {
      throw usageError(max == 0 ? "unexpected argument '" + positionals.get(0) + "'"
          : "too many arguments: expected at most " + max + " " + what);
    }
  }

  /** A usage error for this command, pointing at its help. */
  CliException usageError(String message) {
    return CliException.usage(message + " (see kplc " + command + " --help)");
  }

  private int checkRange(String name, String value, long parsed, int min, int max) {
    if (parsed < min || parsed > max) {
      throw usageError("option --" + name + " must be between " + Text.number(min) + " and " + Text.number(max)
          + ", not " + value);
    }
    return (int) parsed;
  }
}
