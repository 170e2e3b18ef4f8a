import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes C header text for the builder's build-time struct and constant queries, from the
 * {@code @CStruct}/{@code @CField}/{@code @CConstant} annotations of the classes named in arguments 2..n
 * (argument 1: the builder's class path). GraalVM ships these headers; the Maven Central jars do not.
 * Only layouts matter before the link step, so every field gets a plausible C type and constants 0
 * (setup fixes the two whose values the builder checks).
 */
public class GenHeaders {
  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String p : args[0].split(":")) urls.add(Paths.get(p).toUri().toURL());
    ClassLoader cl = new URLClassLoader(urls.toArray(new URL[0]), GenHeaders.class.getClassLoader());
    Class<? extends Annotation> cField = (Class<? extends Annotation>) Class.forName("org.graalvm.nativeimage.c.struct.CField", false, cl);
    Class<? extends Annotation> cStruct = (Class<? extends Annotation>) Class.forName("org.graalvm.nativeimage.c.struct.CStruct", false, cl);
    Class<? extends Annotation> cConst = (Class<? extends Annotation>) Class.forName("org.graalvm.nativeimage.c.constant.CConstant", false, cl);
    for (int i = 1; i < args.length; i++) {
      Class<?> c = Class.forName(args[i], false, cl);
      if (c.isInterface() && c.getAnnotation(cStruct) != null) {
        String structName = (String) cStruct.getMethod("value").invoke(c.getAnnotation(cStruct));
        System.out.println("typedef struct {");
        for (Method m : c.getDeclaredMethods()) {
          Object field = m.getAnnotation(cField);
          if (field == null || m.getParameterCount() != 0) continue;
          String name = (String) cField.getMethod("value").invoke(field);
          if (name.isEmpty()) name = m.getName();
          Class<?> t = m.getReturnType();
          String cType = t == boolean.class || t == byte.class ? "char"
              : t == int.class ? "int" : t == long.class ? "long long" : t == short.class ? "short" : "char*";
          System.out.println("  " + cType + " " + name + ";");
        }
        System.out.println("} " + structName + ";");
      } else {
        for (Method m : c.getDeclaredMethods()) {
          Object constant = m.getAnnotation(cConst);
          if (constant == null) continue;
          String name = (String) cConst.getMethod("value").invoke(constant);
          if (name.isEmpty()) name = m.getName();
          System.out.println("#define " + name + " 0");
        }
      }
    }
  }
}
