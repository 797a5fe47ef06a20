package afterme.bench;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The least a tool of this jar can do (StartupBench): a Picocli command with one option and one
 * positional, parsed and run, that prints hello world, started the way afterme's tools start.
 */
@Command(name = "hello")
final class PicocliHello implements Callable<Integer> {
    @Option(names = {"-n", "--lines"})
    Long lines;

    @Parameters(index = "0", arity = "0..1")
    Path dir;

    @Override
    public Integer call() {
        System.out.println("hello world");
        return 0;
    }

    public static void main(String[] args) {
        System.setProperty("picocli.disable.closures", "true"); // as afterme's main does
        System.exit(new CommandLine(new PicocliHello()).execute(args));
    }
}
