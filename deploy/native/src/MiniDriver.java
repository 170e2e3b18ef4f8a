import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

/**
 * Turns the {@code native-image} driver arguments that Quarkus writes (native-image.args) into the
 * arguments of GraalVM's image generator, which is what this kit runs: the driver itself is not on
 * Maven Central. Like the real driver it also reads every jar's META-INF/native-image/ settings and
 * configuration files, and the runner jar's manifest (class path, main class, Add-Opens).
 *
 * <p>Usage: {@code MiniDriver native-image.args OUTDIR} writes OUTDIR/jvm.args and OUTDIR/builder.args.
 * An option it does not know fails loudly: the mapping lives in the {@code @APIOption} annotations of
 * the svm jar's option fields ({@code javap -v} shows them).
 */
public class MiniDriver {
  static final List<String> jvm = new ArrayList<>();
  static final List<String> builder = new ArrayList<>();
  static final List<String> classPath = new ArrayList<>();
  static final List<String[]> excludes = new ArrayList<>();
  static String mainClass;
  static String imageName;

  public static void main(String[] args) throws Exception {
    Path argsFile = Paths.get(args[0]);
    Path outDir = Paths.get(args[1]);
    Path base = argsFile.toAbsolutePath().getParent();
    translate(new ArrayList<>(Arrays.asList(Files.readString(argsFile).trim().split("\\s+"))), base, "user", true);
    for (String entry : new ArrayList<>(classPath)) processMetaInf(Paths.get(entry));
    builder.add(0, "-imagecp");
    builder.add(1, String.join(":", classPath));
    if (mainClass != null) builder.add("-H:Class=" + mainClass);
    if (imageName != null) builder.add("-H:Name=" + imageName);
    Files.write(outDir.resolve("jvm.args"), jvm);
    Files.write(outDir.resolve("builder.args"), builder);
  }

  static void translate(List<String> args, Path base, String origin, boolean topLevel) throws IOException {
    for (int i = 0; i < args.size(); i++) {
      String s = args.get(i);
      if (s.isEmpty()) continue;
      if (s.startsWith("-J")) jvm.add(s.substring(2));
      else if (s.startsWith("-H:")) builder.add(s);
      else if (s.equals("-jar")) readRunnerJar(base.resolve(args.get(++i)));
      else if (s.equals("-cp") || s.equals("--class-path") || s.equals("-classpath")) {
        for (String c : args.get(++i).split(":")) classPath.add(base.resolve(c).toString());
      } else if (s.equals("--exclude-config")) excludes.add(new String[] {args.get(++i), args.get(++i)});
      else if (s.startsWith("--features=")) builder.add("-H:Features=" + value(s));
      else if (s.startsWith("--initialize-at-run-time")) builder.add("-H:ClassInitialization=" + classInit(value(s), "run_time"));
      else if (s.startsWith("--initialize-at-build-time")) builder.add("-H:ClassInitialization=" + classInit(value(s), "build_time"));
      else if (s.equals("--no-fallback")) builder.add("-H:FallbackThreshold=0");
      else if (s.startsWith("--link-at-build-time")) builder.add("-H:LinkAtBuildTime@" + origin + "=" + value(s));
      else if (s.startsWith("--enable-url-protocols=")) builder.add("-H:EnableURLProtocols=" + value(s));
      else if (s.equals("--enable-http")) builder.add("-H:EnableURLProtocols=http");
      else if (s.equals("--enable-https")) builder.add("-H:EnableURLProtocols=https");
      else if (s.startsWith("--enable-monitoring")) builder.add("-H:EnableMonitoringFeatures=" + (s.contains("=") ? value(s) : "all"));
      else if (s.startsWith("--enable-native-access=")) builder.add("-H:EnableNativeAccess=" + value(s));
      else if (s.equals("--report-unsupported-elements-at-runtime")) builder.add("-H:+ReportUnsupportedElementsAtRuntime");
      else if (s.startsWith("-D")) builder.add(s);
      else if (s.startsWith("-")) throw new IllegalArgumentException("MiniDriver: unhandled driver option " + s);
      else if (topLevel) imageName = s;
    }
  }

  static void readRunnerJar(Path jar) throws IOException {
    classPath.add(jar.toString());
    try (JarFile jf = new JarFile(jar.toFile())) {
      Manifest m = jf.getManifest();
      mainClass = m.getMainAttributes().getValue("Main-Class");
      // Quarkus declares the JDK packages it opens in the manifest; the builder needs them too.
      String opens = m.getMainAttributes().getValue("Add-Opens");
      if (opens != null) for (String x : opens.trim().split("\\s+")) jvm.add("--add-opens=" + x + "=ALL-UNNAMED");
      String exports = m.getMainAttributes().getValue("Add-Exports");
      if (exports != null) for (String x : exports.trim().split("\\s+")) jvm.add("--add-exports=" + x + "=ALL-UNNAMED");
      String cp = m.getMainAttributes().getValue("Class-Path");
      if (cp != null) for (String c : cp.trim().split("\\s+")) classPath.add(jar.getParent().resolve(c).toString());
    }
  }

  static String value(String s) {
    int k = s.indexOf('=');
    return k < 0 ? "" : s.substring(k + 1);
  }

  static String classInit(String v, String kind) {
    if (v.isEmpty()) return ":" + kind;
    StringJoiner j = new StringJoiner(",");
    for (String c : v.split(",")) j.add(c + ":" + kind);
    return j.toString();
  }

  static final Map<String, String> CONFIG = Map.of(
      "reachability-metadata.json", "ReachabilityMetadataResources",
      "jni-config.json", "JNIConfigurationResources",
      "reflect-config.json", "ReflectionConfigurationResources",
      "resource-config.json", "ResourceConfigurationResources",
      "proxy-config.json", "DynamicProxyConfigurationResources",
      "serialization-config.json", "SerializationConfigurationResources",
      "serialization-deny-config.json", "SerializationDenyConfigurationResources",
      "predefined-classes-config.json", "PredefinedClassesConfigurationResources");

  static void processMetaInf(Path entry) throws IOException {
    if (!Files.isRegularFile(entry)) return;
    try (JarFile jf = new JarFile(entry.toFile())) {
      for (JarEntry je : Collections.list(jf.entries())) {
        String n = je.getName();
        if (!n.startsWith("META-INF/native-image/") || je.isDirectory()) continue;
        boolean excluded = false;
        for (String[] ex : excludes) {
          if (Pattern.compile(ex[0]).matcher(entry.toString()).find() && Pattern.compile(ex[1]).matcher("/" + n).find()) excluded = true;
        }
        if (excluded) continue;
        String file = n.substring(n.lastIndexOf('/') + 1);
        String dir = n.substring(0, n.lastIndexOf('/'));
        if (file.equals("native-image.properties")) {
          Properties p = new Properties();
          try (InputStream in = jf.getInputStream(je)) {
            p.load(in);
          }
          String a = p.getProperty("Args");
          if (a != null) translate(new ArrayList<>(Arrays.asList(a.replace("${.}", dir).trim().split("\\s+"))), entry.getParent(), entry.getFileName().toString(), false);
          String javaArgs = p.getProperty("JavaArgs");
          if (javaArgs != null) jvm.addAll(Arrays.asList(javaArgs.trim().split("\\s+")));
        } else if (CONFIG.containsKey(file)) {
          builder.add("-H:" + CONFIG.get(file) + "=" + n);
        }
      }
    }
  }
}
