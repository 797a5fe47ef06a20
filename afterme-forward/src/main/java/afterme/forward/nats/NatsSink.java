package afterme.forward.nats;

import afterme.forward.Message;
import afterme.forward.RejectedException;
import afterme.forward.Sink;
import afterme.forward.SinkTarget;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Publishes to a JetStream stream. Each message carries {@code Nats-Msg-Id: <log_id>:<seq>}, so that the
 * stream drops a copy sent again within its duplicate window; each PubAck is checked for its stream (and,
 * when the URI names one, that it is that stream) and its duplicate flag.
 */
final class NatsSink implements Sink {
    private static final String MSG_ID = "Nats-Msg-Id";

    private final Connection connection;
    private final JetStream jetStream;
    private final String subject;
    private final String stream;
    private final PublishOptions options;

    private NatsSink(Connection connection, JetStream jetStream, SinkTarget target) {
        this.connection = connection;
        this.jetStream = jetStream;
        this.subject = target.required("subject");
        this.stream = target.param("stream");
        this.options = stream == null ? null : PublishOptions.builder().expectedStream(stream).build();
    }

    static NatsSink connect(SinkTarget target) throws IOException {
        Options.Builder o = new Options.Builder()
                .server("nats://" + target.host() + ":" + target.port(Options.DEFAULT_PORT))
                .connectionName("afterme-forward")
                .connectionTimeout(Duration.ofSeconds(10))
                // The forwarder reconnects and resends from its checkpoint itself.
                .noReconnect()
                .errorListener(new ErrorListener() {
                });
        if (target.credential("token") != null) {
            o.token(target.credential("token").toCharArray());
        } else if (target.credential("username") != null) {
            o.userInfo(target.credential("username"), target.credential("password"));
        }
        Connection c;
        try {
            c = Nats.connect(o.build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + target, e);
        }
        try {
            JetStream js = c.jetStream(JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(10)).build());
            return new NatsSink(c, js, target);
        } catch (IOException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    @Override
    public CompletableFuture<Boolean> publish(Message m) {
        Headers h = new Headers();
        h.put(MSG_ID, m.id());
        m.headers().forEach((k, v) -> h.put(k.equals(Message.CONTENT_TYPE) ? "Content-Type" : k, v));
        long max = connection.getServerInfo().getMaxPayload();
        long size = m.payload().length + headerBytesAtMost(h);
        if (max > 0 && size > max) {
            size = (long) h.serializedLength() + m.payload().length;
        }
        if (max > 0 && size > max) {
            return CompletableFuture.failedFuture(new RejectedException("the message is " + size + " bytes with its"
                    + " headers, over the NATS server's max_payload of " + max + " bytes"));
        }
        NatsMessage message = NatsMessage.builder().subject(subject).headers(h).data(m.payload()).build();
        return jetStream.publishAsync(message, options).handle((ack, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof JetStreamApiException api) {
                    // The stream answered and refused this message (too large for it, wrong stream): sending it
                    // again would be refused again.
                    throw new CompletionException(new RejectedException("JetStream: " + api.getMessage(), api));
                }
                if (String.valueOf(cause.getMessage()).contains("No Responders")) {
                    throw new CompletionException(new IOException("no JetStream stream takes subject '" + subject
                            + "' (NATS answered 503, no responders): add a stream for it, e.g. "
                            + streamAddCommand(), cause));
                }
                throw new CompletionException(cause);
            }
            return checked(ack);
        });
    }

    /**
     * The nats CLI's command that adds a stream for the subject, as it runs when pasted: with a name (the
     * URI's {@code stream}, else one made from the subject, as a stream's name may hold no dot) and
     * {@code --defaults}, without which the CLI asks for every setting and, off a terminal, fails.
     */
    private String streamAddCommand() {
        String name = stream != null ? stream : subject.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_-]", "_");
        return "nats stream add " + shellWord(name) + " --subjects " + shellWord(subject) + " --defaults";
    }

    private static String shellWord(String word) {
        return word.matches("[A-Za-z0-9._-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /**
     * An upper bound of the headers' serialized size, without serializing them (which, for every message,
     * took a good part of the forwarder's time): each character is at most three bytes of UTF-8.
     */
    private static long headerBytesAtMost(Headers h) {
        long bytes = "NATS/1.0\r\n\r\n".length();
        for (String key : h.keySet()) {
            for (String value : h.get(key)) {
                bytes += key.length() + ": \r\n".length() + 3L * value.length();
            }
        }
        return bytes;
    }

    private boolean checked(PublishAck ack) {
        if (ack.getStream() == null || ack.getStream().isEmpty()) {
            throw new CompletionException(new IOException("JetStream acknowledged on " + subject
                    + " without naming a stream"));
        }
        if (stream != null && !stream.equals(ack.getStream())) {
            throw new CompletionException(new IOException("JetStream stored a message on " + subject + " in stream "
                    + ack.getStream() + ", not " + stream));
        }
        return ack.isDuplicate();
    }

    @Override
    public void close() {
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
