import java.util.Comparator;

/**
 * Prints one --add-exports line per package of every boot-layer JDK module, to the builder's modules
 * (argument 1, comma-separated). The builder reaches into JDK internals; the GraalVM driver would
 * open them, and this kit has no driver.
 */
public class Exports {
  public static void main(String[] args) {
    String targets = args[0];
    ModuleLayer.boot().modules().stream()
        .sorted(Comparator.comparing(Module::getName))
        .forEach(m -> m.getDescriptor().packages().stream().sorted()
            .forEach(p -> System.out.println("--add-exports=" + m.getName() + "/" + p + "=" + targets)));
  }
}
