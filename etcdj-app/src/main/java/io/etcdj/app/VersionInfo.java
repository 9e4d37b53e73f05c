package io.etcdj.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The versions etcdj reports: its own, and the etcd release whose v3 API it speaks (what {@code
 * /version} and Maintenance/Status answer). Read once from a resource the build fills in.
 *
 * @param etcdjVersion this build's version
 * @param etcdApiVersion the etcd release etcdj is compatible with, e.g. {@code 3.4.23}
 */
record VersionInfo(String etcdjVersion, String etcdApiVersion) {

  static VersionInfo load() {
    Properties properties = new Properties();
    try (InputStream in = VersionInfo.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("version.properties is missing from the etcdj-app jar");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new VersionInfo(
        properties.getProperty("etcdj.version", "unknown"),
        properties.getProperty("etcd.api.version", "unknown"));
  }

  /** {@code etcdj --version}, laid out as {@code etcd --version}. */
  String describe() {
    String arch = System.getProperty("os.arch", "unknown");
    return "etcdj Version: "
        + etcdjVersion
        + "\netcd API Version: "
        + etcdApiVersion
        + "\nJava Version: "
        + Runtime.version()
        + "\nJava OS/Arch: "
        + System.getProperty("os.name", "unknown").toLowerCase(java.util.Locale.ROOT)
        + "/"
        + (arch.equals("x86_64") ? "amd64" : arch)
        + "\n";
  }
}
