package afterme.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Generates, at build time, a troff man page per command ({@code afterme.1}, {@code afterme-tail.1}, ...)
 * and the bash completion script, from the same Picocli model that parses the command line, so that the
 * pages cannot drift from the flags. Run by Maven in the package phase: {@code ManPages <dir>}.
 */
public final class ManPages {
    private ManPages() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "target");
        CommandLine root = Afterme.commandLine();
        String version = root.getCommandSpec().version().length > 0 ? root.getCommandSpec().version()[0] : "afterme";
        Path man = out.resolve("man");
        Files.createDirectories(man);
        write(man.resolve("afterme.1"), page(root.getCommandSpec(), version));
        for (Map.Entry<String, CommandLine> sub : root.getSubcommands().entrySet()) {
            if (!sub.getKey().equals("help")) {
                write(man.resolve("afterme-" + sub.getKey() + ".1"), page(sub.getValue().getCommandSpec(), version));
            }
        }
        Path completion = out.resolve("completion");
        Files.createDirectories(completion);
        write(completion.resolve("afterme.bash"), AutoComplete.bash("afterme", root));
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static String page(CommandSpec spec, String version) {
        String name = spec.qualifiedName("-");
        StringBuilder b = new StringBuilder();
        b.append(".TH ").append(roff(name.toUpperCase(Locale.ROOT))).append(" 1 \"\" \"")
                .append(roff(version)).append("\" \"afterme manual\"\n");
        b.append(".SH NAME\n").append(roff(name)).append(" \\- ")
                .append(roff(String.join(" ", spec.usageMessage().description()))).append('\n');
        b.append(".SH SYNOPSIS\n.nf\n").append(roff(new CommandLine.Help(spec).synopsis(0).strip())).append("\n.fi\n");
        if (!spec.positionalParameters().isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : spec.positionalParameters()) {
                b.append(".TP\n\\fI").append(roff(p.paramLabel())).append("\\fR\n")
                        .append(roff(String.join(" ", p.description()))).append('\n');
            }
        }
        b.append(".SH OPTIONS\n");
        for (OptionSpec o : spec.options()) {
            b.append(".TP\n\\fB").append(roff(String.join(", ", o.names()))).append("\\fR");
            if (o.arity().max() > 0) {
                b.append(" \\fI").append(roff(o.paramLabel())).append("\\fR");
            }
            b.append('\n').append(roff(String.join(" ", o.description()))).append('\n');
        }
        if (!spec.subcommands().isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (Map.Entry<String, CommandLine> sub : spec.subcommands().entrySet()) {
                b.append(".TP\n\\fB").append(roff(sub.getKey())).append("\\fR\n").append(roff(String.join(" ",
                        sub.getValue().getCommandSpec().usageMessage().description()))).append('\n');
            }
        }
        b.append(".SH EXIT STATUS\n.TP\n0\nok\n.TP\n1\na data problem was found (corruption, a torn tail)\n")
                .append(".TP\n2\nusage error\n.TP\n3\ncannot run (directory missing, lock held, I/O error)\n");
        b.append(".SH SEE ALSO\nFORMAT.md and README.md in the afterme sources.\n");
        return b.toString();
    }

    /** Escapes text for troff: backslashes, leading dots and quotes, and hyphens that are minus signs. */
    private static String roff(String s) {
        String escaped = s.replace("\\", "\\e").replace("-", "\\-");
        StringBuilder out = new StringBuilder();
        for (String line : escaped.split("\n", -1)) {
            if (line.startsWith(".") || line.startsWith("'")) {
                out.append("\\&");
            }
            out.append(line).append('\n');
        }
        return out.substring(0, out.length() - 1);
    }
}
