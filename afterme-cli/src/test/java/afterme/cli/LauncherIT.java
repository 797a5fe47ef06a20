package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/afterme}, the launcher the README tells users to run, on a copy of the checkout that holds
 * only the launcher and the built jar (so it rebuilds only where a test makes a source newer): the
 * class-data archive it makes for faster start-up must be used when it fits, and must never show, whatever
 * state it is in; commands started together on a stale jar build it once.
 */
class LauncherIT {
    @TempDir
    Path root;

    @Test
    void makesTheArchiveOnceUsesItAndIgnoresABrokenOne() throws IOException {
        Path launcher = checkout();
        Path target = root.resolve("afterme-cli/target");
        Path jar = target.resolve("afterme.jar");
        String version = Proc.run("--version").out();

        Proc.Result first = launch(launcher, "");
        assertEquals(0, first.exit(), first.toString());
        assertEquals(version, first.out());
        assertTrue(first.stderr().contains("class-data archive"), first.stderr());
        Path archive = archive(target);
        assertTrue(Files.size(archive) > 0, "this JVM could not make an archive");

        // These make the JVM fail rather than start without the archive (or from JDK 25 the cache) it is given.
        String strict = archive.getFileName().toString().endsWith(".aot") ? "-XX:AOTMode=on" : "-Xshare:on";
        Proc.Result shared = launch(launcher, strict);
        assertEquals(0, shared.exit(), shared.toString());
        assertEquals(version, shared.out());
        assertEquals("", ownStderr(shared));

        archive.toFile().setWritable(true);
        Files.writeString(archive, "not an archive");
        Proc.Result broken = launch(launcher, "");
        assertEquals(0, broken.exit(), broken.toString());
        assertEquals(version, broken.out());
        assertEquals("", ownStderr(broken));
        assertNotEquals(0, launch(launcher, strict).exit(), "a broken archive was not noticed");

        Files.setLastModifiedTime(archive, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 2000));
        Proc.Result rebuilt = launch(launcher, "");
        assertTrue(rebuilt.stderr().contains("class-data archive"), "a newer jar gets a new archive");
        Proc.Result after = launch(launcher, strict);
        assertEquals(0, after.exit(), after.toString());
        assertEquals("", ownStderr(after), "made once");
        assertEquals(archive, archive(target));

