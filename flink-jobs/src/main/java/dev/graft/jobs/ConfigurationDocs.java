package dev.graft.jobs;

import dev.graft.jobs.transform.TransformOptions;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.Formatter;
import org.apache.flink.configuration.description.HtmlFormatter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders {@code docs/configuration.md} from {@link GraftOptions}, the one place options live. */
public final class ConfigurationDocs {
    private ConfigurationDocs() {}

    /** The Markdown reference of every Graft option. */
    public static String markdown() {
        Formatter formatter = new HtmlFormatter();
        StringBuilder md = new StringBuilder();
        md.append("# Configuration reference\n\n")
                .append(
                        "<!-- Generated from GraftOptions.java by ConfigurationDocsTest; do not edit.\n")
                .append("     Regenerate: mvn -pl flink-jobs -am test -Dtest=ConfigurationDocsTest")
                .append(" -Dgraft.docs.write=true -Dsurefire.failIfNoSpecifiedTests=false -->\n\n")
                .append("Set options with `./graft up -D key=value`, or in the Flink configuration")
                .append(
                        " (`config.yaml`) of a cluster. Invalid values stop the job at start-up with")
                .append(" a message naming the key, the value found and what is allowed.\n\n")
                .append("| Key | Type | Default | Description |\n")
                .append("|---|---|---|---|\n");
        List<ConfigOption<?>> options = new ArrayList<>(GraftOptions.all());
        options.addAll(TransformOptions.all());
        for (ConfigOption<?> option : options) {
            md.append("| `")
                    .append(option.key())
                    .append("` | ")
                    .append(typeName(option))
                    .append(" | `")
                    .append(defaultValue(option))
                    .append("` | ")
                    .append(formatter.format(option.description()).replace("|", "\\|"))
                    .append(" |\n");
        }
        return md.toString();
    }

    private static String typeName(ConfigOption<?> option) {
        Object value = option.defaultValue();
        if (value instanceof Duration) {
            return "Duration";
        }
        if (value instanceof Map) {
            return "Map";
        }
        return value == null ? "String" : value.getClass().getSimpleName();
    }

    private static String defaultValue(ConfigOption<?> option) {
        Object value = option.defaultValue();
        if (value instanceof Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream()
                    .map(e -> e.getKey() + ":" + e.getValue())
                    .sorted()
                    .collect(Collectors.joining(","));
        }
        return String.valueOf(value);
    }
}
