package dev.graft.connectors.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of Graft, from the build (written into every manifest). */
public final class GraftVersion {

    private static final String VERSION = load();

    private GraftVersion() {}

    /** E.g. {@code 0.1.0-SNAPSHOT}; {@code unknown} when run outside a built jar. */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = GraftVersion.class.getResourceAsStream("/graft/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
