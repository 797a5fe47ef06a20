package afterme.command;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Picocli converters for {@link Units} and URLs; a bad value is a usage error (exit 2) naming the option. */
public final class Converters {
    private Converters() {
    }

    public static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Units.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Units.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * Every {@code long} option (a seq, a count): Picocli's own says "'x' is not a long", in Java's words
     * rather than the user's, and the same of a number past a long's range.
     */
    public static final class WholeNumberConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return wholeNumber(value, Long.MAX_VALUE);
        }
    }

    /** Every {@code int} option, as {@link WholeNumberConverter} with an int's bound. */
    public static final class WholeIntConverter implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) wholeNumber(value, Integer.MAX_VALUE);
        }
    }

    private static long wholeNumber(String value, long max) {
        try {
            return Units.parseWholeNumber(value, max);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /**
     * An {@code http://} or {@code https://} URL with a host: the daemon to append through, a webhook to
     * notify. Checked when the command line is read, because {@code localhost:8080/hook} parses as a URI
     * whose scheme is {@code localhost}, and the HTTP client refuses it only when it is first used.
     */
    public static final class HttpUrlConverter implements CommandLine.ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            URI uri;
            try {
                uri = new URI(value);
            } catch (URISyntaxException e) {
                throw notHttp(value);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
            throw notHttp(value);
        }

        private static CommandLine.TypeConversionException notHttp(String value) {
            return new CommandLine.TypeConversionException("'" + value + "' is not an http:// or https:// URL with a host");
        }
    }
}
