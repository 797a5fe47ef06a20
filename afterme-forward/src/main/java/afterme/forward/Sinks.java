package afterme.forward;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The sink providers on the class path, found through {@link ServiceLoader}, by URI scheme. */
public final class Sinks {
    private Sinks() {
    }

    /**
     * The provider for a target's scheme, its parameters checked.
     *
     * @throws IllegalArgumentException when no provider takes the scheme, or the parameters are wrong
     */
    public static SinkProvider forTarget(SinkTarget target) {
        List<String> schemes = new ArrayList<>();
        for (SinkProvider p : ServiceLoader.load(SinkProvider.class, Sinks.class.getClassLoader())) {
            if (p.scheme().equalsIgnoreCase(target.scheme())) {
                p.validate(target);
                return p;
            }
            schemes.add(p.scheme());
        }
        throw new IllegalArgumentException("no sink takes '" + target.scheme() + "' URIs; the class path has "
                + String.join(", ", schemes) + " (a sink of your own is a jar with a META-INF/services/"
                + SinkProvider.class.getName() + " file)");
    }
}
