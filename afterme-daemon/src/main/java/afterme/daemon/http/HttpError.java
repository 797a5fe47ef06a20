package afterme.daemon.http;

/** A request that cannot be served: the status, its error code (docs/HTTP.md) and a human message. */
final class HttpError extends RuntimeException {
    final int status;
    final String code;

    HttpError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}
