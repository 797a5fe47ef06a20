package afterme.cli;

/**
 * The version Maven built, filled in at build time. A constant rather than a resource: reading a resource
 * makes a start open the runnable jar, which the class-data archive otherwise spares {@code --version}.
 */
final class BuildVersion {
    static final String VERSION = "${project.version}";

    private BuildVersion() {}
}
