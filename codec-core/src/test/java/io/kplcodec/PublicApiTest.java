package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kplcodec.testing.PublicApiDump;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins the public API to the checked-in dump {@code codec-core/api/kpl-codec-core.api}, so that every API change is
 * visible in review. After an intended change, regenerate it with
 * {@code mvn test -pl codec-core -Dtest=PublicApiTest -Dkplcodec.updateApi=true}.
 */
class PublicApiTest {
  private static final Path DUMP = Path.of("api", "kpl-codec-core.api");

  @Test
  void moduleExportsOnlyTheApiPackageAndRequiresNothing() throws IOException, URISyntaxException {
    Path moduleInfo = PublicApiDump.classesDirectory(Aggregator.class).resolve("module-info.class");
    ModuleDescriptor descriptor;
    try (var in = Files.newInputStream(moduleInfo)) {
      descriptor = ModuleDescriptor.read(in);
    }
    assertEquals("io.kplcodec", descriptor.name());
    assertEquals(Set.of("io.kplcodec"),
        descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
    assertEquals(Set.of("java.base"),
        descriptor.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()));
  }

  @Test
  void publicApiMatchesTheCheckedInDump() throws IOException, URISyntaxException, ClassNotFoundException {
    PublicApiDump.assertMatchesCheckedInDump(Aggregator.class, DUMP);
  }
}
