package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.forward.Brokers;
import afterme.daemon.forward.KafkaBroker;
import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarding as an operator runs it: {@code serve --forward} to RabbitMQ, NATS JetStream and Kafka at once,
 * killed with SIGKILL under load, and {@code afterme forward} on its own beside a running daemon.
 */
class ForwardIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path tmp;

    /** One message as a broker holds it: the afterme-seq header and the payload. */
    private record Held(long seq, String payload) {
    }

    /**
     * kill -9 of a daemon hosting one forwarder per broker, under mixed-ack load, 10 cycles
     * ({@code -Dafterme.forward.crash.cycles=N} for more): every acknowledged record reaches each broker, in
     * order, with no gap; the copies each broker holds are counted and printed, and are none for NATS (its
     * Msg-Id window) and Kafka (the read-back).
     */
    @Test
    void killNineOfADaemonForwardingToEveryBrokerSkipsNothingAndCopiesOnlyToRabbitMq() throws Exception {
        int cycles = Integer.getInteger("afterme.forward.crash.cycles", 10);
        Brokers.rabbitMq();
        String natsUrl = Brokers.nats();
        String id = UUID.randomUUID().toString().replace("-", "");
        String queue = "afterme-it-" + id;
        String subject = "afterme.it." + id;
        String stream = "AFTERME_IT_" + id;
        String topic = "afterme-it-" + id;
        ConnectionFactory rf = new ConnectionFactory();
        rf.setHost(Brokers.RABBITMQ_HOST);
        rf.setPort(Brokers.RABBITMQ_PORT);
        try (Connection rabbit = rf.newConnection("afterme-it"); io.nats.client.Connection nats = Nats.connect(natsUrl)) {
            Channel ch = rabbit.createChannel();
            ch.queueDeclare(queue, true, false, false, null);
            ch.queueBind(queue, "amq.direct", queue);
            nats.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(subject)
                    .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(10)).build());
            String[] forwards = {
                "--forward", "rabbit=amqp://127.0.0.1:5672/%2F?exchange=amq.direct&routing_key=" + queue,
                "--forward", "nats=" + natsUrl + "?subject=" + subject + "&stream=" + stream,
                "--forward", "kafka=kafka://" + KafkaBroker.get().bootstrap() + "?topic=" + topic,
            };
            try {
                Path dir = tmp.resolve("data");
                Map<Long, String> durable = new ConcurrentHashMap<>();
                Map<Long, String> memory = new ConcurrentHashMap<>();
                Random random = new Random(7);
                for (int cycle = 0; cycle < cycles; cycle++) {
                    try (ServeProcess serve = serve(dir, forwards)) {
                        AtomicBoolean stop = new AtomicBoolean();
                        ExecutorService clients = Executors.newFixedThreadPool(4);
                        for (int c = 0; c < 4; c++) {
                            int client = c;
                            long seed = random.nextLong();
                            clients.submit(() -> CrashLoopIT.appendUntilStopped(HTTP, serve, client, seed, stop, durable,
                                    memory));
                        }
                        Thread.sleep(300 + random.nextInt(1000));
                        serve.kill();
                        stop.set(true);
                        clients.shutdown();
                        assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS));
                    }
                }
                long last;
                try (ServeProcess serve = serve(dir, forwards)) {
                    last = get(serve, "/v1/log").get("last_seq").asLong();
                    JsonNode forwarders = awaitForwarded(serve, last);
                    assertEquals(3, forwarders.size());
                    for (JsonNode f : forwarders) {
                        assertEquals("running", f.get("state").asText(), f.toString());
                        assertEquals(0, f.get("lag_records").asLong(), f.toString());
                        assertTrue(f.get("last_error").isNull(), f.toString());
                    }
                    assertEquals(0, serve.terminate(), serve.stderr());
                }
                Map<String, List<Held>> held = new LinkedHashMap<>();
                held.put("RabbitMQ", rabbit(ch, queue));
                held.put("NATS", nats(nats, subject, last));
                held.put("Kafka", kafka(topic));
                Map<String, Long> copies = new LinkedHashMap<>();
                for (Map.Entry<String, List<Held>> e : held.entrySet()) {
                    copies.put(e.getKey(), check(e.getKey(), e.getValue(), last, durable, memory));
                }
                System.out.printf("forwarding crash loop: %d kill -9 cycles, %d records, %d acknowledged durable, %d"
                        + " memory; copies held: %s%n", cycles, last, durable.size(), memory.size(), copies);
                assertTrue(durable.size() > cycles * 5L, "the load reached the daemon");
                assertEquals(0, copies.get("NATS"));
                assertEquals(0, copies.get("Kafka"));
            } finally {
                ch.queueDelete(queue);
                nats.jetStreamManagement().deleteStream(stream);
            }
        }
    }

    private static ServeProcess serve(Path dir, String[] forwards) throws Exception {
        List<String> args = new ArrayList<>(List.of("--segment-size", "64KiB"));
        args.addAll(List.of(forwards));
        return new ServeProcess(dir, args.toArray(String[]::new));
    }

    private static JsonNode get(ServeProcess serve, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(serve.uri.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return CrashLoopIT.JSON.readTree(r.body());
    }

    private static JsonNode awaitForwarded(ServeProcess serve, long last) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            JsonNode forwarders = get(serve, "/v1/forwarders");
            boolean done = true;
            for (JsonNode f : forwarders) {
                done &= f.get("forwarded_seq").asLong() == last;
            }
            if (done) {
                return forwarders;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not forwarded to seq " + last + " within 120 s: " + forwarders + "\n"
                        + serve.stderr());
            }
            Thread.sleep(50);
        }
    }

    /**
     * Every seq from 1 to {@code last} arrived, in order: each message is at most one past the one before it
     * (a resend goes back, never forward over a gap), and each acknowledged payload is the one held.
     *
     * @return the copies: messages beyond one per seq
     */
    private static long check(String broker, List<Held> held, long last, Map<Long, String> durable,
                              Map<Long, String> memory) {
        assertFalse(held.isEmpty(), broker);
        assertEquals(1, held.get(0).seq(), broker + " starts at seq 1");
        Map<Long, String> first = new LinkedHashMap<>();
        for (int i = 0; i < held.size(); i++) {
            Held h = held.get(i);
            if (i > 0) {
                assertTrue(h.seq() <= held.get(i - 1).seq() + 1, broker + ": seq " + h.seq() + " after "
                        + held.get(i - 1).seq() + " skips");
            }
            first.putIfAbsent(h.seq(), h.payload());
        }
        assertEquals(last, first.size(), broker + " holds every seq");
        for (long seq = 1; seq <= last; seq++) {
            String acked = durable.getOrDefault(seq, memory.get(seq));
            if (acked != null) {
                assertEquals(acked, first.get(seq), broker + " seq " + seq);
            }
        }
        return held.size() - last;
    }

    private static List<Held> rabbit(Channel ch, String queue) throws Exception {
        List<Held> out = new ArrayList<>();
        for (GetResponse r = ch.basicGet(queue, true); r != null; r = ch.basicGet(queue, true)) {
            out.add(new Held(Long.parseLong(r.getProps().getHeaders().get("afterme-seq").toString()),
                    new String(r.getBody(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static List<Held> nats(io.nats.client.Connection nats, String subject, long last) throws Exception {
        List<Held> out = new ArrayList<>();
        JetStreamSubscription sub = nats.jetStream().subscribe(subject, PushSubscribeOptions.builder().ordered(true)
                .build());
        for (io.nats.client.Message m = sub.nextMessage(Duration.ofSeconds(5)); m != null;
             m = sub.nextMessage(Duration.ofSeconds(1))) {
            out.add(new Held(Long.parseLong(m.getHeaders().getFirst("afterme-seq")),
                    new String(m.getData(), StandardCharsets.UTF_8)));
        }
        sub.unsubscribe();
        return out;
    }

    private static List<Held> kafka(String topic) throws Exception {
        List<Held> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaBroker.get().readAll(topic)) {
            out.add(new Held(Long.parseLong(new String(r.headers().lastHeader("afterme-seq").value(),
                    StandardCharsets.UTF_8)), new String(r.value(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** {@code afterme forward} on its own beside a running daemon, interrupted, then {@code --status}. */
    @Test
    void forwardOnItsOwnFollowsARunningDaemonAndStatusReadsItsCheckpoint() throws Exception {
        String natsUrl = Brokers.nats();
        String id = UUID.randomUUID().toString().replace("-", "");
        String subject = "afterme.it." + id;
        String stream = "AFTERME_IT_" + id;
        Path dir = tmp.resolve("data");
        try (io.nats.client.Connection nats = Nats.connect(natsUrl);
             ServeProcess serve = new ServeProcess(dir)) {
            nats.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(subject).build());
            try {
                for (int i = 1; i <= 50; i++) {
                    append(serve, "{\"i\":" + i + "}", i % 2 == 0 ? "durable" : "memory");
                }
                String to = natsUrl + "?subject=" + subject + "&stream=" + stream;
                Process forward = new ProcessBuilder(Proc.command("forward", dir.toString(), "--to", to, "--name", "solo"))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(tmp.resolve("forward.err").toFile()).start();
                awaitCount(nats, stream, 50);
                Proc.Result twice = Proc.run("forward", dir.toString(), "--to", to, "--name", "solo");
                assertEquals(3, twice.exit(), twice.toString());
                assertTrue(twice.stderr().contains("forwarder solo already runs on"), twice.stderr());
                for (int i = 51; i <= 60; i++) {
                    append(serve, "{\"i\":" + i + "}", "memory");
                }
                awaitCount(nats, stream, 60);
                forward.destroy();
                assertTrue(forward.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, forward.exitValue(), Files.readString(tmp.resolve("forward.err")));

                Proc.Result status = Proc.run("forward", "--status", dir.toString());
                assertEquals(0, status.exit(), status.toString());
                JsonNode s = CrashLoopIT.JSON.readTree(status.lines().get(0));
                assertEquals("solo", s.get("name").asText());
                assertEquals(to, s.get("sink").asText());
                assertEquals(60, s.get("forwarded_seq").asLong());
                assertEquals(0, s.get("lag_records").asLong());
                Proc.Result one = Proc.run("forward", "--status", "--name", "solo", dir.toString());
                assertEquals(status.out(), one.out(), one.toString());
                Proc.Result none = Proc.run("forward", "--status", "--name", "other", dir.toString());
                assertEquals(3, none.exit(), none.toString());
                assertEquals("", none.out());
                assertTrue(none.stderr().contains("no forwarder named 'other' has a checkpoint in")
                        && none.stderr().contains("those that have: solo"), none.stderr());
            } finally {
                nats.jetStreamManagement().deleteStream(stream);
            }
            assertEquals(0, serve.terminate(), serve.stderr());
        }
        Proc.Result secret = Proc.run("forward", dir.toString(), "--to", "nats://user:hunter2@127.0.0.1:4222?subject=x");
        assertEquals(2, secret.exit(), secret.toString());
        assertFalse(secret.stderr().contains("hunter2"), secret.stderr());
        assertTrue(secret.stderr().contains("--credentials-file"), secret.stderr());
        Path nothing = Files.createDirectories(tmp.resolve("nothing"));
        Proc.Result nowhere = Proc.run("forward", nothing.toString(), "--to", "nats://127.0.0.1:4222?subject=x");
        assertEquals(3, nowhere.exit(), nowhere.toString());
        assertTrue(nowhere.stderr().contains("no afterme log in"), nowhere.stderr());
        Proc.Result late = Proc.run("forward", dir.toString(), "--to", "nats://127.0.0.1:4222?subject=x", "--name",
                "late", "--from", "99");
        assertEquals(2, late.exit(), "a --from past the end is the user's to mend: " + late);
        assertTrue(late.stderr().contains("give a seq up to 61")
                && late.stderr().contains("--from 99 lies past the end of the log"), late.stderr());
        assertFalse(Files.exists(dir.resolve("forward").resolve("late.checkpoint")), "nothing kept of it");
    }

    /**
     * A subject no stream takes: the forwarder says which command adds one and keeps trying; once the stream it
     * names is added, the records arrive.
     */
    @Test
    void aSubjectWithoutAStreamIsNamedWithTheCommandThatAddsOne() throws Exception {
        String natsUrl = Brokers.nats();
        String id = UUID.randomUUID().toString().replace("-", "");
        String subject = "afterme.it.nostream." + id;
        String stream = "AFTERME_IT_NOSTREAM_" + id.toUpperCase(Locale.ROOT);
        String command = "nats stream add " + stream + " --subjects " + subject + " --defaults";
        Path dir = tmp.resolve("data");
        Path err = tmp.resolve("forward.err");
        try (io.nats.client.Connection nats = Nats.connect(natsUrl); ServeProcess serve = new ServeProcess(dir)) {
            append(serve, "{\"i\":1}", "durable");
            Process forward = new ProcessBuilder(Proc.command("forward", dir.toString(), "--to",
                    natsUrl + "?subject=" + subject)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(err.toFile()).start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!Files.readString(err).contains(command)) {
                    assertTrue(System.nanoTime() < deadline, "no '" + command + "' in: " + Files.readString(err));
                    Thread.sleep(50);
                }
                nats.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(subject).build());
                try {
                    awaitCount(nats, stream, 1);
                } finally {
                    nats.jetStreamManagement().deleteStream(stream);
                }
            } finally {
                forward.destroy();
                assertTrue(forward.waitFor(30, TimeUnit.SECONDS));
            }
            assertEquals(0, serve.terminate(), serve.stderr());
        }
    }

    private static void append(ServeProcess serve, String payload, String ack) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(serve.uri.resolve("/v1/records?ack=" + ack))
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private static void awaitCount(io.nats.client.Connection nats, String stream, long count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (nats.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount() < count) {
            assertTrue(System.nanoTime() < deadline, "the stream did not reach " + count + " messages in 60 s");
            Thread.sleep(20);
        }
    }
}
