package afterme.bench;

/** What start-up is measured against: a JVM that prints hello world and exits (StartupBench). */
final class Hello {
    private Hello() {
    }

    public static void main(String[] args) {
        System.out.println("hello world");
    }
}
