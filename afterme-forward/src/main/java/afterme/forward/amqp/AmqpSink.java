package afterme.forward.amqp;

import afterme.forward.Message;
import afterme.forward.RejectedException;
import afterme.forward.Sink;
import afterme.forward.SinkTarget;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Publishes to RabbitMQ with publisher confirms: persistent messages, the mandatory flag, and a return
 * listener, so that a message no queue takes is an error and not a silent loss (RabbitMQ sends the return
 * before the confirm of the same message). Published from the forwarder's thread only; confirms, returns
 * and the channel's end arrive on the client's thread.
 */
final class AmqpSink implements Sink {
    /** What RabbitMQ says when a message is over {@code max_message_size}; it then closes the channel. */
    private static final Pattern TOO_LARGE = Pattern.compile("message size (\\d+) is larger than configured max size");

    private final Connection connection;
    private final Channel channel;
    private final String exchange;
    private final String routingKey;
    /** By delivery tag: the messages published and not yet confirmed. */
    private final ConcurrentNavigableMap<Long, Outstanding> outstanding = new ConcurrentSkipListMap<>();
    /** By message id: why RabbitMQ returned a message, until its confirm arrives. */
    private final Map<String, String> returned = new ConcurrentHashMap<>();

    private record Outstanding(String id, int size, CompletableFuture<Boolean> future) {
    }

    private AmqpSink(Connection connection, Channel channel, SinkTarget target) {
        this.connection = connection;
        this.channel = channel;
        this.exchange = target.param("exchange") == null ? "" : target.param("exchange");
        this.routingKey = target.param("routing_key") == null ? "" : target.param("routing_key");
    }

    static AmqpSink connect(SinkTarget target) throws IOException {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(target.host());
        f.setPort(target.port(ConnectionFactory.DEFAULT_AMQP_PORT));
        f.setVirtualHost(target.path().isEmpty() ? "/" : target.path());
        if (target.credential("username") != null) {
            f.setUsername(target.credential("username"));
        }
        if (target.credential("password") != null) {
            f.setPassword(target.credential("password"));
        }
        // The forwarder reconnects and resends from its checkpoint itself; the client's own recovery would
        // republish nothing and hide the failure from it.
        f.setAutomaticRecoveryEnabled(false);
        f.setTopologyRecoveryEnabled(false);
        f.setConnectionTimeout(10_000);
        f.setHandshakeTimeout(10_000);
        f.setRequestedHeartbeat(10);
        Connection c;
        try {
            c = f.newConnection("afterme-forward");
        } catch (TimeoutException e) {
            throw new IOException("connecting to " + target + " timed out", e);
        }
        try {
            Channel ch = c.createChannel();
            ch.confirmSelect();
            AmqpSink sink = new AmqpSink(c, ch, target);
            ch.addReturnListener(r -> sink.returned.put(String.valueOf(r.getProperties().getMessageId()),
                    "no queue took it (exchange '" + r.getExchange() + "', routing key '" + r.getRoutingKey() + "': "
                            + r.getReplyCode() + " " + r.getReplyText() + "): " + routeFor(r.getExchange(),
                            r.getRoutingKey())));
            ch.addConfirmListener((tag, multiple) -> sink.settle(tag, multiple, true),
                    (tag, multiple) -> sink.settle(tag, multiple, false));
            ch.addShutdownListener(sink::ended);
            return sink;
        } catch (IOException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** What gives a returned message a queue: the default exchange routes by queue name, and takes no binding. */
    private static String routeFor(String exchange, String routingKey) {
        if (exchange.isEmpty()) {
            return "declare a queue named '" + routingKey + "' (the default exchange delivers to the queue its"
                    + " routing key names), or name an exchange with exchange= in the URI";
        }
        return "bind a queue to exchange '" + exchange + "' with routing key '" + routingKey + "'";
    }

    @Override
    public CompletableFuture<Boolean> publish(Message m) {
        CompletableFuture<Boolean> future = new CompletableFuture<>();
        Map<String, Object> headers = new HashMap<>();
        m.headers().forEach((k, v) -> {
            if (!k.equals(Message.CONTENT_TYPE)) {
                headers.put(k, v);
            }
        });
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .deliveryMode(2)
                .messageId(m.id())
                .contentType(m.contentType())
                .timestamp(new Date(m.epochMillis()))
                .appId("afterme")
                .headers(headers)
                .build();
        long tag = channel.getNextPublishSeqNo();
        outstanding.put(tag, new Outstanding(m.id(), m.payload().length, future));
        try {
            channel.basicPublish(exchange, routingKey, true, props, m.payload());
        } catch (IOException | AlreadyClosedException e) {
            outstanding.remove(tag);
            future.completeExceptionally(e);
        }
        return future;
    }

    private void settle(long tag, boolean multiple, boolean ack) {
        Map<Long, Outstanding> done = multiple ? outstanding.headMap(tag, true) : subMap(tag);
        for (Map.Entry<Long, Outstanding> e : done.entrySet()) {
            Outstanding o = e.getValue();
            String why = returned.remove(o.id());
            if (why != null) {
                o.future().completeExceptionally(new RejectedException(why));
            } else if (ack) {
                o.future().complete(false);
            } else {
                o.future().completeExceptionally(new IOException("RabbitMQ could not take message " + o.id()
                        + " (nack)"));
            }
        }
        done.clear();
    }

    private Map<Long, Outstanding> subMap(long tag) {
        return outstanding.subMap(tag, true, tag, true);
    }

    /**
     * The channel ended: everything outstanding fails. When RabbitMQ closed it for a message over its size
     * limit, that message, found by its size, is refused for good; the others are sent again.
     */
    private void ended(ShutdownSignalException cause) {
        AMQP.Channel.Close close = cause.getReason() instanceof AMQP.Channel.Close c ? c : null;
        String text = close == null ? null : close.getReplyText();
        Matcher tooLarge = text == null ? null : TOO_LARGE.matcher(text);
        long blamedSize = tooLarge != null && tooLarge.find() ? Long.parseLong(tooLarge.group(1)) : -1;
        for (Outstanding o : outstanding.values()) {
            if (o.size() == blamedSize) {
                blamedSize = -1;
                o.future().completeExceptionally(new RejectedException("RabbitMQ: " + text));
            } else {
                o.future().completeExceptionally(new IOException("RabbitMQ closed the channel: "
                        + (close == null ? cause.getMessage() : close.getReplyCode() + " " + text + advice(text))));
            }
        }
        outstanding.clear();
    }

    /** What to do about a channel RabbitMQ closed, where it is ours to say: the client's text names no remedy. */
    private String advice(String replyText) {
        return replyText.startsWith("NOT_FOUND - no exchange")
                ? ": declare exchange '" + exchange + "' in RabbitMQ, or name one that exists with exchange= in the URI"
                : "";
    }

    @Override
    public void close() {
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.abort(1_000);
        } catch (RuntimeException e) {
            // Already gone: nothing left to close.
        }
    }
}
