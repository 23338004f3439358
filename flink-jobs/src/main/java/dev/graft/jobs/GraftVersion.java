package dev.graft.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of Graft this code was built as (from the build, via a filtered resource). */
public final class GraftVersion {
    private static final String VERSION = load();

    private GraftVersion() {}

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in =
                GraftVersion.class
                        .getClassLoader()
                        .getResourceAsStream("graft/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("graft.version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
