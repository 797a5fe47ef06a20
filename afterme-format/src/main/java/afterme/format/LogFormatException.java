package afterme.format;

import java.io.IOException;

/** The bytes on disk break a rule of FORMAT.md. Carries the {@link Problem} with segment, offset and seq. */
public class LogFormatException extends IOException {
    private final Problem problem;

    public LogFormatException(Problem problem) {
        super(problem.describe());
        this.problem = problem;
    }

    public LogFormatException(Problem problem, String advice) {
        super(problem.describe() + "; " + advice);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
