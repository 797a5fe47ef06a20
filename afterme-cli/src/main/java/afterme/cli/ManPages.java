package afterme.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    /** What each page says beyond the options: its DESCRIPTION, then its EXAMPLES. */
    private record Text(String description, String examples) {
    }

    private static final Map<String, Text> TEXTS = Map.of(
            "afterme", new Text("""
                    afterme is an append-only log server: a write-ahead log reached over HTTP, for command logs and \
                    event logs. Clients POST records; each gets the next sequence number and is appended, \
                    checksummed and hash-chained, to segment files in a data directory. The files are the \
                    database: every other command reads them directly, with or without a running daemon.""",
                    """
                    afterme serve -d /var/lib/afterme
                    afterme tail -f | jq .
                    afterme verify --json | jq '.problems[]'
                    echo '{"type":"OrderPlaced","id":7}' | afterme append --ack durable"""),
            "afterme-serve", new Text("""
                    Opens (or creates) the log in DIR and serves it over HTTP: POST /v1/records and \
                    /v1/records/batch append (?ack=memory|durable; Idempotency-Key; Afterme-Expected-Last-Seq; \
                    Content-Digest), GET /v1/records/SEQ and /v1/records?from=N&limit=M read, GET /v1/log describes \
                    the log, GET /v1/subscribe follows it (WebSocket, or Server-Sent Events with Accept: \
                    text/event-stream), GET /healthz, /metrics and /v1/forwarders report, and GET / lists the \
                    endpoints. A torn tail found at start-up is cut, its bytes saved under DIR/recovered/; any other \
                    damage refuses to start. SIGTERM or SIGINT stops accepting, finishes what was accepted, fsyncs \
                    and exits 0.""",
                    """
                    afterme serve -d /var/lib/afterme --listen 127.0.0.1:7070 --ack durable
                    afterme serve --access-log --log-level debug
                    curl -s -XPOST --data-binary @event.json 'localhost:7070/v1/records?ack=durable'
                    curl -sN -H 'Accept: text/event-stream' 'localhost:7070/v1/subscribe?from=1'"""),
            "afterme-tail", new Text("""
                    Prints the log's records in seq order across every segment, straight from the files; with -f it \
                    keeps printing records as they are appended, across rotations, until interrupted.""",
                    """
                    afterme tail -f | jq .
                    afterme tail -n 20 -o short
                    afterme tail --since yesterday --until '1h ago' -g OrderPlaced
                    afterme tail -o payload --from 100 --to 200 > payloads.ndjson"""),
            "afterme-dump", new Text("""
                    Prints every record with the segment and offset it lies at, one JSON object a line, or with \
                    --segments one object per segment. It reads a damaged file up to the damage, reports it on \
                    stderr and exits 1; --salvage goes on with every record that can still be proven.""",
                    """
                    afterme dump | jq 'select(.seq > 100)'
                    afterme dump --segments afterme-data/00000000000000000001.seg
                    afterme dump --salvage > salvaged.ndjson"""),
            "afterme-verify", new Text("""
                    Checks every segment header and trailer, every record's CRC32C and SHA-256, the chain and the \
                    seqs across segments, and prints each problem and a summary; safe while the daemon runs. Its \
                    last line says what to run next when it finds something.""",
                    """
                    afterme verify || afterme recover --dry-run
                    afterme verify --json | jq '.problems[] | {kind, segment, offset, seq}'"""),
            "afterme-recover", new Text("""
                    Cuts what a crash can leave (a torn tail, a batch whose last record was never written, a \
                    half-created last segment, bytes after a trailer), first copying every byte it removes to the \
                    backup directory. Damage in the middle of the log is cut only with --truncate-at-seq N, which \
                    removes record N and every later one (from the first record of N's batch, when N is inside one).""",
                    """
                    afterme recover --dry-run
                    afterme recover --yes
                    afterme recover --dry-run --truncate-at-seq 4711"""),
            "afterme-forward", new Text("""
                    Forwards every durable record, in seq order, to a broker (RabbitMQ, NATS JetStream, Kafka), keeping \
                    a checkpoint in DIR/forward/NAME.checkpoint; --status prints the checkpoints.""",
                    """
                    afterme forward --to 'nats://127.0.0.1:4222?subject=orders' --name orders
                    afterme forward --status | jq ."""),
            "afterme-append", new Text("""
                    Appends FILE (or stdin) through a running daemon and prints its reply as JSON: how a shell script \
                    writes a command or an event.""",
                    """
                    echo '{"type":"OrderPlaced","id":7}' | afterme append --ack durable --content-type application/json
                    afterme append --key order-7 --expect-last-seq 41 event.json || echo "exit $?"
                    jq -c '.[]' events.json | afterme append --batch"""),
            "afterme-info", new Text("""
                    Describes a log from its files, as GET /v1/log does: its id, first and last seq, segments, \
                    bytes, format versions, chain head, the time of its first and last record, and whether a daemon \
                    holds it. Without a daemon, it also tells of a torn tail or a half-created segment a crash left, \
                    and of the command that cuts it (torn_tail_bytes in --json, null while a daemon holds the log).""",
                    """
                    afterme info
                    afterme info -d /var/lib/afterme --json | jq .last_seq"""));

    private static final List<String> PAGES = List.of("afterme", "afterme-serve", "afterme-tail", "afterme-dump",
            "afterme-verify", "afterme-recover", "afterme-forward", "afterme-append", "afterme-info");

    static String page(CommandSpec spec, String version) {
        String name = spec.qualifiedName("-");
        Text text = TEXTS.getOrDefault(name, new Text(String.join(" ", spec.usageMessage().description()), null));
        StringBuilder b = new StringBuilder();
        b.append(".TH ").append(roff(name.toUpperCase(Locale.ROOT))).append(" 1 \"\" \"")
                .append(roff(version)).append("\" \"afterme manual\"\n");
        // Ragged right and no hyphenation: URIs and option names do not break, and must not be stretched.
        b.append(".ad l\n.nh\n");
        b.append(".SH NAME\n").append(roff(name)).append(" \\- ")
                .append(roff(plain(String.join(" ", spec.usageMessage().description())))).append('\n');
        b.append(".SH SYNOPSIS\n.nf\n").append(roff(new CommandLine.Help(spec).synopsis(0).strip())).append("\n.fi\n");
        b.append(".SH DESCRIPTION\n").append(roff(text.description().strip())).append('\n');
        if (!spec.positionalParameters().isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : spec.positionalParameters()) {
                b.append(".TP\n\\fI").append(roff(p.paramLabel())).append("\\fR\n")
                        .append(roff(plain(String.join(" ", p.renderedDescription())))).append('\n');
            }
        }
        b.append(".SH OPTIONS\n");
        for (OptionSpec o : spec.options()) {
            b.append(".TP\n\\fB").append(roff(String.join(", ", o.names()))).append("\\fR");
            if (o.arity().max() > 0) {
                b.append(" \\fI").append(roff(o.paramLabel())).append("\\fR");
            }
            b.append('\n').append(roff(plain(String.join(" ", o.renderedDescription())))).append('\n');
        }
        if (!spec.subcommands().isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (Map.Entry<String, CommandLine> sub : spec.subcommands().entrySet()) {
                b.append(".TP\n\\fB").append(roff(sub.getKey())).append("\\fR\n").append(roff(plain(String.join(" ",
                        sub.getValue().getCommandSpec().usageMessage().description())))).append('\n');
            }
        }
        if (text.examples() != null) {
            b.append(".SH EXAMPLES\n.nf\n").append(roff(text.examples().strip())).append("\n.fi\n");
        }
        b.append(".SH EXIT STATUS\n.TP\n0\nok\n.TP\n1\na data problem was found (corruption, a torn tail)")
                .append(name.equals("afterme-append") ? ", or the daemon refused the append" : "").append('\n')
                .append(".TP\n2\nusage error\n.TP\n3\ncannot run (directory missing or holding no afterme log, lock")
                .append(" held, I/O error").append(name.equals("afterme-append") ? ", the daemon cannot be reached" : "")
                .append(")\n");
        if (name.equals("afterme-append")) {
            b.append(".TP\n4\nconflict: the log's last seq was not the one --expect-last-seq gave\n");
        }
        b.append(".SH ENVIRONMENT\n.TP\n\\fBAFTERME_DATA\\fR\nThe data directory when none is given.\n")
                .append(".TP\n\\fBAFTERME_TOKEN_FILE\\fR\nThe bearer token of \\fBafterme append\\fR when")
                .append(" \\-\\-token\\-file is not given.\n")
                .append(".TP\n\\fBNO_COLOR\\fR\nWhen set, no colour, even on a terminal.\n")
                .append(".TP\n\\fBAFTERME_JAVA_OPTS\\fR\nJVM options of bin/afterme, replacing its own.\n");
        b.append(".SH FILES\n.TP\n\\fIDIR/*.seg\\fR\nSegments, the log itself (FORMAT.md).\n")
                .append(".TP\n\\fIDIR/LOCK\\fR\nHeld by the daemon and by recover.\n")
                .append(".TP\n\\fIDIR/recovered/\\fR\nEvery byte start\\-up or recover ever cut.\n")
                .append(".TP\n\\fIDIR/forward/\\fR\nForwarders' checkpoints, locks and dead letters.\n");
        b.append(".SH SEE ALSO\n");
        List<String> others = PAGES.stream().filter(p -> !p.equals(name)).toList();
        for (int i = 0; i < others.size(); i++) {
            b.append(".BR ").append(roff(others.get(i))).append(" (1)").append(i < others.size() - 1 ? "," : "")
                    .append('\n');
        }
        return b.toString();
    }

    /** Picocli's format specifiers as plain text: {@code %n} a line break, {@code %%} a percent sign. */
    private static String plain(String s) {
        return s.replace("%n", "\n").replace("%%", "%");
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
