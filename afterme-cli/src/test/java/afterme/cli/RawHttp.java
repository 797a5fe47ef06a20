package afterme.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One POST over a socket of its own, for a reply that may come while the body is still being sent: the
 * body is written on another thread, and a server that stops reading it does not keep the reply from
 * being read.
 */
final class RawHttp {
    private RawHttp() {
    }

    /** The whole reply, status line first, as the server sent it before closing or within 60 s. */
    static String post(URI base, String path, String contentType, byte[] body, boolean chunked) throws Exception {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(60_000);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + base.getAuthority() + "\r\nContent-Type: "
                    + contentType + "\r\nConnection: close\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n") + "\r\n";
            OutputStream out = socket.getOutputStream();
            Thread sender = new Thread(() -> {
                try {
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    if (chunked) {
                        for (int at = 0; at < body.length; at += 1 << 16) {
                            int n = Math.min(1 << 16, body.length - at);
                            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.write(body, at, n);
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } else {
                        out.write(body);
                    }
                    out.flush();
                } catch (IOException e) {
                    // The server replied and closed before the whole body was sent.
                }
            });
            sender.start();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                reply.write(buf, 0, n);
            }
            sender.join(60_000);
            return reply.toString(StandardCharsets.UTF_8);
        }
    }
}
