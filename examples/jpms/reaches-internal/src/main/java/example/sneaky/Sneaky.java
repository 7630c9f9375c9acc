package example.sneaky;

import io.kplcodec.internal.Varint;

/** Reaches into kpl-codec-core's internals: on the module path this must not compile. */
public final class Sneaky {
  public static Class<?> internals() {
    return Varint.class;
  }
}