        // As README says: sharing turned off, on every JDK (from 25 the JVM refuses -Xshare beside a cache).
        Proc.Result off = launch(launcher, "-Xshare:off");
        assertEquals(0, off.exit(), off.toString());
        assertEquals(version, off.out());
    }

    @Test
    void rebuildsWhenASourceDeepInAModuleIsNewerButNotForTargetOrOtherFiles() throws IOException {
        Path launcher = checkout();
        Path jar = root.resolve("afterme-cli/target/afterme.jar");
        FileTime newer = FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000);
        for (String ignored : List.of("afterme-x/target/classes/a/b/c/d/e/f/Old.java", "afterme-x/src/main/java/a/notes.txt",
                "afterme-x/Loose.java")) {
            Path file = root.resolve(ignored);
            Files.createDirectories(file.getParent());
            Files.setLastModifiedTime(Files.writeString(file, "x"), newer);
        }
        Proc.Result quiet = launch(launcher, "");
        assertEquals(0, quiet.exit(), quiet.toString());
        assertFalse(quiet.stderr().contains("building"), quiet.stderr());

        Path deep = Files.createDirectories(root.resolve("afterme-x/src/main/java/a/b/c/d/e/f/g")).resolve("New.java");
        Files.setLastModifiedTime(Files.writeString(deep, "class New {}"), newer);
        // The copy has no pom, so the build the launcher starts fails: its message is what is looked for.
        Proc.Result stale = launch(launcher, "");
        assertTrue(stale.stderr().contains("building"), stale.stderr());
        assertEquals(1, stale.exit(), stale.toString());
        assertTrue(stale.stderr().contains("[ERROR]"), "Maven's own words: " + stale.stderr());
        assertFalse(stale.stderr().contains("\u001b"), "without colour codes: " + stale.stderr());
    }

    @Test
    void commandsStartedTogetherOnAStaleJarBuildItOnce() throws Exception {
        Path launcher = checkout();
        Path jar = root.resolve("afterme-cli/target/afterme.jar");
        long now = System.currentTimeMillis();
        Files.setLastModifiedTime(jar, FileTime.fromMillis(now - 20_000));
        Path source = Files.createDirectories(root.resolve("afterme-x/src/main/java")).resolve("New.java");
        Files.setLastModifiedTime(Files.writeString(source, "class New {}"), FileTime.fromMillis(now - 10_000));
        // Maven, as the launcher runs it in the checkout: a second build while one runs fails, as two real
        // ones in the same tree do, and a build leaves the jar fresh.
        Path fakeBin = Files.createDirectories(root.resolve("fake-bin"));
        Path mvn = Files.writeString(fakeBin.resolve("mvn"), """
                #!/bin/sh
                mkdir building 2>/dev/null || { echo "two builds at once" >&2; exit 1; }
                sleep 2
                touch afterme-cli/target/afterme.jar
                echo built >> builds
                rmdir building
                """);
        assertTrue(mvn.toFile().setExecutable(true));
        String path = fakeBin + ":" + Path.of(Proc.javaBin()).getParent() + ":" + System.getenv("PATH");
        List<CompletableFuture<Proc.Result>> launches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            launches.add(CompletableFuture.supplyAsync(() -> Proc.runCommand(List.of(launcher.toString(), "--version"),
                    null, Map.of("PATH", path, "AFTERME_JAVA_OPTS", ""))));
        }
        String version = Proc.run("--version").out();
        for (CompletableFuture<Proc.Result> launch : launches) {
            Proc.Result r = launch.get();
            assertEquals(0, r.exit(), r.toString());
            assertEquals(version, r.out());
        }
        assertEquals(List.of("built"), Files.readAllLines(root.resolve("builds")));
    }

    @Test
    void passesItsArgumentsOnWholeAndMakesANewArchiveForAnotherJvmBehindTheSameName() throws IOException {
        Path launcher = checkout();
        Proc.Result spaced = launch(launcher, "", "tail", "a dir with spaces");
        assertEquals(3, spaced.exit(), spaced.toString());
        assertTrue(spaced.stderr().contains("a dir with spaces does not exist"), spaced.stderr());
        Path archive = archive(root.resolve("afterme-cli/target"));
        Path link = archive.resolveSibling(archive.getFileName().toString().replaceFirst("\\.(jsa|aot)$", ".java"));
        assertTrue(Files.isSymbolicLink(link), link.toString());
        // As when /usr/bin/java is switched to another JDK: the link no longer names the java on the PATH.
        Files.delete(link);
        Files.createSymbolicLink(link, launcher);
        Proc.Result switched = launch(launcher, "", "tail", "a dir with spaces");
        assertTrue(switched.stderr().contains("class-data archive"), "another JVM gets a new archive");
        assertEquals(archive, archive(root.resolve("afterme-cli/target")));
        Proc.Result again = launch(launcher, "", "tail", "a dir with spaces");
        assertFalse(again.stderr().contains("class-data archive"), "made once: " + again.stderr());
        // --version has one of its own, made from --version alone.
        assertTrue(launch(launcher, "").stderr().contains("class-data archive"));
        assertEquals("", ownStderr(launch(launcher, "")), "made once");
    }

    @Test
    void runsThroughASymbolicLinkFromElsewhere() throws IOException {
        Path launcher = checkout();
        Path installed = Files.createDirectories(root.resolve("usr/local/bin")).resolve("afterme");
        Files.createSymbolicLink(installed, root.resolve("usr/local/bin").relativize(launcher));
        Proc.Result r = launch(installed, "");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(Proc.run("--version").out(), r.out());
        assertFalse(r.stderr().contains("building"), r.stderr());
    }

    /** A copy of the checkout with only the launcher and the built jar. */
    private Path checkout() throws IOException {
        Path launcher = Files.createDirectories(root.resolve("bin")).resolve("afterme");
        Files.copy(Path.of("..", "bin", "afterme"), launcher);
        assertTrue(launcher.toFile().setExecutable(true));
        Files.copy(Proc.JAR, Files.createDirectories(root.resolve("afterme-cli/target")).resolve("afterme.jar"));
        return launcher;
    }

    private static Proc.Result launch(Path launcher, String javaOpts, String... args) {
        String path = Path.of(Proc.javaBin()).getParent() + ":" + System.getenv("PATH");
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        return Proc.runCommand(command, null, Map.of("PATH", path, "AFTERME_JAVA_OPTS", javaOpts));
    }

    private static Proc.Result launch(Path launcher, String javaOpts) {
        return launch(launcher, javaOpts, "--version");
    }

    /** stderr without the JVM's notices of options taken from the environment (JAVA_TOOL_OPTIONS, ...). */
    private static String ownStderr(Proc.Result r) {
        return r.stderr().lines().filter(line -> !line.contains("Picked up ")).collect(Collectors.joining("\n"));
    }

    private static Path archive(Path target) throws IOException {
        try (Stream<Path> files = Files.list(target)) {
            // A class-data archive, or from JDK 25 an ahead-of-time cache.
            List<Path> archives = files.filter(f -> f.getFileName().toString().endsWith(".jsa")
                    || f.getFileName().toString().endsWith(".aot")).toList();
            assertEquals(1, archives.size(), archives.toString());
            return archives.get(0);
        }
    }
}
