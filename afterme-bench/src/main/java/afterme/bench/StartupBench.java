package afterme.bench;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Start-up as scripts meet it: {@code afterme --version} and {@code afterme tail -n 1} on a log of three
 * records, through the launcher, beside a JVM that prints hello world (the same {@code java}, the
 * launcher's options for tools), in turn, {@value #ROUNDS} rounds; medians and their ratio to hello world.
 * Beside them the floor of a tool: a Picocli command of one option that prints hello world, from a jar
 * of its own with Picocli's classes and from the runnable jar, each with a class-data archive (or
 * ahead-of-time cache) made the way the launcher makes the tools'. The JVM is the first {@code java} on
 * the PATH, for all of them.
 */
final class StartupBench {
    private static final int ROUNDS = 11;

    private final Path base;
    private final Path launcher;
    private final PrintStream out;

    StartupBench(Path base, Path launcher, PrintStream out) {
        this.base = base;
        this.launcher = launcher;
        this.out = out;
    }

    void run() throws Exception {
        Path dir = base.resolve("startup");
        EngineBench.deleteTree(dir);
        Path log = dir.resolve("log");
        try (Log l = Log.open(LogConfig.defaults(log))) {
            for (int i = 1; i <= 3; i++) {
                l.submit(Append.of(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), Ack.DURABLE)).durable.get();
            }
        }
        Path classes = dir.resolve("hello");
        Path hello = classes.resolve("afterme/bench/Hello.class");
        Files.createDirectories(hello.getParent());
        Files.write(hello, classBytes("Hello"));
        // Jars, not a directory: a class-data archive takes only jars on its class path. One holds the
        // command with Picocli's own classes (taken from this benchmark's jar), the other the command alone,
        // for the class path of the runnable jar.
        Path alone = dir.resolve("picocli-alone.jar");
        Path beside = dir.resolve("picocli-hello.jar");
        try (JarOutputStream a = new JarOutputStream(Files.newOutputStream(alone));
                JarOutputStream b = new JarOutputStream(Files.newOutputStream(beside));
                ZipFile own = new ZipFile(new File(StartupBench.class.getProtectionDomain().getCodeSource().getLocation()
                        .toURI()))) {
            for (JarOutputStream jar : List.of(a, b)) {
                jar.putNextEntry(new JarEntry("afterme/bench/PicocliHello.class"));
                jar.write(classBytes("PicocliHello"));
            }
            for (ZipEntry e : Collections.list(own.entries())) {
                if (e.getName().startsWith("picocli/") && !e.isDirectory()) {
                    a.putNextEntry(new JarEntry(e.getName()));
                    try (InputStream in = own.getInputStream(e)) {
                        in.transferTo(a);
                    }
                }
            }
        }
        String runnableJar = beside + File.pathSeparator + launcher.toAbsolutePath().getParent().resolveSibling(
                "afterme-cli/target/afterme.jar");
        List<String> version = List.of(launcher.toString(), "--version");
        List<String> tail = List.of(launcher.toString(), "tail", "-n", "1", log.toString());
        // Once untimed, and before the floor's archive is made of the jar: the launcher builds the jar and
        // its class-data archive on a first run.
        time(version);
        time(tail);
        List<List<String>> commands = List.of(
                List.of("java", "-XX:+UseSerialGC", "-Xmn16m", "-cp", classes.toString(), "afterme.bench.Hello"),
                picocliFloor(dir.resolve("alone"), alone.toString(), log),
                picocliFloor(dir.resolve("beside"), runnableJar, log), version, tail);
        double[][] seconds = new double[commands.size()][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int c = 0; c < commands.size(); c++) {
                seconds[c][r] = time(commands.get(c));
            }
        }
        double hello0 = HttpBench.median(seconds[0]);
        out.printf("%s; median of %d rounds, each command in turn%n", javaVersion(), ROUNDS);
        out.printf("  %-26s %6.3f s (%.3f-%.3f)%n", "hello world", hello0, min(seconds[0]), max(seconds[0]));
        String[] names = {null, "picocli hello, own jar", "picocli hello, afterme.jar", "afterme --version",
            "afterme tail -n 1"};
        for (int c = 1; c < commands.size(); c++) {
            double median = HttpBench.median(seconds[c]);
            out.printf("  %-26s %6.3f s (%.3f-%.3f)  %.2fx hello world%n", names[c], median, min(seconds[c]),
                    max(seconds[c]), median / hello0);
        }
        EngineBench.deleteTree(dir);
    }

    /**
     * The Picocli floor's command line, with its archive made first: on JDK 25 an ahead-of-time cache from
     * a training run, before that a class-data archive from the classes a run loads.
     */
    private static List<String> picocliFloor(Path prefix, String classPath, Path log) throws Exception {
        List<String> run = List.of("-XX:+UseSerialGC", "-Xmn16m", "-cp", classPath, "afterme.bench.PicocliHello", "-n",
                "1", log.toString());
        List<String> command = new ArrayList<>(List.of("java"));
        if (Runtime.version().feature() >= 25) {
            Path cache = Path.of(prefix + ".aot");
            time(concat(List.of("java", "-XX:AOTCacheOutput=" + cache), run));
            // AOTMode=on and -Xshare:on: the floor fails rather than run without its archive.
            command.addAll(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache));
        } else {
            Path list = Path.of(prefix + ".classes");
            Path archive = Path.of(prefix + ".jsa");
            time(concat(List.of("java", "-XX:DumpLoadedClassList=" + list), run));
            time(List.of("java", "-Xshare:dump", "-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + archive,
                    "-cp", classPath));
            command.addAll(List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive));
        }
        return concat(command, run);
    }

    private static byte[] classBytes(String name) throws IOException {
        try (InputStream in = StartupBench.class.getResourceAsStream(name + ".class")) {
            return in.readAllBytes();
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static double time(List<String> command) throws Exception {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        int exit = p.waitFor();
        if (exit != 0) {
            throw new IOException(String.join(" ", command) + " exited " + exit);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static String javaVersion() throws Exception {
        Process p = new ProcessBuilder("java", "-version").redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst()
                .orElse("java");
        p.waitFor();
        return first;
    }


    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
