package example.java11;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import com.sun.source.util.JavacTask;

/**
 * Checks that a jar runs on an older Java: its class files are at most that Java's version, and every JDK class,
 * method and field its constant pools reference exists in that Java's API. The API comes from javac itself: a
 * compiler task with {@code --release N} sees exactly Java N's public API (the JDK's ct.sym), as it does when it
 * compiles. Methods may be inherited (looked up in all members, superclasses and interfaces included).
 *
 * <p>Arguments: a class in the jar to check (the jar is found on the class path), and the Java release (11). Before
 * the jar, the check proves on two references that it finds what Java 11 lacks (String.stripIndent, Java 15;
 * java.util.HexFormat, Java 17). Exit code 1 on any problem.
 */
public final class Java11ApiCheck {
  private final Elements elements;
  private final Types types;

  private Java11ApiCheck(int release) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    JavaFileObject empty = new SimpleJavaFileObject(URI.create("string:///Empty.java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return "class Empty {}";
      }
    };
    JavacTask task = (JavacTask) javac.getTask(null, null, null,
        List.of("--release", Integer.toString(release), "-proc:none"), null, List.of(empty));
    task.analyze();
    elements = task.getElements();
    types = task.getTypes();
  }

  public static void main(String[] args) throws Exception {
    String anchor = args[0];
    int release = Integer.parseInt(args[1]);
    int maxClassVersion = 44 + release;
    Java11ApiCheck check = new Java11ApiCheck(release);

    // The check must see what the release lacks, or it proves nothing.
    String selfTest = check.missing(new Ref('M', "java/lang/String", "stripIndent", "()Ljava/lang/String;"));
    String selfTestClass = check.missing(new Ref('C', "java/util/HexFormat", null, null));
    if (release < 15 && (selfTest == null || selfTestClass == null)) {
      System.out.println("java11: the check itself is broken: it finds String.stripIndent or HexFormat in Java "
          + release);
      System.exit(1);
    }

    Path jar = Path.of(Class.forName(anchor).getProtectionDomain().getCodeSource().getLocation().toURI());
    Map<String, List<String>> problems = new TreeMap<>();
    TreeSet<Ref> refs = new TreeSet<>();
    int classes = 0;
    int highestVersion = 0;
    try (JarFile file = new JarFile(jar.toFile())) {
      for (JarEntry entry : java.util.Collections.list(file.entries())) {
        if (!entry.getName().endsWith(".class")) {
          continue;
        }
        if (entry.getName().startsWith("META-INF/versions/")) {
          problems.computeIfAbsent(entry.getName(), k -> new ArrayList<>()).add("a multi-release class");
          continue;
        }
        classes++;
        try (InputStream in = file.getInputStream(entry)) {
          ClassFile classFile = ClassFile.read(in);
          highestVersion = Math.max(highestVersion, classFile.major);
          if (classFile.major > maxClassVersion) {
            problems.computeIfAbsent(entry.getName(), k -> new ArrayList<>())
                .add("class file version " + classFile.major + " (Java " + (classFile.major - 44) + ")");
          }
          for (Ref ref : classFile.jdkRefs) {
            refs.add(ref);
            String missing = check.missing(ref);
            if (missing != null) {
              problems.computeIfAbsent(entry.getName(), k -> new ArrayList<>()).add(missing);
            }
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      System.out.println("java11: " + jar.getFileName() + " does not run on Java " + release + ":");
      problems.forEach((entry, list) -> list.forEach(problem -> System.out.println("  " + entry + ": " + problem)));
      System.exit(1);
    }
    long members = refs.stream().filter(ref -> ref.kind != 'C').count();
    System.out.printf("java11: %s: %d classes, class file versions <= %d (Java %d); %d JDK classes and %d JDK methods"
        + " and fields referenced, all in the Java %d API (javac --release %d); the check finds String.stripIndent"
        + " (Java 15) and java.util.HexFormat (Java 17) missing from it%n", jar.getFileName(), classes,
        highestVersion, highestVersion - 44, refs.size() - members, members, release, release);
  }

  /** Why the reference is not in the release's API, or null if it is. */
  private String missing(Ref ref) {
    String className = ref.owner.replace('/', '.').replace('$', '.');
    TypeElement owner = elements.getTypeElement(className);
    if (owner == null) {
      return "uses " + className + ", which Java's API of this release does not have";
    }
    if (ref.kind == 'C') {
      return null;
    }
    // Signature-polymorphic methods (MethodHandle.invokeExact, VarHandle.get, ...) have a descriptor per call site.
    if ((className.equals("java.lang.invoke.MethodHandle") || className.equals("java.lang.invoke.VarHandle"))
        && ref.kind == 'M') {
      for (Element member : elements.getAllMembers(owner)) {
        if (member.getSimpleName().contentEquals(ref.name)) {
          return null;
        }
      }
    }
    List<Element> candidates = new ArrayList<>(elements.getAllMembers(owner));
    if (owner.getKind().isInterface()) {
      candidates.addAll(elements.getAllMembers(elements.getTypeElement("java.lang.Object")));
    }
    for (Element member : candidates) {
      if (ref.kind == 'F') {
        if (member.getKind().isField() && member.getSimpleName().contentEquals(ref.name)
            && descriptor(member.asType()).equals(ref.descriptor)) {
          return null;
        }
      } else if (member instanceof ExecutableElement) {
        boolean constructor = member.getKind() == ElementKind.CONSTRUCTOR;
        boolean nameMatches = constructor ? ref.name.equals("<init>") : member.getSimpleName().contentEquals(ref.name);
        if (nameMatches && descriptor((ExecutableElement) member).equals(ref.descriptor)) {
          return null;
        }
      }
    }
    return "uses " + className + "." + ref.name + ref.descriptor + ", which Java's API of this release does not have";
  }

  private String descriptor(ExecutableElement method) {
    StringBuilder out = new StringBuilder("(");
    method.getParameters().forEach(parameter -> out.append(descriptor(parameter.asType())));
    return out.append(")").append(descriptor(method.getReturnType())).toString();
  }

  private String descriptor(TypeMirror type) {
    TypeMirror erased = types.erasure(type);
    switch (erased.getKind()) {
      case BOOLEAN: return "Z";
      case BYTE: return "B";
      case CHAR: return "C";
      case SHORT: return "S";
      case INT: return "I";
      case LONG: return "J";
      case FLOAT: return "F";
      case DOUBLE: return "D";
      case VOID: return "V";
      case ARRAY: return "[" + descriptor(((ArrayType) erased).getComponentType());
      case DECLARED:
        TypeElement element = (TypeElement) types.asElement(erased);
        return "L" + elements.getBinaryName(element).toString().replace('.', '/') + ";";
      default:
        return erased.getKind() == TypeKind.TYPEVAR ? "Ljava/lang/Object;" : "?" + erased;
    }
  }

  /** A reference from a constant pool: a class (C), a field (F) or a method (M). */
  private static final class Ref implements Comparable<Ref> {
    final char kind;
    final String owner;
    final String name;
    final String descriptor;

    Ref(char kind, String owner, String name, String descriptor) {
      this.kind = kind;
      this.owner = owner;
      this.name = name;
      this.descriptor = descriptor;
    }

    @Override
    public int compareTo(Ref other) {
      return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
      return kind + owner + "." + name + descriptor;
    }
  }

  /** Just enough of a class file: its major version and the JDK references in its constant pool. */
  private static final class ClassFile {
    int major;
    final List<Ref> jdkRefs = new ArrayList<>();

    static ClassFile read(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      if (data.readInt() != 0xCAFEBABE) {
        throw new IOException("not a class file");
      }
      ClassFile classFile = new ClassFile();
      data.readUnsignedShort(); // minor
      classFile.major = data.readUnsignedShort();
      int count = data.readUnsignedShort();
      String[] utf8 = new String[count];
      int[] classNames = new int[count];
      int[][] memberRefs = new int[count][];
      char[] memberKinds = new char[count];
      int[][] nameAndTypes = new int[count][];
      for (int i = 1; i < count; i++) {
        int tag = data.readUnsignedByte();
        switch (tag) {
          case 1: utf8[i] = data.readUTF(); break;
          case 3: case 4: data.readInt(); break;
          case 5: case 6: data.readLong(); i++; break;
          case 7: classNames[i] = data.readUnsignedShort(); break;
          case 8: case 16: case 19: case 20: data.readUnsignedShort(); break;
          case 9: case 10: case 11:
            memberKinds[i] = tag == 9 ? 'F' : 'M';
            memberRefs[i] = new int[] {data.readUnsignedShort(), data.readUnsignedShort()};
            break;
          case 12: nameAndTypes[i] = new int[] {data.readUnsignedShort(), data.readUnsignedShort()}; break;
          case 15: data.readUnsignedByte(); data.readUnsignedShort(); break;
          case 17: case 18: data.readUnsignedShort(); data.readUnsignedShort(); break;
          default: throw new IOException("unknown constant pool tag " + tag);
        }
      }
      for (int i = 1; i < count; i++) {
        if (classNames[i] != 0) {
          String name = utf8[classNames[i]];
          if (isJdk(name)) {
            classFile.jdkRefs.add(new Ref('C', name, null, null));
          }
        }
        if (memberRefs[i] != null) {
          String owner = utf8[classNames[memberRefs[i][0]]];
          int[] nameAndType = nameAndTypes[memberRefs[i][1]];
          if (isJdk(owner)) {
            classFile.jdkRefs.add(new Ref(memberKinds[i], owner, utf8[nameAndType[0]], utf8[nameAndType[1]]));
          }
        }
      }
      return classFile;
    }

    private static boolean isJdk(String internalName) {
      return internalName.startsWith("java/") || internalName.startsWith("javax/") || internalName.startsWith("jdk/")
          || internalName.startsWith("sun/") || internalName.startsWith("com/sun/");
    }
  }
}
