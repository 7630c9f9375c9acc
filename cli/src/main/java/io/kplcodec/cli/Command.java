package io.kplcodec.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * One kplc command: its name, help, options and what it does. Implementations are stateless; {@link #run} gets all
 * it needs, so one instance may serve any number of runs (thread-safe).
 */
abstract class Command {
  /** Options every command takes. */
  static final Option HELP = Option.flag("help", "show this help and exit (-h)");
  static final Option VERBOSE = Option.flag("verbose", "more detail on stderr, and a stack trace on errors (-v)");
  static final Option QUIET = Option.flag("quiet", "no progress line on stderr (shown only when stderr is a "
      + "terminal and the work takes over a second) (-q)");

  /** The command's name, as typed after {@code kplc}. */
  abstract String name();

  /** One line for the command list. */
  abstract String summary();

  /** The synopsis, e.g. {@code kplc inspect [options] [FILE...]}. */
  abstract String usage();

  /** What it does, in detail, with examples; printed after the options. */
  abstract String details();

  /** The options specific to this command. */
  abstract List<Option> options();

  /**
   * Runs the command.
   *
   * @return the exit code: 0, or {@link CliException#FAILED} after reporting a failure itself
   * @throws CliException for a usage error or bad data, reported as one line by the caller
   */
  abstract int run(Arguments arguments, Streams streams) throws Exception;

  /** Every option this command accepts, common ones included. */
  final List<Option> allOptions() {
    List<Option> all = new ArrayList<>(options());
    all.add(VERBOSE);
    all.add(QUIET);
    all.add(HELP);
    return all;
  }

  /** The full help text. */
  final String help() {
    StringBuilder help = new StringBuilder();
    help.append("Usage: ").append(usage()).append("\n\n").append(summary()).append("\n\nOptions:\n");
    List<Option> all = allOptions();
    int width = 0;
    for (Option option : all) {
      width = Math.max(width, optionLabel(option).length());
    }
    for (Option option : all) {
      help.append("  ").append(String.format("%-" + (width + 2) + "s", optionLabel(option)))
          .append(option.description()).append('\n');
    }
    String details = details();
    if (!details.isEmpty()) {
      help.append('\n').append(details.strip()).append('\n');
    }
    return help.toString();
  }

  private static String optionLabel(Option option) {
    return "--" + option.name() + (option.takesValue() ? " " + option.valueName() : "");
  }
}
