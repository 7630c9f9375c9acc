package io.kplcodec.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * TLS for a local HTTPS endpoint in front of kinesalite, for clients that reach Kinesis only over HTTPS (the real
 * KPL's daemon): a certificate for 127.0.0.1 and localhost that the JDK's keytool makes on the spot, valid two days.
 * Clients must not verify it (the KPL's {@code VerifyCertificate=false}). For tests and demos; not for production.
 *
 * <p>Stateless and thread-safe.
 */
public final class SelfSignedTls {
  private SelfSignedTls() {}

  /**
   * A server-side SSL context with a new self-signed certificate (EC P-256) for 127.0.0.1 and localhost.
   *
   * @param workDirectory where keytool writes the key store for a moment (created if missing; the file is deleted)
   * @return an SSL context to serve HTTPS with, e.g. to an {@code HttpsServer}'s configurator
   * @throws IOException if keytool cannot run or fails (its output is in the message)
   * @throws GeneralSecurityException if the key store it wrote cannot be read
   * @throws InterruptedException if interrupted while keytool runs
   */
  public static SSLContext forLocalhost(Path workDirectory)
      throws IOException, GeneralSecurityException, InterruptedException {
    Files.createDirectories(workDirectory);
    Path keyStore = Files.createTempFile(workDirectory, "local-tls", ".p12");
    Files.delete(keyStore); // keytool creates it
    char[] password = "local-tls".toCharArray();
    try {
      Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
          "-genkeypair", "-alias", "local", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
          "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-storetype", "PKCS12",
          "-keystore", keyStore.toString(), "-storepass", new String(password), "-keypass", new String(password))
          .redirectErrorStream(true).start();
      String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
        throw new IOException("keytool failed: " + output);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keyStore)) {
        store.load(in, password);
      }
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } finally {
      Files.deleteIfExists(keyStore);
    }
  }
}
